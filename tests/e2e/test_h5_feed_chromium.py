"""The customer H5 app's home feed in Debian's Chromium: content ranked for the customer
under the mini-program grid, a cover in the rendition for the screen's pixel ratio, the next
page as the end scrolls into view, a like counted, and "not interested" taking an item away
for good; no console error, axe finds no serious or critical violation, in Chinese and English."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.async_api import expect

from content.service import ContentKind
from tests.content.support import draft, published
from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture
from tests.e2e.test_h5_chromium import accessibility_problems

pytestmark = pytest.mark.slow
ITEMS = 27  # the home's first page is 10, the next ones 20


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


async def _scroll_to_the_end(page) -> None:
    """Scroll down as a thumb would, until the feed says there is no more."""
    for _ in range(40):
        if await page.locator(".feed-end").count():
            return
        await page.mouse.wheel(0, 2000)
        await page.wait_for_timeout(100)
    await expect(page.locator(".feed-end")).to_be_visible()


async def test_the_home_feed_scrolls_likes_and_forgets_what_is_not_wanted(
    sign_in, server_url, tmp_path, chromium, runtime  # noqa: F811
):
    author = await sign_in("13900000077")
    cover = await runtime.content.upload_image(owner_id=author.user_id, raw=_photo())
    kinds = (ContentKind.ARTICLE, ContentKind.SHORT_VIDEO, ContentKind.PRODUCT_CARD)  # at most 2 of a kind in 5
    for n in range(ITEMS):
        await published(runtime, author.user_id, draft(
            kinds[n % 3], title=f"理财小课堂 {n:02d}", summary="每天五分钟", topics=("saving",),
            cover_image_id=cover.id, **({"risk_level": 1} if kinds[n % 3] is ContentKind.PRODUCT_CARD else {})))
    me = await sign_in("13900000001")

    context = await chromium.new_context(locale="zh-CN", bypass_csp=True, device_scale_factor=2)
    await context.add_init_script(f"localStorage.setItem('superapp.accessToken', '{me.access_token}')")
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    await page.goto(f"{server_url}/")

    # the first page under the grid, with the cover at 2x
    await expect(page.locator("#feed-title")).to_have_text("为你推荐")
    items = page.locator("#feed .feed-item")
    await expect(items.first).to_be_visible()
    first_page = await items.count()
    assert 3 <= first_page <= 10
    picture = items.first.locator("picture")
    assert (await picture.locator("source").get_attribute("srcset")).endswith(f"/content/images/{cover.id}/2x.webp")
    assert (await picture.locator("img").get_attribute("src")).endswith(f"/content/images/{cover.id}/2x.jpeg")
    assert await picture.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    await page.screenshot(path=tmp_path / "h5-feed-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []

    # a like counts at once
    like = items.first.locator(".like")
    await like.click()
    await expect(like).to_have_text("赞 1")

    # "not interested" takes the item away, and the next home never shows it again
    gone_title = await items.nth(1).locator("h3").inner_text()
    await items.nth(1).locator(".not-interested").click()
    await expect(page.locator("#feed h3", has_text=gone_title)).to_have_count(0)

    # scrolling to the end fetches the rest, until there is no more
    await _scroll_to_the_end(page)
    await expect(page.locator(".feed-end")).to_have_text("没有更多了")
    titles = await page.locator("#feed .feed-item h3").all_inner_texts()
    assert len(titles) > first_page + 10  # later pages came (the ranking's diversity may hold back a last few)
    assert len(set(titles)) == len(titles) and gone_title not in titles

    await page.reload()
    await expect(items.first).to_be_visible()
    await _scroll_to_the_end(page)
    assert gone_title not in await page.locator("#feed .feed-item h3").all_inner_texts()

    await page.locator("#language").click()
    await expect(page.locator("#feed-title")).to_have_text("For you")
    assert await accessibility_problems(page) == []
    assert problems == []
    await context.close()
