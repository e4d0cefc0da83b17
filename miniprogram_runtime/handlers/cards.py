"""``topUpFromCard``: a mini-program tops up the user's Class II account from a bound card it
knows only by its token (``getAccountSummary``'s ``cardToken``).

The app names the card by its token and the amount; the container shows the card's last four
digits and asks for the payment PIN in its own sheet. Only the ledger maps the token back to
the card (for this app and this user alone), and the card network is asked with the real
number; the money is credited, in one ledger entry, when the network confirms the debit.
"""

from __future__ import annotations

import hashlib

from clearing import service as clearing
from clearing.service import CardByToken
from infra.i18n import Text
from ledger import service as ledger_service
from ledger.service import Customer
from miniprogram_host.service import app_profile
from miniprogram_runtime.context import CallContext
from miniprogram_runtime.errors import InvalidArguments, PaymentRefused, StepUpRequired
from miniprogram_runtime.handlers.partner import refusal

MAX_TOP_UP_FEN = 10**12  # the ledger's own limits decide well below this; a bound on the argument

# The ledger's refusals of a card token (its codes and messages) and the bridge's HTTP status.
_TOKEN_STATUS = {"CARD_TOKEN_NOT_FOUND": 404, "CARD_TOKEN_NOT_FOR_THIS_APP": 403, "CARD_TOKEN_SUSPENDED": 409}


def _amount(ctx: CallContext) -> int:
    value = ctx.args.get("amountFen")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOP_UP_FEN:
        raise InvalidArguments(Text("miniprogram_runtime.top_up_amount", most=MAX_TOP_UP_FEN), field="amountFen")
    return value


def _movement_key(app_id: str, key: str) -> str:
    # Keys are the app's own: two apps' equal keys are two top-ups (the clearing domain keeps
    # keys per customer, up to 64 characters).
    return "mp-" + hashlib.sha256(f"{app_id}\x00{key}".encode()).hexdigest()[:48]


def _refused(exc: Exception) -> Exception:
    if isinstance(exc, ledger_service.CardTokenError):
        return PaymentRefused(exc.code, _TOKEN_STATUS.get(exc.code, 404), exc.message, field="cardToken")
    if isinstance(exc, clearing.MovementConflict):
        return PaymentRefused("TOP_UP_CONFLICT", 409, Text("miniprogram_runtime.top_up_conflict"),
                              field="idempotencyKey")
    if isinstance(exc, clearing.InvalidMovement) and exc.field == "account_id":  # no open Class II account
        return PaymentRefused("ACCOUNT_NOT_FOUND", 404, Text("miniprogram_runtime.account_not_found"))
    if isinstance(exc, clearing.InvalidMovement):
        return InvalidArguments(str(exc), field=exc.field)
    if isinstance(exc, (clearing.NetworkNotConfigured, clearing.NetworkUnavailable)):
        return PaymentRefused("CARD_NETWORK_UNAVAILABLE", 503, Text("miniprogram_runtime.card_network_unavailable"))
    return refusal(exc)


async def top_up_from_card(ctx: CallContext) -> dict:
    """Without ``pin``: STEP_UP_REQUIRED with ``topUp`` (what the container's sheet shows). With
    the PIN the user typed there: the top-up, once per ``idempotencyKey``."""
    token = ctx.text("cardToken", high=32)
    amount = _amount(ctx)
    key = ctx.text("idempotencyKey", low=8, high=64)
    assert token is not None and key is not None
    top_ups = ctx.services.clearing
    if top_ups is None:
        raise PaymentRefused("CARD_NETWORK_UNAVAILABLE", 503, Text("miniprogram_runtime.card_network_unavailable"))
    try:
        card = await ledger_service.card_token_view(owner_user_id=ctx.user_id, app_id=ctx.app_id, token=token)
        if not ctx.pin:
            profile = await app_profile(ctx.app_id)
            raise StepUpRequired(topUp={
                "amountFen": amount, "card": {"last4": card.last4},
                "app": {"appId": ctx.app_id, "name": profile.name if profile else ctx.app_id,
                        "iconUrl": profile.icon_url if profile else None},
            })
        started = await top_ups.top_up(
            by=Customer(user_id=ctx.user_id, session_id=ctx.session_id, pin=ctx.pin), account_id=None,
            card_account_id=None, amount=amount, idempotency_key=_movement_key(ctx.app_id, key),
            card_token=CardByToken(app_id=ctx.app_id, token=token),
        )
    except (ledger_service.LedgerError, clearing.ClearingError) as exc:
        raise _refused(exc) from None
    movement = started.movement
    return {"topUpId": movement.id, "status": movement.status.value, "amountFen": movement.amount,
            "card": {"last4": card.last4}, "replayed": started.replayed}
