"""``chooseImage``: the user picks a picture in the container; it lands in the app's storage.

Pillow decides what the file is (the name and the declared type are not trusted), bounds
its pixel count, and re-encodes it, which drops EXIF (location, camera serial) on the way.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io

from PIL import Image, ImageOps, UnidentifiedImageError
from tortoise.transactions import in_transaction

from infra.i18n import Text
from miniprogram_host.service import BlobStore
from miniprogram_runtime.context import CallContext
from miniprogram_runtime.errors import InvalidArguments, InvalidImage, QuotaExceeded
from miniprogram_runtime.handlers.storage import locked_usage
from miniprogram_runtime.models import AppImage

_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def _reencode(raw: bytes, max_side: int) -> tuple[bytes, str, int, int]:
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in _FORMATS:
                raise InvalidImage(Text("miniprogram_runtime.image_type", kind=kind) if kind
                                   else Text("miniprogram_runtime.image_type_unknown"))
            if width > max_side or height > max_side:
                raise InvalidImage(Text("miniprogram_runtime.image_side", max=max_side))
            probe.verify()
        with Image.open(io.BytesIO(raw)) as opened:
            opened.load()
            # A phone's photo says which way up it was held only in EXIF, which re-encoding
            # drops: turn the pixels first, or a sideways photo stays sideways.
            image = ImageOps.exif_transpose(opened) if kind != "GIF" else opened
            width, height = image.size
            out = io.BytesIO()
            if kind == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=90)
            elif kind == "GIF":
                image.save(out, "GIF")
            else:
                image.save(out, kind)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise InvalidImage() from None
    return out.getvalue(), _FORMATS[kind], width, height


def file_id(image_id: int) -> str:
    return f"img{image_id}"


async def chosen_image(*, app_id: str, user_id: int, file: object, images: BlobStore) -> tuple[bytes, str] | None:
    """The bytes and format of an image this user chose for this app (``fileId`` as
    chooseImage answered it); None for any other user's, app's or an unknown id."""
    if not (isinstance(file, str) and file.startswith("img") and file[3:].isdigit() and len(file) <= 24):
        return None
    row = await AppImage.get_or_none(id=int(file[3:]), app_id=app_id, user_id=user_id)
    if row is None:
        return None
    path = images.path_of(row.digest, f".{row.format}")
    return (await asyncio.to_thread(path.read_bytes), row.format) if path is not None else None


async def choose_image(ctx: CallContext) -> dict:
    config = ctx.services.config
    data = ctx.args.get("data")
    if not isinstance(data, str) or not data:
        raise InvalidArguments(Text("miniprogram_runtime.image_data"), field="data")
    if len(data) > (config.image_max_bytes * 4 // 3) + 4:
        raise InvalidImage(Text("miniprogram_runtime.image_bytes", max=config.image_max_bytes))
    try:
        raw = base64.b64decode(data, validate=True)
    except binascii.Error:
        raise InvalidArguments(Text("miniprogram_runtime.image_not_base64"), field="data") from None
    if len(raw) > config.image_max_bytes:
        raise InvalidImage(Text("miniprogram_runtime.image_bytes", max=config.image_max_bytes))
    encoded, kind, width, height = await asyncio.to_thread(_reencode, raw, config.image_max_side)
    async with in_transaction():
        usage = await locked_usage(ctx.app_id, ctx.user_id)
        if usage.image_bytes + len(encoded) > config.image_quota_bytes:
            raise QuotaExceeded(usedBytes=usage.image_bytes, quotaBytes=config.image_quota_bytes)
        digest = await asyncio.to_thread(ctx.services.images.put, encoded, f".{kind}")
        image = await AppImage.create(app_id=ctx.app_id, user_id=ctx.user_id, digest=digest, format=kind,
                                      width=width, height=height, size=len(encoded))
        usage.image_bytes += len(encoded)
        await usage.save(update_fields=["image_bytes"])
    return {"fileId": file_id(image.id), "type": kind, "width": width, "height": height, "size": len(encoded),
            "digest": digest}
