"""Money in and out through the card network: top-ups from a customer's bound card,
withdrawals to it, credits other banks send, and the daily settlement against the
network's file. Money moves only through ``ledger.service.LedgerService``; the rest of
the app uses this package through ``clearing.service``.
"""
