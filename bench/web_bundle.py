"""Each app's weight and first load: gzip size of what its first screen fetches, and the time
from navigation to the sign-in form in Debian's Chromium on loopback, for the customer H5 app
(/) and the consoles (/console).

    .venv/bin/python bench/web_bundle.py [--runs 5]

Builds nothing: run scripts/bootstrap first (it builds web/dist). Starts `superapp serve` in
embedded mode (SQLite and its own Redis in a throw-away folder). Target: the first screen
under 300 KB gzip.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


APPS = (("customer H5 app", "index.html", "/"), ("consoles", "console.html", "/console"))


def first_screen_files(html: str) -> list[Path]:
    """The page and every asset it names (the first screen loads no other code)."""
    page = (DIST / html).read_text()
    return [DIST / html, *(DIST / m.lstrip("/").removeprefix("app/") for m in re.findall(r'(?:src|href)="(/app/[^"]+)"', page))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def first_loads(base: str, path: str, runs: int) -> list[float]:
    times = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=["--no-sandbox", "--disable-gpu"])
        for _ in range(runs):
            context = await browser.new_context(locale="zh-CN")  # a fresh cache each time
            page = await context.new_page()
            started = time.perf_counter()
            await page.goto(f"{base}{path}")
            await page.locator("#phone").wait_for()
            times.append((time.perf_counter() - started) * 1000)
            await context.close()
        await browser.close()
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        sys.exit("web/dist is missing: run scripts/bootstrap first")
    for name, html, _ in APPS:
        print(f"{name}: file                     bytes    gzip")
        total = 0
        for path in first_screen_files(html):
            size, packed = path.stat().st_size, gzip_size(path)
            total += packed
            print(f"  {str(path.relative_to(DIST)):36} {size:7,} {packed:7,}")
        target = " (target < 300 KB)" if html == "index.html" else ""
        print(f"  {name}, first screen, gzip: {total / 1024:.1f} KB{target}")

    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "SUPERAPP_DATA_DIR": data, "LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "superapp"), "serve", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient() as client:
                for _ in range(600):
                    try:
                        if (await client.get(f"{base}/healthz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)
            loads = {name: await first_loads(base, path, args.runs) for name, _, path in APPS}
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name, times in loads.items():
        print(f"{name}: first load to the sign-in form, {args.runs} fresh contexts: median"
              f" {statistics.median(times):.0f} ms, min {min(times):.0f}, max {max(times):.0f}")


if __name__ == "__main__":
    asyncio.run(main())
