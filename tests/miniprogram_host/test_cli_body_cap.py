"""A package over the server's request body cap is refused with a message that says so."""

from __future__ import annotations

import os

import pytest

from tests.miniprogram_host.helpers import developer_app
from tests.miniprogram_host.test_cli import run_superapp, write_package

pytestmark = pytest.mark.slow


@pytest.fixture
def environ(environ):
    environ["MAX_BODY_BYTES"] = "3000"
    return environ


async def test_publish_over_the_body_cap_names_the_setting(gql, sign_in, server_url, tmp_path):
    app = await developer_app(gql, sign_in)
    source = tmp_path / "branches"
    write_package(source, app.app_id)
    (source / "noise.txt").write_bytes(os.urandom(4000))  # incompressible

    code, out = await run_superapp("mp", "publish", str(source), "--app", app.app_id,
                                   secret=app.secret, server=server_url, tmp_path=tmp_path)

    assert code == 2
    assert "upload refused: the server takes at most 3000 bytes per request (its MAX_BODY_BYTES)" in out
