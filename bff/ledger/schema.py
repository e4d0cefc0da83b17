"""The ledger's roots for the schema: accounts and statements, and the money-moving mutations."""

from bff.ledger.mutations import LedgerMutation
from bff.ledger.queries import LedgerQuery

__all__ = ["LedgerMutation", "LedgerQuery"]
