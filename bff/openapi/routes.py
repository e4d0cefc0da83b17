"""The open API for partner servers: REST under /openapi/v1/, signed, JSON.

Thin: every request passes ``runtime.openplatform.gateway`` (signature, timestamp, nonce,
token, rate, quota); POSTs go through the Idempotency-Key store; the endpoints call the
open platform's service. Errors are ``{"error": {"code", "message", ...}}`` with a stable
code (see openplatform/PROTOCOL.md).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.i18n import Text
from ledger import errors as ledger_errors
from openplatform import encryption, errors, idempotency
from openplatform.envelope import SM4_GCM
from openplatform.gateway import SignedRequest
from openplatform.orders import Order
from openplatform.payments import Payment, payment_event, refund_event
from openplatform.service import OpenPlatform
from tracking.errors import BatchRejected, RetryLater

log = logging.getLogger("bff.openapi")
PREFIX = "/openapi/v1"
Endpoint = Callable[[OpenPlatform, str, dict, Request], Awaitable[tuple[int, dict]]]

# Ledger refusals as the open API reports them: (status, code).
_LEDGER = {
    ledger_errors.InsufficientFunds: (422, "INSUFFICIENT_FUNDS"),
    ledger_errors.LimitExceeded: (422, "LIMIT_EXCEEDED"),
    ledger_errors.AccountFrozen: (422, "ACCOUNT_FROZEN"),
    ledger_errors.AccountClosed: (422, "ACCOUNT_CLOSED"),
    ledger_errors.AccountNotFound: (422, "ACCOUNT_NOT_FOUND"),
    ledger_errors.IdempotencyConflict: (409, "IDEMPOTENCY_CONFLICT"),
    ledger_errors.InvalidRequest: (400, "INVALID_INPUT"),
}


def problem(status: int, code: str, message: str, **extra) -> tuple[int, dict]:
    return status, {"error": {"code": code, "message": message, **extra}}


def _refusal(exc: Exception) -> tuple[int, dict] | None:
    if isinstance(exc, errors.OpenPlatformError):
        extra = {}
        if getattr(exc, "field", None):
            extra["field"] = exc.field
        if hasattr(exc, "retry_after"):
            extra["retryAfterSeconds"] = exc.retry_after
        if hasattr(exc, "refundable"):
            extra["refundableFen"] = exc.refundable
        return problem(exc.status, exc.code, str(exc), **extra)
    for kind, (status, code) in _LEDGER.items():
        if isinstance(exc, kind):
            return problem(status, code, str(exc))
    return None


def _json(status: int, body: dict) -> Response:
    return _retry_after(JSONResponse(body, status_code=status), status, body)


def _retry_after(response: Response, status: int, body: dict) -> Response:
    retry = body.get("error", {}).get("retryAfterSeconds") if status in (429, 503) else None
    if retry:
        response.headers["retry-after"] = str(retry)
    return response


MAX_BODY_DEPTH = 32  # levels of nesting in a request body, the body object being the first


def _object(body: bytes) -> dict:
    if not body:
        return {}
    try:
        parsed = orjson.loads(body)  # refuses nesting past 1,024 levels with a ValueError, never recursing
    except ValueError:
        raise errors.BadRequest(Text("openplatform.body_not_json")) from None
    if not isinstance(parsed, dict):
        raise errors.BadRequest(Text("openplatform.body_not_object"))
    if _deeper_than(parsed, MAX_BODY_DEPTH):
        raise errors.BadRequest(Text("openplatform.body_too_deep", max=MAX_BODY_DEPTH))
    return parsed


def _deeper_than(value: dict, limit: int) -> bool:
    level, depth = [value], 1
    while level:
        if depth > limit:
            return True
        level = [child for container in level
                 for child in (container.values() if isinstance(container, dict) else container)
                 if isinstance(child, (dict, list))]
        depth += 1
    return False


class _SealedAnswer:
    """The answers to one admitted request of an app with an encryption key: sealed to its key, signed."""

    def __init__(self, platform: OpenPlatform, request: Request, partner_key: str) -> None:
        self.platform, self.request, self.partner_key, self.alg = platform, request, partner_key, SM4_GCM

    def __call__(self, status: int, body: dict) -> Response:
        sealed = encryption.seal_answer(body, status=status, nonce=self.request.headers.get("x-nonce", ""),
                                        partner_key=self.partner_key, keys=self.platform.config.bank_keys,
                                        alg=self.alg)
        return _retry_after(Response(sealed.body, status_code=status, media_type="application/json",
                                     headers=sealed.headers), status, body)


def request_body(request: Request) -> bytes:
    """The body the endpoint acts on: what was sent, or its plaintext when it came in an envelope."""
    return request.state.open_api_body


def signed(endpoint: Endpoint, *, needs_token: bool = True, idempotent: bool = True, json_body: bool = True):
    """Admit the request through the gateway, then run the endpoint (once per Idempotency-Key).

    The token endpoint is not ``idempotent``: a retry gets a fresh token, and tokens are
    never written to the database. Without ``json_body`` the endpoint reads the body itself
    (``request_body``). For an app with an encryption key the signature is checked over the
    envelope as sent, then the envelope is opened: idempotency and the endpoint see the
    plaintext, and every answer from there on is sealed to the app's key and signed.
    """

    async def handle(request: Request) -> Response:
        platform: OpenPlatform = request.app.state.runtime.openplatform
        body = await request.body()
        query = request.url.query
        path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        path = path + ("?" + query if query and "?" not in path else "")
        answer_with: Callable[[int, dict], Response] = _json
        try:
            app_id = await platform.gateway.admit(
                SignedRequest(request.method, path, request.headers, body), needs_token=needs_token
            )
            partner_key = await encryption.encryption_key_of(app_id)
            if partner_key is not None:
                answer_with = sealed = _SealedAnswer(platform, request, partner_key)
                opened = encryption.open_request(body, keys=platform.config.bank_keys)
                body, sealed.alg = opened.plaintext, opened.alg  # answered in the request's algorithm
            request.state.open_api_body = body
            if request.method != "POST" or not idempotent:
                return answer_with(*await endpoint(platform, app_id, _object(body) if json_body else {}, request))
            key = idempotency.check_key(request.headers.get("idempotency-key"))
            stored = await idempotency.begin(
                app_id=app_id, key=key, fingerprint=idempotency.fingerprint(request.method, path, body)
            )
        except Exception as exc:
            refused = _refusal(exc)
            if refused is None:
                raise
            return answer_with(*refused)
        if stored is not None:
            response = answer_with(stored.status_code, stored.body)
            response.headers["idempotent-replayed"] = "true"
            return response
        try:
            status, answer = await endpoint(platform, app_id, _object(body), request)
        except Exception as exc:
            refused = _refusal(exc)
            if refused is None:
                await idempotency.abandon(app_id=app_id, key=key)
                raise
            status, answer = refused
        await idempotency.finish(app_id=app_id, key=key, status_code=status, body=answer)
        return answer_with(status, answer)

    handle.__wrapped__ = endpoint  # type: ignore[attr-defined]  # the reference reads the endpoint's docstring
    return handle


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise errors.InvalidArgument(Text("openplatform.not_a_string", name=name), field=name)
    return value


def _int(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidArgument(Text("openplatform.not_a_whole_number", name=name), field=name)
    return value


def payment_json(payment: Payment) -> dict:
    return payment_event(payment)


def order_json(order: Order) -> dict:
    return {
        "orderId": order.order_id, "prepayId": order.prepay_id, "appId": order.app_id, "openid": order.openid,
        "status": order.status, "amountFen": order.amount_fen, "currency": "CNY", "description": order.description,
        "sandbox": order.sandbox, "expiresAt": order.expires_at.isoformat(), "createdAt": order.created_at.isoformat(),
        "paymentId": order.payment_id,
    }


async def create_order(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """Body `{orderId, openid, amountFen, description, expiresInSeconds?}`. Answers 201 the order `{orderId,
    prepayId, appId, openid, status, amountFen, currency, description, sandbox, expiresAt, createdAt,
    paymentId}`. Hand only `prepayId` to the mini-program: it calls `sa.requestPayment({prepayId})`, the
    container shows the amount and your app's registered name and icon, and the user's PIN pays it. The same
    `orderId` with the same details answers the same order; with others, `ORDER_CONFLICT` 409.
    `UNKNOWN_OPENID` 404 for an openid not of this app; `INVALID_INPUT` 400 with `field`."""
    order = await platform.create_order(
        app_id=app_id, order_id=_text(body, "orderId"), openid=_text(body, "openid"),
        amount_fen=body.get("amountFen"), description=body.get("description"),
        expires_in_seconds=body.get("expiresInSeconds"),
    )
    return 201, order_json(order)


async def get_order(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """The order by your `orderId`, as `POST /orders` answers it; `status` `unpaid`, `paid`, `closed` or
    `expired`, and `paymentId` once paid. `ORDER_NOT_FOUND` 404."""
    return 200, order_json(await platform.get_order(app_id=app_id, order_id=request.path_params["order_id"]))


async def close_order(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """No body. Closes an unpaid (or expired) order so it can never be paid, and answers it; closing a closed
    order changes nothing. `ORDER_PAID` 409 for a paid order: refund it instead."""
    return 200, order_json(await platform.close_order(app_id=app_id, order_id=request.path_params["order_id"]))


async def refund_order(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """Body `{amountFen, reason?}`: a refund of the order's payment, as `POST /payments/{paymentId}/refunds`.
    `ORDER_NOT_PAID` 409 before the order is paid."""
    payment = await platform.payment_of_order(app_id=app_id, order_id=request.path_params["order_id"])
    return await _refund(platform, app_id, payment.payment_id, body, request)


async def token(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """Body `{appSecret}`. Answers `{accessToken, expiresIn}` (seconds). A refresh leaves the previous token
    valid for 5 more minutes (`OPENAPI_TOKEN_GRACE_SECONDS`), so several servers can share one app. No
    Authorization header and no Idempotency-Key: a retry gets a new token. `BAD_CREDENTIALS` 401."""
    issued = await platform.issue_access_token(app_id=app_id, app_secret=_text(body, "appSecret"))
    return 200, {"accessToken": issued.token, "expiresIn": issued.expires_in}


async def code_to_session(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """code2Session. Body `{code}` (from the mini-program's `sa.login()`). Answers `{openid, unionid,
    sessionKey}`: `openid` is per app, `unionid` per developer organisation, neither reveals the bank's user
    id; `sessionKey` stays on your server (below). Codes are single use (`CODE_USED`) and live 5 minutes
    (`CODE_INVALID`)."""
    session = await platform.session_for_code(app_id=app_id, code=_text(body, "code"))
    return 200, {"openid": session.openid, "unionid": session.unionid, "sessionKey": session.session_key}


async def send_message(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """Body `{openid, topic, title, body}`. Answers 201 `{messageId, createdAt}`: the message is in the user's
    inbox. Uses up one subscription consent the user gave for the topic (`sa.requestSubscribeMessage`);
    `NO_SUBSCRIPTION` 403 when none is left, `UNKNOWN_OPENID` 404."""
    message = await platform.send_message(
        app_id=app_id, openid=_text(body, "openid"), topic=_text(body, "topic"), title=_text(body, "title"),
        body=_text(body, "body"),
    )
    return 201, {"messageId": str(message.id), "createdAt": message.created_at.isoformat()}


async def get_payment(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """The payment: `{paymentId, orderId, appId, openid, status, amountFen, discountFen, paidFen, refundedFen, currency, description,
    sandbox, createdAt}`; `status` `succeeded`, `partially_refunded` or `refunded`. `PAYMENT_NOT_FOUND` 404."""
    payment = await platform.get_payment(app_id=app_id, payment_id=request.path_params["payment_id"])
    return 200, payment_json(payment)


async def refund_payment(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """Body `{amountFen, reason?}` (reason at most 140 characters). Answers 201 `{refundId, orderId, openid,
    amountFen, reason, createdAt, payment}` with the payment after the refund. Never above what is left
    (`REFUND_EXCEEDS_PAYMENT` 422 with `refundableFen`); the Idempotency-Key is also the refund's key.
    `amountFen` counts what the user paid (`paidFen`): of a payment with a bank coupon's `discountFen`, the
    merchant account also gives back the same share of the discount to the bank's campaign budget (rounded
    down, all of it with the last refund), in the same entry."""
    return await _refund(platform, app_id, request.path_params["payment_id"], body, request)


async def _refund(platform: OpenPlatform, app_id: str, payment_id: str, body: dict,
                  request: Request) -> tuple[int, dict]:
    reason = body.get("reason", "")
    refund = await platform.refund(
        app_id=app_id, payment_id=payment_id, amount_fen=_int(body, "amountFen"),
        idempotency_key=request.headers["idempotency-key"], reason=reason if isinstance(reason, str) else "",
    )
    return 201, refund_event(refund)


async def track_events(platform: OpenPlatform, app_id: str, body: dict, request: Request) -> tuple[int, dict]:
    """Server-side events: a tracking batch (tracking/PROTOCOL.md), users named by `openid`. Answers `{accepted,
    duplicates, rejected, anonymized}`; only openids of this app keep their user. No Idempotency-Key: events
    are deduplicated by `eventId`."""
    try:
        outcome = await request.app.state.runtime.tracking.accept_partner_batch(
            body=request_body(request), content_encoding=request.headers.get("content-encoding", ""),
            client_ip=None,  # the partner's server, not the device the events happened on
            app_id=app_id,
            users_of_openids=lambda openids: platform.users_of_openids(app_id=app_id, openids=openids),
        )
    except BatchRejected as exc:
        return problem(exc.status, exc.code, str(exc))
    except RetryLater as exc:
        return problem(503, "RETRY_LATER", str(exc), retryAfterSeconds=exc.retry_after_seconds)
    return 200, outcome.as_json()


def openapi_routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/token", signed(token, needs_token=False, idempotent=False), methods=["POST"]),
        Route(f"{PREFIX}/sessions", signed(code_to_session), methods=["POST"]),
        Route(f"{PREFIX}/messages", signed(send_message), methods=["POST"]),
        Route(f"{PREFIX}/orders", signed(create_order), methods=["POST"]),
        Route(f"{PREFIX}/orders/{{order_id}}", signed(get_order), methods=["GET"]),
        Route(f"{PREFIX}/orders/{{order_id}}/close", signed(close_order), methods=["POST"]),
        Route(f"{PREFIX}/orders/{{order_id}}/refunds", signed(refund_order), methods=["POST"]),
        Route(f"{PREFIX}/payments/{{payment_id}}", signed(get_payment), methods=["GET"]),
        Route(f"{PREFIX}/payments/{{payment_id}}/refunds", signed(refund_payment), methods=["POST"]),
        Route(f"{PREFIX}/track/batch", signed(track_events, idempotent=False, json_body=False), methods=["POST"]),
    ]
