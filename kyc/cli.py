"""Operators' tools: `superapp ocr idcard`, `superapp face verify`, `superapp kyc purge|blacklist`.

The engine commands print one JSON object: exit 0 when every check passes (or the faces
match), 1 when a check fails, 2 with ``{"error": {...}}`` when an image cannot be used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from pathlib import Path

from infra.commands import command
from infra.settings import Settings


def _print(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False, sort_keys=True))


def _image(path: str) -> bytes:
    return Path(path).read_bytes()


def _fail(code: str, message: str) -> int:
    _print({"error": {"code": code, "message": message}})
    return 2


def _ocr_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=["idcard"])
    p.add_argument("image")
    p.add_argument("--side", choices=["front", "back"], default="front")
    p.add_argument("--unmasked", action="store_true", help="show the number, name and address in full")


@command("ocr", "read an ID card image and run every check on it", _ocr_args)
def ocr(args: argparse.Namespace, settings: Settings) -> int:
    from kyc.config import KycConfig
    from kyc.engines import Engines
    from kyc.errors import BadImage
    from kyc.reading import read_side

    try:
        data = _image(args.image)
        reading = read_side(Engines(KycConfig.from_settings(settings)), data, args.side, date.today())
    except OSError as exc:
        return _fail("UNREADABLE_FILE", exc.strerror or str(exc))
    except BadImage as exc:
        return _fail(exc.code, str(exc))
    _print(reading.as_json(masked=not args.unmasked))
    return 0 if reading.ok else 1


def _face_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["verify"])
    p.add_argument("id_image", help="the ID card (its portrait is used) or any photo of the person")
    p.add_argument("selfie")


@command("face", "compare a selfie with an ID card portrait", _face_args)
def face(args: argparse.Namespace, settings: Settings) -> int:
    from kyc.config import KycConfig
    from kyc.engines import Engines
    from kyc.errors import BadImage
    from kyc.reading import match_faces

    try:
        match = match_faces(Engines(KycConfig.from_settings(settings)), _image(args.id_image), _image(args.selfie))
    except OSError as exc:
        return _fail("UNREADABLE_FILE", exc.strerror or str(exc))
    except BadImage as exc:
        return _fail(exc.code, str(exc))
    if match.score is None:
        return _fail(match.reasons[0], "no usable face: " + ", ".join(match.reasons))
    _print(match.as_json())
    return 0 if match.matched else 1


def _kyc_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["purge", "blacklist"],
                   help="purge: delete uploaded images past KYC_IMAGE_RETENTION_DAYS; blacklist: refuse an ID number")
    p.add_argument("id_number", nargs="?", help="blacklist: the 18-character ID number")
    p.add_argument("--reason", default="", help="blacklist: why (kept with the entry)")


@command("kyc", "account opening operations: purge old images, blacklist an ID number", _kyc_args)
def kyc(args: argparse.Namespace, settings: Settings) -> int:
    from infra import db
    from infra.kv import open_redis
    from infra.masking import mask_id_number
    from infra.pii import PiiCipher
    from kyc import gb11643
    from kyc.config import KycConfig
    from kyc.journey import KycService

    if args.action == "blacklist" and not (args.id_number and gb11643.is_valid(gb11643.normalise(args.id_number))
                                           and args.reason.strip()):
        print("superapp kyc blacklist: give a valid 18-character ID number and --reason", file=sys.stderr)
        return 2

    async def run() -> str:
        database = await db.open_database(settings)
        redis = await open_redis(settings)
        service = KycService(config=KycConfig.from_settings(settings), cipher=PiiCipher.from_settings(settings),
                             redis=redis.client)
        try:
            if args.action == "purge":
                count = await service.purge_images()
                return f"purged {count} images older than {service.config.image_retention_days} days"
            await service.blacklist(id_number=args.id_number, reason=args.reason.strip())
            return f"blacklisted {mask_id_number(gb11643.normalise(args.id_number))}"
        finally:
            service.close()
            await redis.close()
            await db.close_database(database)

    print(asyncio.run(run()))
    return 0
