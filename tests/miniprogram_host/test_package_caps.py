"""The file-count and main-package caps are settings; uploads over them are refused."""

from __future__ import annotations

import pytest

from tests.miniprogram_host.helpers import developer_app, package, upload


@pytest.fixture
def environ(environ):
    environ.update({"MP_MAX_FILES": "3", "MP_MAX_MAIN_BYTES": "2000"})
    return environ


async def test_too_many_files_are_refused(gql, client, sign_in):
    app = await developer_app(gql, sign_in)

    response = await upload(client, app, package(app.app_id, files={"a.txt": "1", "b.txt": "2"}))

    assert [p["code"] for p in response.json()["error"]["problems"]] == ["TOO_MANY_FILES"]


async def test_a_main_package_over_the_cap_is_refused(gql, client, sign_in):
    app = await developer_app(gql, sign_in)

    response = await upload(client, app, package(app.app_id, files={"app.js": "sa.getLocation({});//" + "x" * 3000}))

    assert [p["code"] for p in response.json()["error"]["problems"]] == ["MAIN_PACKAGE_TOO_LARGE"]
