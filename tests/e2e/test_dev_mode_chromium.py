"""Development mode in a real Chromium: a partner's page in preview reaches the partner's
server on localhost, which its CSP lets through for that run alone; a customer opening the
same preview link is refused, and the origin stays closed to every other port."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import expect

from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture
from tests.miniprogram_host.helpers import developer_app, upload, zip_of
from tests.miniprogram_host.test_dev_mode import DEV_DOMAINS

pytestmark = pytest.mark.slow

PAGE = """<html><body><h1>Coffee (dev)</h1><button id="local">local</button><button id="other">other</button>
<p id="out"></p><script src="../app.js"></script></body></html>"""
SCRIPT = """
function show(text) { document.getElementById('out').textContent = text; }
document.getElementById('local').onclick = function () {
  fetch(LOCAL + '/menu').then(function (r) { return r.json(); })
    .then(function (menu) { show('local: ' + menu.items.join(', ')); }, function () { show('local: blocked'); });
};
document.getElementById('other').onclick = function () {
  fetch(OTHER + '/menu').then(function () { show('other: reached'); }, function () { show('other: blocked'); });
};
"""


class _PartnerDevServer(BaseHTTPRequestHandler):
    """The partner's own development server on its laptop: answers any origin, as dev servers do."""

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = json.dumps({"items": ["latte", "mocha"]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("access-control-allow-origin", "*")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def partner_dev_servers():
    """Two local servers: the one the developer whitelists, and another port on the same host."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _PartnerDevServer) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield [server.server_address[1] for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


async def open_preview(browser, server_url: str, app_id: str, version: str, token: str):
    context = await browser.new_context(locale="zh-CN")
    await context.add_init_script(
        f"if (window === window.top) localStorage.setItem('superapp.accessToken', {json.dumps(token)})"
    )
    page = await context.new_page()
    await page.goto(f"{server_url}/static/container.html?app={app_id}&preview={version}")
    return context, page


async def test_a_preview_reaches_the_developer_s_localhost_and_nothing_else(
    gql, client, sign_in, server_url, tmp_path, chromium, partner_dev_servers  # noqa: F811
):
    local, other = partner_dev_servers
    app = await developer_app(gql, sign_in)
    dev = app.developer
    whitelisted = await gql(DEV_DOMAINS, {"app": app.app_id, "domains": [f"http://127.0.0.1:{local}/"]},
                            token=dev.access_token)
    assert whitelisted["data"]["setMiniAppDevDomains"]["domains"]["development"] == [f"127.0.0.1:{local}"]
    manifest = {
        "appId": app.app_id, "version": "0.1.0-dev.1", "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": [], "scopes": [], "domains": {}, "devDomains": [f"127.0.0.1:{local}"], "minClientVersion": "5.0.0",
    }
    script = f"var LOCAL = 'http://127.0.0.1:{local}', OTHER = 'http://127.0.0.1:{other}';" + SCRIPT
    archive = zip_of({"manifest.json": json.dumps(manifest), "pages/index.html": PAGE, "app.js": script})
    uploaded = await upload(client, app, archive)
    assert uploaded.status_code == 201, uploaded.text

    context, page = await open_preview(chromium, server_url, app.app_id, "0.1.0-dev.1", dev.access_token)
    await expect(page.locator("body")).to_have_attribute("data-channel", "preview")
    await expect(page.locator("#status")).to_have_text("正在预览 Branches 0.1.0-dev.1（开发版，仅开发者可见）")
    frame = page.frame_locator("#stage iframe")
    await frame.locator("#local").click()
    await expect(frame.locator("#out")).to_have_text("local: latte, mocha")
    await frame.locator("#other").click()
    await expect(frame.locator("#out")).to_have_text("other: blocked")
    await page.screenshot(path=tmp_path / "preview-zh-CN.png")
    await context.close()

    # The same link, opened by a customer: refused with the server's reason, nothing runs.
    customer = await sign_in("13900000001")
    context, page = await open_preview(chromium, server_url, app.app_id, "0.1.0-dev.1", customer.access_token)
    await expect(page.locator("#status")).to_have_attribute("data-state", "refused")
    await expect(page.locator("#status")).to_contain_text("只有该小程序的开发者可以预览未发布的版本")
    assert await page.locator("#stage iframe").count() == 0
    await page.screenshot(path=tmp_path / "preview-refused-zh-CN.png")
    await context.close()
