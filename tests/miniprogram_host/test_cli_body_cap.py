"""Package uploads are capped by MP_MAX_ARCHIVE_BYTES, not by the general request cap."""

from __future__ import annotations

import os

import pytest

from tests.miniprogram_host.helpers import developer_app
from tests.miniprogram_host.test_cli import run_superapp, write_package

pytestmark = pytest.mark.slow


@pytest.fixture
def environ(environ):
    environ["MAX_BODY_BYTES"] = "3000"
    environ["MP_MAX_ARCHIVE_BYTES"] = "9000"
    return environ


async def test_a_package_larger_than_the_general_cap_uploads(gql, sign_in, server_url, tmp_path):
    app = await developer_app(gql, sign_in)
    source = tmp_path / "branches"
    write_package(source, app.app_id)
    (source / "noise.txt").write_bytes(os.urandom(4000))  # incompressible: the zip is over 4000 bytes

    code, out = await run_superapp("mp", "publish", str(source), "--app", app.app_id,
                                   secret=app.secret, server=server_url, tmp_path=tmp_path)

    assert code == 0, out
    assert f"uploaded {app.app_id} 1.0.0: uploaded" in out


async def test_publish_over_the_archive_cap_names_the_setting(gql, sign_in, server_url, tmp_path):
    app = await developer_app(gql, sign_in)
    source = tmp_path / "branches"
    write_package(source, app.app_id)
    (source / "noise.txt").write_bytes(os.urandom(10_000))

    code, out = await run_superapp("mp", "publish", str(source), "--app", app.app_id,
                                   secret=app.secret, server=server_url, tmp_path=tmp_path)

    assert code == 2
    assert "upload refused: the server takes at most 9000 bytes per request (its MP_MAX_ARCHIVE_BYTES)" in out


async def test_other_routes_keep_the_general_cap(client):
    response = await client.post("/graphql", content=b"{" + b" " * 4000 + b"}",
                                 headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {
        "code": "PAYLOAD_TOO_LARGE", "limit": 3000, "setting": "MAX_BODY_BYTES"}
