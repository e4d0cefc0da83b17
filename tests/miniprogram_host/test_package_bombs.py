"""The uncompressed-total and archive caps: reading stops at the cap, nothing is stored."""

from __future__ import annotations

import os

import pytest

from miniprogram_host.config import PackageLimits
from miniprogram_host.packages import check_package
from tests.miniprogram_host.helpers import developer_app, package, upload


@pytest.fixture
def environ(environ):
    environ.update({"MP_MAX_TOTAL_BYTES": "5000", "MP_MAX_ARCHIVE_BYTES": "9000"})
    return environ


async def test_files_adding_up_over_the_uncompressed_cap_are_refused(gql, client, sign_in, settings):
    app = await developer_app(gql, sign_in)
    noise = {"a.txt": os.urandom(3000), "b.txt": os.urandom(3000)}

    response = await upload(client, app, package(app.app_id, files=noise))

    assert response.status_code == 422
    assert "TOTAL_TOO_LARGE" in [p["code"] for p in response.json()["error"]["problems"]]
    assert not (settings.data_dir / "miniprogram").exists()


async def test_an_archive_over_the_cap_is_refused_before_it_is_read(gql, client, sign_in, settings):
    app = await developer_app(gql, sign_in)

    response = await upload(client, app, package(app.app_id, files={"big.txt": os.urandom(10_000)}))

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["setting"] == "MP_MAX_ARCHIVE_BYTES"
    assert not (settings.data_dir / "miniprogram").exists()


def test_the_validator_itself_refuses_an_archive_over_the_cap():
    """The same check runs in `superapp mp publish` before anything is sent."""
    archive = package("mp_local", files={"big.txt": os.urandom(10_000)})

    checked = check_package(archive, PackageLimits(archive_bytes=9000))

    assert [p.code for p in checked.problems] == ["ARCHIVE_TOO_LARGE"]
