"""Given-steps for monitoring tests: customers acting in their signed-in sessions, rules set."""

from __future__ import annotations

from itertools import count

from identity.roles import Role
from ledger.service import AccountKind, Customer
from tests.ledger.support import funded_account

_keys = count(1)
OPERATOR_PHONE = "13900000090"


def key(prefix: str = "mon") -> str:
    return f"{prefix}-{next(_keys):05d}"


async def acting(runtime, session, pin: str | None = None) -> Customer:
    """The customer of a signed-in session, as the bff hands them to the ledger."""
    principal = await runtime.identity.authenticate(session.access_token)
    return Customer(user_id=principal.user_id, session_id=principal.session_id, pin=pin)


async def two_accounts(runtime, user_id: int, balance: int):
    """A funded Class II account and a second, empty one of the same customer."""
    source = await funded_account(runtime, user_id, balance)
    target = await funded_account(runtime, user_id, 0, kind=AccountKind.CLASS_TWO, name="savings")
    return source, target


async def set_rule(runtime, rule: str, action: str = "hold", enabled: bool = True, **thresholds):
    return await runtime.monitoring.configure_rule(operator="user:0", name=rule, enabled=enabled, action=action,
                                                   thresholds=thresholds)


async def operator(sign_in):
    return await sign_in(OPERATOR_PHONE, Role.OPERATOR)
