"""The posting engine driven directly, below ``LedgerService``: no actor, given limits.

The tests that use it are about the engine itself (balances, idempotency, locks, declines);
who may move what, step-up and the configured limits are tested through ``LedgerService``
(tests/ledger/test_authority.py).
"""

from __future__ import annotations

from ledger import posting
from ledger.limits import ClassTwoLimits

LIMITS = ClassTwoLimits()


async def transfer(*, from_account_id, to_account_id, amount, idempotency_key, memo="", kind="transfer",
                   limits=LIMITS, also_write=None):
    request = posting.transfer_movement(from_account_id=from_account_id, to_account_id=to_account_id, amount=amount,
                                        idempotency_key=idempotency_key, memo=memo, kind=kind)
    return await posting.post(request, limits=limits, authorize=None, also_write=also_write)


async def post_entry(*, legs, idempotency_key, memo="", kind="transfer", limits=LIMITS):
    request = posting.movement(legs=legs, idempotency_key=idempotency_key, memo=memo, kind=kind)
    return await posting.post(request, limits=limits, authorize=None)


async def reverse_entry(*, entry_id, idempotency_key, memo=""):
    request = await posting.reversal_movement(entry_id=entry_id, idempotency_key=idempotency_key, memo=memo)
    return await posting.post(request, limits=LIMITS, authorize=None)
