"""ETC's open-API endpoints (joined by superapp/app.py) for merchants (toll roads, car parks, fuel, car washes), signed and
idempotent like every open-API POST (``bff.openapi.routes.signed``); see openplatform/PROTOCOL.md."""

from __future__ import annotations

import re
from datetime import date

from starlette.requests import Request
from starlette.routing import Route

from miniprograms.etc.graphql.access import etc_service
from miniprograms.etc.service import Debit, EtcError, EtcErrorCode as Code, EtcService, Preauth
from openplatform import errors
from openplatform.service import OpenPlatform
from infra.i18n import Text

from bff.openapi.routes import PREFIX, Endpoint, _int, problem, signed

# Refusals as merchants read them: the HTTP status of each code.
_STATUS = {
    Code.INVALID_INPUT: 400, Code.MALFORMED_PLATE: 400, Code.INVALID_AMOUNT: 400,
    Code.NOT_AN_ETC_MERCHANT: 403, Code.NOT_A_TOLL_OPERATOR: 403,
    Code.CARD_NOT_FOUND: 404, Code.PREAUTH_NOT_FOUND: 404,
    Code.DUPLICATE_KEY: 409, Code.DEBIT_IN_PROGRESS: 409,
}
_ID = re.compile(r"^[1-9][0-9]{0,17}$")


def _refusal(exc: EtcError) -> tuple[int, dict]:
    extra = {"field": exc.field} if exc.field else {}
    extra.update({_camel(k): v for k, v in exc.detail.items()})
    return problem(_STATUS.get(exc.code, 422), exc.code.value, str(exc), **extra)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _debit_json(debit: Debit) -> dict:
    return {"debitId": str(debit.id), "kind": debit.kind.value, "plate": debit.plate, "amountFen": debit.amount,
            "status": debit.status.value, "day": debit.day.isoformat(), "createdAt": debit.created_at.isoformat()}


def _preauth_json(preauth: Preauth) -> dict:
    return {"preauthId": str(preauth.id), "amountFen": preauth.amount, "status": preauth.status.value,
            "createdAt": preauth.created_at.isoformat()}


def _path_id(request: Request) -> int:
    raw = request.path_params["preauth_id"]
    if not _ID.match(raw):
        raise EtcError(Code.PREAUTH_NOT_FOUND)
    return int(raw)


def _etc(request: Request) -> EtcService:
    return etc_service(request.app.state.runtime)


def refusing(endpoint: Endpoint) -> Endpoint:
    """The endpoint with ETC's refusals answered as open-API errors."""

    async def run(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
        try:
            return await endpoint(platform, app_id, body, request)
        except EtcError as exc:
            return _refusal(exc)

    return run


async def debit(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    done = await _etc(request).debit(app_id=app_id, plate=body.get("plate"), amount=_int(body, "amountFen"),
                                     idempotency_key=request.headers["idempotency-key"])
    return 201, _debit_json(done)


async def hold(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    held = await _etc(request).hold(app_id=app_id, plate=body.get("plate"), amount=_int(body, "amountFen"),
                                    idempotency_key=request.headers["idempotency-key"])
    return 201, _preauth_json(held)


async def capture(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    done = await _etc(request).capture(app_id=app_id, preauth_id=_path_id(request), amount=_int(body, "amountFen"),
                                       idempotency_key=request.headers["idempotency-key"])
    return 201, _debit_json(done)


async def release(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    return 200, _preauth_json(await _etc(request).release(app_id=app_id, preauth_id=_path_id(request)))


async def blacklist(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    plate = request.query_params.get("plate")
    listed, since = await _etc(request).blacklisted(app_id=app_id, plate=plate)
    return 200, {"plate": plate, "blacklisted": listed, "since": since.isoformat() if since else None}


async def statement(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    try:
        day = date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        raise errors.InvalidArgument(Text("openplatform.not_a_date", name="day"), field="day") from None
    found = await _etc(request).merchant_statement(app_id=app_id, day=day)
    return 200, {"day": found.day.isoformat(), "merchant": found.merchant_name, "paidCount": found.paid_count,
                 "paidFen": found.paid, "unpaidCount": found.unpaid_count, "unpaidFen": found.unpaid,
                 "refusedCount": found.refused_count, "repaidFen": found.repaid,
                 "debits": [_debit_json(d) for d in found.debits]}


def etc_routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/etc/debits", signed(refusing(debit)), methods=["POST"]),
        Route(f"{PREFIX}/etc/preauths", signed(refusing(hold)), methods=["POST"]),
        Route(f"{PREFIX}/etc/preauths/{{preauth_id}}/capture", signed(refusing(capture)), methods=["POST"]),
        Route(f"{PREFIX}/etc/preauths/{{preauth_id}}/release", signed(refusing(release)), methods=["POST"]),
        Route(f"{PREFIX}/etc/blacklist", signed(refusing(blacklist)), methods=["GET"]),
        Route(f"{PREFIX}/etc/statement", signed(refusing(statement)), methods=["GET"]),
    ]
