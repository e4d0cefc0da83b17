"""Accounts and money: a double-entry ledger in integer fen.

Money moves only through one entry point, ``LedgerService`` (the running app's is
``runtime.ledger``). Every call names who acts, and the ledger itself checks, for every
caller, whose accounts the money may leave, the payment PIN (step-up) and the configured
Class II limits; nothing else writes balances. Callers say who acts and how they proved it:

    from ledger.service import Customer, EntryKind, InternalService, open_account
    account = await open_account(owner_user_id=user.id, kind=AccountKind.CLASS_TWO,
                                 name="Class II", idempotency_key=f"kyc:{application.id}")
    # A customer in their session; ``pin`` when they typed it for this request.
    entry = await runtime.ledger.transfer(
        by=Customer(user_id=principal.user_id, session_id=principal.session_id, pin=pin),
        from_account_id=..., to_account_id=merchant_id, amount=fen, kind=EntryKind.PAYMENT,
        idempotency_key=f"parking:{order.id}",
        also_write=record_order,  # async (entry) -> None: the caller's rows, in the entry's transaction
    )
    # A part of the bank moving a merchant's or the bank's own money.
    await runtime.ledger.transfer(by=InternalService("refunds"), ...)

Each movement runs in the ledger's own transaction (never inside the caller's), so a
decline is remembered under its key even when the caller's work fails. Money-moving calls
raise the typed errors of ``ledger.errors`` (InsufficientFunds, LimitExceeded,
AccountFrozen, AccountClosed, AccountNotFound, StepUpRequired, WrongPin, DebitNotAllowed,
IdempotencyConflict, InvalidRequest) and return a ``PostedEntry``; a retry with the same
key returns it with ``replayed=True``. A decline is stored with its ``DeclineCode``.
"""
