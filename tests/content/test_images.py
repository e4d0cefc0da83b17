"""Covers: 1x/2x/3x in WebP and JPEG, EXIF gone, non-images and oversize refused with a code."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from content import images
from content.service import ContentError, ContentErrorCode, LiveStatus, live_topic
from identity.roles import Role
from tests.content.support import draft, published
from content.service import ContentKind

UPLOAD = """mutation($image: Upload!) { uploadContentImage(image: $image) { __typename
  ... on ContentCover { id renditions { density format width height url } pick(dpr: 2.6, webp: false) { url } }
  ... on ContentRefused { code } } }"""


def photo(width=1600, height=1200, fmt="JPEG") -> bytes:
    picture = Image.new("RGB", (width, height), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS latitude: where the operator stood
    out = io.BytesIO()
    picture.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


async def _upload(client, token, data: bytes, name="cover.jpg"):
    import orjson
    operations = orjson.dumps({"query": UPLOAD, "variables": {"image": None}}).decode()
    response = await client.post("/graphql", headers={"authorization": f"Bearer {token}"}, data={
        "operations": operations, "map": '{"0": ["variables.image"]}'}, files={"0": (name, data, "image/jpeg")})
    assert response.status_code == 200, response.text
    return response.json()["data"]["uploadContentImage"]


async def test_a_cover_gets_renditions_for_each_density_without_exif(client, sign_in):
    operator = await sign_in("13900003001", Role.OPERATOR)
    cover = await _upload(client, operator.access_token, photo())
    assert cover["__typename"] == "ContentCover"
    assert [(r["density"], r["format"], r["width"]) for r in cover["renditions"]] == [
        (1, "jpeg", 375), (1, "webp", 375), (2, "jpeg", 750), (2, "webp", 750), (3, "jpeg", 1125), (3, "webp", 1125)]
    assert cover["pick"]["url"].endswith("/3x.jpeg")
    for rendition in cover["renditions"]:
        fetched = await client.get(rendition["url"])
        assert fetched.status_code == 200
        picture = Image.open(io.BytesIO(fetched.content))
        assert picture.format.lower() == rendition["format"] and picture.width == rendition["width"]
        assert dict(picture.getexif()) == {} and "exif" not in picture.info


async def test_non_images_and_oversize_images_are_refused(client, sign_in):
    operator = await sign_in("13900003011", Role.OPERATOR)
    assert (await _upload(client, operator.access_token, b"%PDF-1.4 not a picture"))["code"] == "NOT_AN_IMAGE"
    truncated = photo()[:400]
    assert (await _upload(client, operator.access_token, truncated))["code"] == "NOT_AN_IMAGE"
    with pytest.raises(ContentError) as too_many:
        images.process(photo(8000, 6000, "PNG"))
    assert too_many.value.code is ContentErrorCode.IMAGE_TOO_LARGE
    with pytest.raises(ContentError) as too_big:
        images.process(b"\xff\xd8" + b"\0" * (images.MAX_BYTES + 1))
    assert too_big.value.code is ContentErrorCode.IMAGE_TOO_LARGE


async def test_a_customer_may_not_upload(gql, sign_in):
    customer = await sign_in("13900003021")
    # (a plain JSON body: a refused multipart request would leave its spooled file to the GC)
    answer = await gql(UPLOAD, {"image": "not-a-file"}, token=customer.access_token)
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_client_picks_the_density_by_its_pixel_ratio():
    assert [images.pick_density(d) for d in (1.0, 1.5, 2.0, 2.75, 3.0, 4.0)] == [1, 2, 2, 3, 3, 3]


async def test_a_live_streams_status_is_pushed_to_subscribers(runtime, sign_in):
    author = (await sign_in("13900003031", Role.OPERATOR)).user_id
    item = await published(runtime, author, draft(ContentKind.LIVE_STREAM))
    async with runtime.broker.subscribe(live_topic(item)) as events:
        await runtime.content.set_live_status(item_id=item, status=LiveStatus.LIVE)
        heard = await anext(events)
    assert heard == {"id": item, "status": "live"}
    with pytest.raises(ContentError) as backwards:
        await runtime.content.set_live_status(item_id=item, status=LiveStatus.SCHEDULED)
    assert backwards.value.code is ContentErrorCode.WRONG_STATE
