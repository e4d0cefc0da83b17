"""GET /parks/photos/<key>/<1x|2x|3x|thumb>.<webp|jpg>: a photo's cleaned rendition.

The key is random and unguessable; the address the GraphQL answer gives is the permission.
Renditions never change, so caches may keep them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from miniprograms.parks import service as parks

NAMES = {"1x", "2x", "3x", "thumb"}


async def photo(request: Request) -> Response:
    name, _, ext = request.path_params["file"].partition(".")
    found = None
    if name in NAMES:
        found = await parks.rendition_bytes(key=request.path_params["key"], name=name, ext=ext)
    if found is None:
        return Response(status_code=404)
    media_type, data = found
    return Response(data, media_type=media_type, headers={
        "cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff"})


def parks_routes() -> list[Route]:
    return [Route("/parks/photos/{key}/{file}", photo, methods=["GET"])]
