"""Account opening in the customer H5 app, in Debian's Chromium with its fake camera playing a
video made from the KYC tests' generated ID card and real face photos: a photo that is not an
ID card is refused for that side with the server's words, the front is then photographed with
the camera and the back chosen as a file, the masked reading is confirmed, the head-turn
challenge is photographed from the camera, and the new Class II account is listed (or, with
every face match in the review band, the application shows as with a reviewer). No console
error, and axe-core finds no serious or critical violation (screenshots in the test's tmp dir).

The camera's video loops over four scenes (the card's front, the face straight, turned left,
turned right); a grey block in its corner says which scene and how far into it a frame is, so
the test presses the shutter while the scene it wants shows, and retakes if a frame missed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.async_api import async_playwright, expect

from kyc.config import KycConfig
from kyc.engines import Engines
from tests.e2e.test_container_chromium import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_h5_chromium import accessibility_problems
from tests.kyc.cards import Card, back, encode, front, photographed
from tests.kyc.faces import photo, turn_head
from tests.kyc.test_liveness import DEGREES

pytestmark = pytest.mark.slow

SCENES = ["card", "straight", "TURN_LEFT", "TURN_RIGHT"]
FPS, FRAMES_PER_SCENE = 4, 12  # three seconds a scene
DESK = (96, 86, 74)  # photographed()'s margin


def _mark(frame: Image.Image, scene: int, step: int) -> Image.Image:
    pixels = np.asarray(frame).copy()
    pixels[10:42, 10:42] = 30 + 60 * scene
    pixels[10:42, 50:82] = 10 + 20 * step
    return Image.fromarray(pixels)


def _scenes(card: Card) -> list[Image.Image]:
    """The card's front on a desk, then the applicant's face straight and turned, all one size."""
    card_frame = photographed(front(card, photo("person_b_1")))
    size = card_frame.size
    selfie = photo("person_b_2")
    selfie = selfie.resize((round(selfie.width * size[1] / selfie.height), size[1]), Image.LANCZOS)
    straight = Image.new("RGB", size, DESK)
    straight.paste(selfie, ((size[0] - selfie.width) // 2, 0))
    face = Engines(KycConfig()).face.sample(straight).face
    turned = [turn_head(straight, DEGREES[a], nose_x=face.landmarks[2][0], face_width=face.width)
              for a in ("TURN_LEFT", "TURN_RIGHT")]
    return [card_frame, straight, *turned]


def write_y4m(path: Path, scenes: list[Image.Image]) -> None:
    """A 4:2:0 YUV4MPEG2 video (studio range, as Chromium reads it) looping over the scenes."""
    width, height = scenes[0].size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420\n".encode())
        for index, scene in enumerate(scenes):
            for step in range(FRAMES_PER_SCENE):
                y, cb, cr = (np.asarray(p, dtype=np.float32) for p in _mark(scene, index, step).convert("YCbCr").split())
                out.write(b"FRAME\n")
                out.write(np.clip(16 + y * 219 / 255, 0, 255).astype(np.uint8).tobytes())
                for chroma in (cb, cr):
                    half = chroma.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))
                    out.write(np.clip(16 + half * 224 / 255, 0, 255).astype(np.uint8).tobytes())


MARK = """(element) => {
  const width = element.videoWidth || element.naturalWidth, height = element.videoHeight || element.naturalHeight;
  if (!width) return null;
  const canvas = document.createElement('canvas');
  canvas.width = width; canvas.height = height;
  const context = canvas.getContext('2d');
  context.drawImage(element, 0, 0);
  const grey = (x) => { const d = context.getImageData(x, 18, 16, 16).data; let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i + 1]; return s / (d.length / 4); };
  return [grey(18), grey(58)];
}"""


async def scene_of(locator) -> tuple[int, int] | None:
    found = await locator.evaluate(MARK)
    return None if found is None else (round((found[0] - 30) / 60), round((found[1] - 10) / 20))


async def take(page, scene: str, shot=None) -> None:
    """Press the shutter early in `scene`; with `shot` (the thumbnail), retake until it shows it."""
    wanted = SCENES.index(scene)
    for _ in range(6):
        for _ in range(400):
            seen = await scene_of(page.locator("#camera-view"))
            if seen and seen[0] == wanted and seen[1] <= 5:
                break
            await asyncio.sleep(0.05)
        await page.locator("#camera-take").click()
        if shot is None:
            return
        await expect(page.locator(shot)).to_be_visible()
        if (await scene_of(page.locator(shot)))[0] == wanted:
            return
        await page.locator(shot.replace("shot", "retake")).click()
    raise AssertionError(f"no frame of {scene} was taken")


@pytest.fixture
async def camera_chromium(tmp_path):
    card = Card(name="李秀英", sex="女")
    video = tmp_path / "camera.y4m"
    write_y4m(video, _scenes(card))
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser, card
        await browser.close()


@pytest.fixture(params=["opened", "manual_review"])
def outcome(request, environ) -> str:
    """Opened at once, or (every real match in the review band) left with a reviewer."""
    if request.param == "manual_review":
        environ["KYC_FACE_REVIEW_BELOW"] = "0.99"
    return request.param


async def test_a_customer_opens_a_class_two_account_with_camera_and_file_photos(
    outcome, sign_in, server_url, tmp_path, camera_chromium
):
    browser, card = camera_chromium
    me = await sign_in("13900000021")
    not_a_card = tmp_path / "face.jpg"
    not_a_card.write_bytes(encode(photo("impostor_1"), "JPEG", quality=88))
    card_back = tmp_path / "back.jpg"
    card_back.write_bytes(encode(back(card), "JPEG", quality=88))

    context = await browser.new_context(locale="zh-CN", bypass_csp=True)
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    await page.goto(f"{server_url}/")
    await page.evaluate(f"localStorage.setItem('superapp.accessToken', '{me.access_token}')")
    await page.reload()
    await page.locator("#tab-accounts").click()
    # No Class II account yet: the accounts screen offers to open one.
    await expect(page.locator("#opening-invite")).to_contain_text("开通 II 类电子账户")
    await page.locator("#opening-open").click()
    await expect(page.locator("#opening-start")).to_be_disabled()
    await page.locator("#opening-consent").check()
    await page.locator("#opening-start").click()

    # A photo that is not an ID card: refused for that side, in the server's words.
    await page.locator("#side-front-file").set_input_files(not_a_card)
    await expect(page.locator("#side-front-problem")).to_have_text("图片中没有找到居民身份证的人像面", timeout=60_000)
    await page.screenshot(path=tmp_path / "h5-opening-rejected-photo-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []

    # Retaken with the camera: read, and what was read shows masked.
    await page.locator("#side-front-camera").click()
    await expect(page.locator("#camera-take")).to_be_enabled()
    await take(page, "card")
    await expect(page.locator("#side-front-read")).to_be_visible(timeout=60_000)
    await expect(page.locator("#opening-name")).to_have_text("李**")
    await expect(page.locator("#opening-id-number")).to_have_text(card.number[:6] + "********" + card.number[-4:])
    await page.locator("#side-back-file").set_input_files(card_back)
    await expect(page.locator("#opening-confirm")).to_be_visible(timeout=60_000)
    await page.screenshot(path=tmp_path / "h5-opening-confirm-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await page.locator("#opening-confirm").click()

    # The head-turn challenge, as the server gave it: straight first, then each action in turn.
    await page.locator("#liveness-start").click()
    await expect(page.locator("#liveness-actions li")).to_have_count(4)
    said = await page.locator("#liveness-actions li").all_inner_texts()
    assert said[0] == "第 1 张：请正视摄像头"
    poses = ["straight"] + ["TURN_LEFT" if "向左" in s else "TURN_RIGHT" for s in said[1:]]
    assert set(poses[1:]) == {"TURN_LEFT", "TURN_RIGHT"}
    for index, pose in enumerate(poses):
        await expect(page.locator("#liveness-prompt")).to_have_text(said[index].split("：", 1)[1])
        await take(page, pose, shot=f"#liveness-shot-{index}")
    await page.screenshot(path=tmp_path / "h5-opening-liveness-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await page.locator("#liveness-submit").click()
    if outcome == "manual_review":
        await expect(page.locator("#opening-outcome")).to_have_text("您的申请已转人工审核，结果将通知您", timeout=60_000)
        await expect(page.locator("#opening-reasons")).to_contain_text("人脸比对分数偏低，需人工确认")
        await page.screenshot(path=tmp_path / "h5-opening-manual-review-zh-CN.png", full_page=True)
        assert await accessibility_problems(page) == []
        # Still with the reviewer when the customer comes back: no account yet.
        await page.reload()
        await page.locator("#tab-accounts").click()
        await expect(page.locator("#accounts")).not_to_contain_text("电子账户（II 类户）")
        await page.locator("#opening-open").click()
        await expect(page.locator("#opening-outcome")).to_have_text("您的申请已转人工审核，结果将通知您")
        assert problems == []
        await context.close()
        return
    await expect(page.locator("#opening-outcome")).to_have_text("开户成功，您的 II 类电子账户已开通", timeout=60_000)

    await page.locator("#opening-accounts").click()
    await expect(page.locator("#accounts")).to_contain_text("电子账户（II 类户）")
    await expect(page.locator("#opening-invite")).to_have_count(0)
    await page.screenshot(path=tmp_path / "h5-opening-account-listed-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    assert problems == []
    await context.close()
