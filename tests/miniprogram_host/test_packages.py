"""Uploads: a valid package is stored by digest and signed; a bad one is refused whole."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.miniprogram_host.helpers import APP, basic, developer_app, package, upload, zip_of


def stored_blobs(settings) -> list:
    root = settings.data_dir / "miniprogram"
    return [p for p in root.rglob("*.zip")] if root.exists() else []


async def test_valid_package_is_stored_by_digest_and_signed_with_a_published_key(gql, client, sign_in, settings):
    app = await developer_app(gql, sign_in)
    archive = package(app.app_id, "1.0.0")

    response = await upload(client, app, archive)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "uploaded"
    assert body["digest"] == hashlib.sha256(archive).hexdigest()
    keys = (await client.get("/mp/keys")).json()
    key = next(k for k in keys["keys"] if k["kid"] == body["keyId"])
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["publicKey"]))
    public.verify(base64.b64decode(body["signature"]), f"superapp-mp-v1:{app.app_id}:1.0.0:{body['digest']}".encode())
    served = await client.get(f"/mp/packages/{body['digest']}.zip")
    assert served.content == archive
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_wrong_secret_is_refused(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    response = await client.post(f"/mp/apps/{app.app_id}/packages", content=package(app.app_id),
                                 headers=basic(app.app_id, "sk_wrong"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "BAD_CREDENTIALS"


def _bomb() -> bytes:
    return zip_of({"manifest.json": "{}", "pages/zeros.txt": b"\0" * (3 * 1024 * 1024)})


CASES = {
    "path traversal": (lambda a: zip_of({"../../etc/evil.js": "x", "manifest.json": "{}"}), "UNSAFE_PATH", "../../etc/evil.js"),
    "absolute path": (lambda a: zip_of({"/etc/passwd.txt": "x"}), "UNSAFE_PATH", "/etc/passwd.txt"),
    "symlink": (lambda a: zip_of({"manifest.json": "{}"}, symlinks={"pages/secret.txt": "/etc/shadow"}), "SYMLINK", "pages/secret.txt"),
    "zip bomb": (lambda a: _bomb(), "COMPRESSION_RATIO", "pages/zeros.txt"),
    "not a zip": (lambda a: b"MZ this is not a zip", "NOT_A_ZIP", None),
    "manifest not json": (lambda a: zip_of({"manifest.json": "{nope", "pages/index.html": "x"}), "MANIFEST_MALFORMED", "manifest.json"),
    "manifest missing": (lambda a: zip_of({"pages/index.html": "x"}), "MANIFEST_MISSING", "manifest.json"),
    "bad version": (lambda a: package(a, "1.0"), "VERSION_INVALID", "manifest.version"),
    "undeclared jsapi": (lambda a: package(a, files={"pay.js": "sa.requestPayment({amount: 100})"}), "UNDECLARED_JSAPI", "pay.js"),
    "executable file": (lambda a: package(a, files={"tool.exe": "MZ"}), "FILE_TYPE_NOT_ALLOWED", "tool.exe"),
    "scope without reason": (lambda a: package(a, scopes=[{"scope": "camera", "reason": ""}]), "SCOPE_REASON_MISSING", "manifest.scopes"),
    "domain off the whitelist": (lambda a: package(a, domains={"request": ["evil.example.net"]}), "DOMAIN_NOT_WHITELISTED", "manifest.domains.request"),
    "entry page not a page": (lambda a: package(a, entryPage="pages/other.html"), "ENTRY_PAGE_INVALID", "manifest.entryPage"),
    "another app's manifest": (lambda a: package("mpsomeoneelse"), "APP_ID_MISMATCH", "manifest.appId"),
    # One file on a case-insensitive disk (most phones' and laptops'): which one runs depends on the order.
    "names differing only in case": (lambda a: package(a, files={"pages/INDEX.html": "<p>other</p>"}), "CASE_COLLISION", "pages/INDEX.html"),
    "folders differing only in case": (lambda a: package(a, files={"Pages/index.html": "x"}), "CASE_COLLISION", "Pages/index.html"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_each_bad_package_gets_its_own_typed_error_and_nothing_is_stored(case, gql, client, sign_in, settings):
    app = await developer_app(gql, sign_in)
    build, code, path = CASES[case]

    response = await upload(client, app, build(app.app_id))

    assert response.status_code == 422, response.text
    problems = response.json()["error"]["problems"]
    assert {"code": code, "path": path} in [{"code": p["code"], "path": p["path"]} for p in problems], problems
    assert stored_blobs(settings) == []
    versions = (await gql(APP, {"app": app.app_id}, token=app.developer.access_token))["data"]["miniApp"]["versions"]
    assert versions == []


async def test_every_problem_is_reported_at_once(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    archive = package(app.app_id, "x.y", entryPage="nowhere.html",
                      files={"../up.js": "1", "pay.js": "sa.requestPayment({})", "run.sh": "rm -rf /"})

    response = await upload(client, app, archive)

    codes = sorted(p["code"] for p in response.json()["error"]["problems"])
    assert codes == ["ENTRY_PAGE_INVALID", "FILE_TYPE_NOT_ALLOWED", "UNDECLARED_JSAPI", "UNSAFE_PATH", "VERSION_INVALID"]


async def test_a_version_is_uploaded_once_and_only_upwards(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    assert (await upload(client, app, package(app.app_id, "1.2.0"))).status_code == 201

    again = await upload(client, app, package(app.app_id, "1.2.0"))
    older = await upload(client, app, package(app.app_id, "1.1.9"))

    assert [p["code"] for p in again.json()["error"]["problems"]] == ["VERSION_EXISTS"]
    assert [p["code"] for p in older.json()["error"]["problems"]] == ["VERSION_NOT_NEWER"]
