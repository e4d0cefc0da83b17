"""Accounts and money: a double-entry ledger in integer fen.

Other packages move money only through ``ledger.service`` (or ``runtime.ledger``, which
applies the configured Class II limits); nothing else writes balances:

    from ledger.service import AccountKind, open_account
    account = await open_account(owner_user_id=user.id, kind=AccountKind.CLASS_TWO,
                                 name="Class II", idempotency_key=f"kyc:{application.id}")
    entry = await runtime.ledger.transfer(from_account_id=..., to_account_id=..., amount=fen,
                                          idempotency_key=f"payroll:{batch.id}:{line.id}")

Money-moving calls raise the typed errors of ``ledger.errors`` (InsufficientFunds,
LimitExceeded, AccountFrozen, AccountClosed, IdempotencyConflict, InvalidRequest) and
return a ``PostedEntry``; a retry with the same key returns it with ``replayed=True``.
"""
