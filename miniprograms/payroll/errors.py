"""What payroll refuses, as typed exceptions with stable codes the GraphQL layer maps."""

from __future__ import annotations

from infra.i18n import Text
from miniprograms.payroll.vocabulary import BatchStatus
from miniprograms.payroll.vocabulary import FileProblem as FileProblem, RowProblem as RowProblem  # re-exported
from miniprograms.payroll.words import BATCH_STATES, file_problem


class PayrollError(Exception):
    message = Text("payroll.error")

    def __init__(self, message: Text | None = None) -> None:
        super().__init__(message or self.message)


class InvalidRequest(PayrollError):
    def __init__(self, message: Text, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FileRefused(PayrollError):
    """The whole file is refused (size, format, encoding, rows, columns); nothing was written."""

    def __init__(self, problem: FileProblem, *, limit: int = 0, columns: str = "") -> None:

        super().__init__(file_problem(problem, limit=limit, columns=columns))
        self.problem = problem
        self.limit = limit


class RowsRefused(PayrollError):
    """Rows have errors: nothing was written; ``issues`` lists them (row, column, code)."""

    def __init__(self, issues: list) -> None:
        super().__init__(Text("payroll.rows_refused", count=len(issues)))
        self.issues = issues


class BatchNotFound(PayrollError):
    message = Text("payroll.batch_not_found")


class PendingBatchExists(PayrollError):
    """Another batch of this enterprise for this period is not finished yet."""

    def __init__(self, batch_id: int) -> None:
        super().__init__(Text("payroll.pending_batch_exists"))
        self.batch_id = batch_id


class IdempotencyConflict(PayrollError):
    message = Text("payroll.idempotency_conflict")


class WrongState(PayrollError):
    def __init__(self, state: str) -> None:
        super().__init__(Text("payroll.wrong_state", state=BATCH_STATES[BatchStatus(state)]))
        self.state = state


class MakerCannotApprove(PayrollError):
    message = Text("payroll.maker_cannot_approve")


class NotPayrollMember(PayrollError):
    """The user holds none of the roles this needs in the enterprise (or is not a member)."""

    def __init__(self, roles: list[str]) -> None:
        super().__init__(Text("payroll.role_required"))
        self.roles = roles


class StepUpRequired(PayrollError):
    message = Text("payroll.step_up_required")


class WrongPin(PayrollError):
    def __init__(self, attempts_left: int) -> None:
        super().__init__(Text("payroll.wrong_pin", left=attempts_left))
        self.attempts_left = attempts_left


class PinLocked(PayrollError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(Text("payroll.pin_locked"))
        self.retry_after_seconds = retry_after_seconds


class InsufficientFunds(PayrollError):
    """The enterprise account cannot hold the batch total; the batch stays submitted."""

    def __init__(self, *, needed: int, available: int) -> None:
        super().__init__(Text("payroll.insufficient_funds"))
        self.needed = needed
        self.available = available
