"""`superapp mp publish` and `superapp mp status` against the app served on a loopback port."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from tests.miniprogram_host.helpers import PAGE, developer_app, manifest

pytestmark = pytest.mark.slow


async def run_superapp(*args: str, secret: str, server: str, tmp_path, lang: str = "C.UTF-8") -> tuple[int, str]:
    """The installed command; its messages follow ``lang`` (C names no language: Chinese)."""
    env = {**os.environ, "SUPERAPP_APP_SECRET": secret, "SUPERAPP_SERVER": server,
           "SUPERAPP_DATA_DIR": str(tmp_path / "cli-var"), "LC_ALL": lang}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "superapp"), *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode, out.decode()


def write_package(root, app_id: str, *, extra: dict | None = None) -> None:
    files = {
        "manifest.json": json.dumps(manifest(app_id, "1.0.0")),
        "pages/index.html": PAGE,
        "app.js": "sa.getLocation({});",
        **(extra or {}),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


async def test_publish_uploads_with_the_app_credentials_and_status_shows_it(gql, sign_in, server_url, tmp_path):
    app = await developer_app(gql, sign_in)
    source = tmp_path / "branches"
    write_package(source, app.app_id)

    code, out = await run_superapp("mp", "publish", str(source), "--app", app.app_id,
                               secret=app.secret, server=server_url, tmp_path=tmp_path)
    status_code, status = await run_superapp("mp", "status", "--app", app.app_id,
                                         secret=app.secret, server=server_url, tmp_path=tmp_path)

    assert code == 0, out
    assert f"uploaded {app.app_id} 1.0.0: uploaded" in out
    assert status_code == 0, status
    assert f"{app.app_id} Branches: live none, gray none" in status
    assert "1.0.0            uploaded" in status


async def test_publish_stops_locally_on_a_bad_package(gql, sign_in, server_url, tmp_path):
    app = await developer_app(gql, sign_in)
    source = tmp_path / "branches"
    write_package(source, app.app_id, extra={"pay.js": "sa.requestPayment({amount: 1})", "pages/INDEX.html": PAGE})
    (source / "pages" / "leak.txt").symlink_to("/etc/hostname")

    code, out = await run_superapp("mp", "publish", str(source), "--app", app.app_id,
                               secret=app.secret, server=server_url, tmp_path=tmp_path)
    english_code, english = await run_superapp("mp", "publish", str(source), "--app", app.app_id, secret=app.secret,
                                               server=server_url, tmp_path=tmp_path, lang="en_US.UTF-8")
    _, status = await run_superapp("mp", "status", "--app", app.app_id, secret=app.secret, server=server_url, tmp_path=tmp_path)

    assert code == english_code == 1
    assert "nothing was uploaded" in out
    assert "UNDECLARED_JSAPI: 代码调用了 sa.requestPayment，但 manifest 没有声明" in out
    assert "SYMLINK: 不允许符号链接 (pages/leak.txt)" in out
    assert "CASE_COLLISION: pages/INDEX.html 和 pages/index.html 只有大小写不同" in out
    assert "UNDECLARED_JSAPI: the code calls sa.requestPayment" in english
    assert "SYMLINK: symbolic links are not allowed (pages/leak.txt)" in english
    assert "CASE_COLLISION: pages/INDEX.html and pages/index.html differ only in case" in english
    assert "1.0.0" not in status


async def test_publish_with_a_wrong_secret_is_refused(gql, sign_in, server_url, tmp_path):
    app = await developer_app(gql, sign_in)
    source = tmp_path / "branches"
    write_package(source, app.app_id)

    code, out = await run_superapp("mp", "publish", str(source), "--app", app.app_id,
                               secret="sk_wrong", server=server_url, tmp_path=tmp_path)

    assert code == 2
    assert "BAD_CREDENTIALS" in out
