"""Payroll's words: the states of a batch and of its lines."""

from __future__ import annotations

from enum import Enum


class BatchStatus(str, Enum):
    DRAFT = "draft"  # uploaded, totals shown to the maker for review
    SUBMITTED = "submitted"  # the maker sent it to the checkers
    APPROVED = "approved"  # a checker approved it with their PIN; the total is held
    DISBURSING = "disbursing"  # the worker is paying its lines from the hold
    COMPLETED = "completed"  # every line paid
    PARTIALLY_SUCCEEDED = "partially_succeeded"  # some lines paid, the others failed or returned
    FAILED = "failed"  # no line paid
    CANCELLED = "cancelled"  # withdrawn by the maker before approval

    @property
    def is_open(self) -> bool:
        """Still on its way: another batch for the same period waits for it."""
        return self in OPEN_STATES

    @property
    def is_over(self) -> bool:
        return self in (BatchStatus.COMPLETED, BatchStatus.PARTIALLY_SUCCEEDED, BatchStatus.FAILED,
                        BatchStatus.CANCELLED)


OPEN_STATES = frozenset({BatchStatus.DRAFT, BatchStatus.SUBMITTED, BatchStatus.APPROVED, BatchStatus.DISBURSING})


class LineStatus(str, Enum):
    PENDING = "pending"  # to be paid by the worker
    AWAITING_ACCOUNT = "awaiting_account"  # the employee has no account yet: invited, paid when it opens
    PAID = "paid"
    FAILED = "failed"  # the payment was declined (account frozen or closed): may be retried
    RETURNED = "returned"  # no account opened before the deadline: the money stayed with the enterprise
