"""The user as a mini-program may see them: masked, and only after consent."""

from __future__ import annotations

from kyc.service import verified_masked_name
from ledger.service import AccountStatus, accounts_of, card_tokens_for
from miniprogram_runtime.context import CallContext
from infra.masking import mask_phone


async def _phone(ctx: CallContext) -> str:
    return await ctx.services.identity.phone_number(user_id=ctx.user_id)


async def get_user_info(ctx: CallContext) -> dict:
    """A display name and avatar; the bank's user id is never given to an app.

    The name is the masked legal name verified at account opening (``张*``); a customer who
    has not opened an account online yet is ``用户`` and the last four digits of the phone.
    The bank keeps no avatars, so ``avatarUrl`` is null for the app to draw its own.
    """
    name = await verified_masked_name(user_id=ctx.user_id)
    if name is None:
        name = "用户" + (await _phone(ctx))[-4:]
    return {"nickName": name, "avatarUrl": None}


async def get_phone_number(ctx: CallContext) -> dict:
    # The mini-program's page only ever sees the masked number; a partner's server that
    # needs the full one gets it through the open API's own consented channel.
    return {"maskedPhoneNumber": mask_phone(await _phone(ctx)), "countryCode": "86"}


async def get_account_summary(ctx: CallContext) -> dict:
    """The user's open accounts. A bound card is given as this app's token and its last four
    digits, never its number, masked or not: the token is useless to any other app."""
    accounts = [a for a in await accounts_of(owner_user_id=ctx.user_id) if a.status != AccountStatus.CLOSED]
    tokens = await card_tokens_for(accounts=accounts, app_id=ctx.app_id)
    return {
        "accounts": [
            {
                "kind": a.kind.value,
                "name": a.name,
                "number": f"****{tokens[a.id].last4}" if a.id in tokens else f"****{a.id % 10000:04d}",
                "cardToken": tokens[a.id].token if a.id in tokens else None,
                "status": a.status.value,
                "currency": a.currency,
                "balanceFen": a.balance,
            }
            for a in accounts
        ]
    }


async def get_location(ctx: CallContext) -> dict:
    """The container reads the device's position; the bridge gates it by consent and checks it."""
    latitude = ctx.number("latitude", low=-90, high=90)
    longitude = ctx.number("longitude", low=-180, high=180)
    accuracy = ctx.number("accuracy", low=0, high=100_000, required=False)
    # Five decimals is about a metre: enough for any mini-program, no more precise than that.
    return {"latitude": round(latitude, 5), "longitude": round(longitude, 5),
            "accuracy": None if accuracy is None else round(accuracy, 1)}
