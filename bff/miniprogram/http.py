"""Plain HTTP for the mini-program host: resolution, package files, keys, developer uploads.

Resolution runs on every cold start of every client, so it skips GraphQL: one Redis read,
an ETag over the answer and 304 when the client already has it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from infra.i18n import t
from miniprogram_host import errors, lifecycle, registry
from miniprogram_host.actors import Actor
from miniprogram_host.semver import is_semver
from miniprogram_host.service import app_profile
from miniprogram_host.service import preview as preview_version

IMMUTABLE = "public, max-age=31536000, immutable"
_PLATFORMS = ("ios", "android", "h5")


def _problem(status: int, code: str, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


async def resolve(request: Request) -> Response:
    """GET /mp/resolve/{appId}?platform=ios&clientVersion=5.2.0[&device=...][&preview=<version>]"""
    host = request.app.state.runtime.miniprograms
    app_id = request.path_params["app_id"]
    platform = request.query_params.get("platform", "")
    client_version = request.query_params.get("clientVersion", "")
    if platform not in _PLATFORMS:
        return _problem(400, "INVALID_INPUT", t("miniprogram_host.platform_invalid"), field="platform")
    if not is_semver(client_version):
        return _problem(400, "INVALID_INPUT", t("miniprogram_host.client_version_invalid"), field="clientVersion")
    principal = request.scope.get("principal")
    if principal is None and request.headers.get("authorization"):
        # A token the server no longer accepts (signed out, expired): a session that ended,
        # told apart from a caller that never signed in.
        return _problem(401, "INVALID_TOKEN", t("miniprogram_host.token_not_accepted"), field="authorization")
    preview = request.query_params.get("preview")
    if preview is not None:
        return await _preview(app_id, preview, principal, client_version)
    if principal is not None:
        user_id, subject = principal.user_id, f"u:{principal.user_id}"
    else:
        # Optional: a signed-out client without one gets the live version, never a gray one
        # (a gray release picks its share of devices by this id).
        device = request.query_params.get("device")
        if device is not None and not 8 <= len(device) <= 128:
            return _problem(400, "INVALID_INPUT", t("miniprogram_host.device_needed"), field="device")
        user_id, subject = None, f"d:{device}" if device else ""
    answer = await host.releases.resolve(
        app_id=app_id, subject=subject, user_id=user_id, platform=platform, client_version=client_version
    )
    body = json.dumps(answer.as_json(), separators=(",", ":")).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    # The answer differs per user, so shared caches must not keep it; clients revalidate.
    headers = {"etag": etag, "cache-control": "private, no-cache", "vary": "authorization"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    status = 404 if answer.as_json()["status"] == "UNKNOWN_APP" else 200
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def _preview(app_id: str, version: str, principal, client_version: str) -> Response:
    """``preview=<version>``: a developer's own run of one version, in any state (a development
    version naming localhost included); for the app's developers alone, never cached."""
    if principal is None:
        return _problem(401, "UNAUTHENTICATED", t("miniprogram_host.preview_developers_only"), field="authorization")
    if not is_semver(version):
        return _problem(400, "INVALID_INPUT", t("miniprogram_host.version_semver"), field="preview")
    try:
        answer = await preview_version(app_id=app_id, version=version, user_id=principal.user_id,
                                       client_version=client_version)
    except errors.NotPermitted as exc:
        return _problem(403, "NOT_PERMITTED", str(exc), field="preview")
    except errors.NotFound as exc:
        return _problem(404, "NOT_FOUND", str(exc), field="preview")
    status = 404 if answer.as_json()["status"] == "UNKNOWN_APP" else 200
    return JSONResponse(answer.as_json(), status_code=status, headers={"cache-control": "no-store"})


async def app_card(request: Request) -> JSONResponse:
    """GET /mp/profile/{appId}: the name and icon a client shows for an app (its title bar)."""
    profile = await app_profile(request.path_params["app_id"])
    if profile is None:
        return _problem(404, "UNKNOWN_APP", t("miniprogram_host.no_such_app"))
    return JSONResponse({"appId": profile.app_id, "name": profile.name, "iconUrl": profile.icon_url},
                        headers={"cache-control": "public, max-age=60"})


async def public_keys(request: Request) -> JSONResponse:
    keys = request.app.state.runtime.miniprograms.keys
    return JSONResponse(
        {"current": keys.current_key_id, "keys": keys.public_keys(),
         "statement": "superapp-mp-v1:<appId>:<version>:<sha256 hex of the package zip>"},
        headers={"cache-control": "public, max-age=300"},
    )


def _blob(suffix: str, media_type: str):
    async def serve(request: Request) -> Response:
        store = request.app.state.runtime.miniprograms.store
        path = store.path_of(request.path_params["digest"], suffix)
        if path is None:
            return _problem(404, "NOT_FOUND", t("miniprogram_host.no_such_file"))
        return FileResponse(path, media_type=media_type,
                            headers={"cache-control": IMMUTABLE, "etag": f'"{request.path_params["digest"]}"'})

    return serve


async def _app_from_credentials(request: Request):
    """HTTP Basic with appId:appSecret, as `superapp mp publish` sends it."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        raise errors.BadCredentials()
    try:
        app_id, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.BadCredentials() from None
    if app_id != request.path_params["app_id"]:
        raise errors.BadCredentials()
    return await registry.authenticate_app(app_id=app_id, app_secret=secret)


def _unauthorized() -> JSONResponse:
    response = _problem(401, "BAD_CREDENTIALS", str(errors.BadCredentials.message))
    response.headers["www-authenticate"] = 'Basic realm="mini-program"'
    return response


async def upload_package(request: Request) -> JSONResponse:
    """POST /mp/apps/{appId}/packages with the zip as the body."""
    host = request.app.state.runtime.miniprograms
    try:
        app = await _app_from_credentials(request)
    except errors.BadCredentials:
        return _unauthorized()
    archive = await request.body()
    try:
        version = await host.upload(app=app, archive=archive, actor=Actor(None, app_id=app.app_id))
    except errors.InvalidPackage as exc:
        return JSONResponse(
            {"error": {"code": "INVALID_PACKAGE", "message": str(exc),
                       "problems": [{"code": p.code, "message": str(p.message), "path": p.path} for p in exc.problems]}},
            status_code=422,
        )
    return JSONResponse(
        {"appId": app.app_id, "version": version.version, "state": version.state, "digest": version.digest,
         "size": version.size, "signature": version.signature, "keyId": version.key_id},
        status_code=201,
    )


async def app_status(request: Request) -> JSONResponse:
    """GET /mp/apps/{appId}/status: versions and release state, for `superapp mp status`."""
    try:
        app = await _app_from_credentials(request)
    except errors.BadCredentials:
        return _unauthorized()
    versions = await lifecycle.versions_of(app)
    return JSONResponse(
        {
            "appId": app.app_id,
            "name": app.name,
            "release": lifecycle.describe_release(app, versions),
            "versions": [
                {"version": v.version, "state": v.state, "digest": v.digest, "size": v.size,
                 "uploadedAt": v.uploaded_at.isoformat(), "review": v.review}
                for v in versions
            ],
        }
    )


def miniprogram_routes() -> list[Route]:
    return [
        Route("/mp/resolve/{app_id}", resolve, methods=["GET"]),
        Route("/mp/profile/{app_id}", app_card, methods=["GET"]),
        Route("/mp/keys", public_keys, methods=["GET"]),
        Route("/mp/packages/{digest}.zip", _blob(".zip", "application/zip"), methods=["GET"]),
        Route("/mp/icons/{digest}.png", _blob(".png", "image/png"), methods=["GET"]),
        Route("/mp/apps/{app_id}/packages", upload_package, methods=["POST"]),
        Route("/mp/apps/{app_id}/status", app_status, methods=["GET"]),
    ]
