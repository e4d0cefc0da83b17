"""Payroll's vocabulary: the states of a batch and of its lines, and the problems of a file or a row."""

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


class FileProblem(str, Enum):
    """Why a whole file is refused before any row is read."""

    TOO_LARGE = "TOO_LARGE"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    EMPTY = "EMPTY"
    MALFORMED = "MALFORMED"
    UNKNOWN_ENCODING = "UNKNOWN_ENCODING"
    UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
    MISSING_COLUMNS = "MISSING_COLUMNS"


class RowProblem(str, Enum):
    """What is wrong with one cell of one row."""

    REQUIRED = "REQUIRED"
    FORMULA = "FORMULA"
    BAD_NAME = "BAD_NAME"
    BAD_ID_NUMBER = "BAD_ID_NUMBER"
    ID_NUMBER_AS_NUMBER = "ID_NUMBER_AS_NUMBER"
    BAD_PHONE = "BAD_PHONE"
    BAD_ACCOUNT = "BAD_ACCOUNT"
    BAD_DATE = "BAD_DATE"
    BAD_AMOUNT = "BAD_AMOUNT"
    NET_MISMATCH = "NET_MISMATCH"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    DUPLICATE_IN_ROSTER = "DUPLICATE_IN_ROSTER"  # reported, and the row is left as the roster has it
    NOT_ON_ROSTER = "NOT_ON_ROSTER"
    BAD_LINE_KEY = "BAD_LINE_KEY"
    TOO_LONG = "TOO_LONG"
