"""Payroll's GraphQL types: batches, lines, payslips, the roster preview and the refusals."""

from __future__ import annotations

from datetime import datetime

import strawberry

from bff.context import Info
from bff.errors import Error
from bff.ledger.types import Fen
from bff.services import app_service
from miniprograms.payroll import service as payroll

def payroll_of(info: Info) -> payroll.PayrollService:
    """Payroll's service, as the composition root lent it to the transport
    (``runtime.payroll``: ``superapp.runtime.AppRuntime``)."""
    return app_service(info.context.runtime, "payroll", payroll.PayrollService)


BatchStatus = strawberry.enum(payroll.BatchStatus, name="PayrollBatchStatus")
LineStatus = strawberry.enum(payroll.LineStatus, name="PayrollLineStatus")
RowProblem = strawberry.enum(payroll.RowProblem, name="PayrollRowProblem")
FileProblem = strawberry.enum(payroll.FileProblem, name="PayrollFileProblem")


@strawberry.type(description="One problem in one row of an uploaded file; `blocking` ones stop the import.")
class PayrollIssue:
    row: int
    column: str
    code: RowProblem
    message: str
    blocking: bool

    @classmethod
    def of(cls, issue: payroll.Issue) -> PayrollIssue:
        return cls(row=issue.row, column=issue.column, code=issue.code, message=str(issue.message),
                   blocking=issue.blocking)


@strawberry.type(description="What a roster file holds, before (or after, `committed`) it is imported.")
class PayrollRosterPreview:
    encoding: str | None = strawberry.field(description="The CSV's encoding as detected (UTF-8 or GB 18030/GBK).")
    rows: int
    new_employees: int
    already_on_roster: int
    issue_count: int
    blocking_count: int
    committed: bool
    issues: list[PayrollIssue] = strawberry.field(description="The first 1,000 issues, by row.")

    @classmethod
    def of(cls, preview: payroll.RosterPreview) -> PayrollRosterPreview:
        return cls(encoding=preview.encoding, rows=preview.rows, new_employees=preview.new,
                   already_on_roster=preview.on_roster, issue_count=preview.issue_count,
                   blocking_count=preview.blocking, committed=preview.committed,
                   issues=[PayrollIssue.of(i) for i in preview.issues])


@strawberry.type
class PayrollLine:
    id: strawberry.ID
    line_no: int
    masked_name: str
    masked_id_number: str
    gross: Fen
    social_insurance: Fen
    housing_fund: Fen
    income_tax: Fen
    net: Fen
    status: LineStatus
    failure: str | None = strawberry.field(description="Why it was not paid, in words.")

    @classmethod
    def of(cls, line: payroll.PayrollLine) -> PayrollLine:
        from miniprograms.payroll.words import FAILURES

        return cls(id=strawberry.ID(str(line.id)), line_no=line.line_no, masked_name=line.employee.masked_name,
                   masked_id_number=line.employee.masked_id_number, gross=line.gross,
                   social_insurance=line.social_insurance, housing_fund=line.housing_fund,
                   income_tax=line.income_tax, net=line.net, status=line.status,
                   failure=str(FAILURES.get(line.failure, FAILURES["DECLINED"])) if line.failure else None)


@strawberry.type(description="A salary batch: its totals for review, its state and, once paid, each line's outcome.")
class PayrollBatch:
    id: strawberry.ID
    enterprise_id: strawberry.ID
    period: str
    status: BatchStatus
    line_count: int
    total_gross: Fen
    total_deductions: Fen
    total_net: Fen
    paid_count: int
    paid_total: Fen
    created_at: datetime
    replayed: bool = strawberry.field(description="True when this upload was already received (same key or file).")

    @classmethod
    def of(cls, batch: payroll.PayrollBatch, *, replayed: bool = False) -> PayrollBatch:
        return cls(id=strawberry.ID(str(batch.id)), enterprise_id=strawberry.ID(str(batch.enterprise_id)),
                   period=batch.period, status=batch.status, line_count=batch.line_count,
                   total_gross=batch.total_gross, total_deductions=batch.total_deductions, total_net=batch.total_net,
                   paid_count=batch.paid_count, paid_total=batch.paid_total, created_at=batch.created_at,
                   replayed=replayed)

    @strawberry.field(description="Lines in file order, 50 at a time (after `afterLineId`).")
    async def lines(self, info: Info, first: int = 50, after_line_id: int = 0) -> list[PayrollLine]:
        rows = await payroll_of(info).lines(user_id=info.context.principal.user_id,
                                                        batch_id=int(self.id), first=first, after_id=after_line_id)
        return [PayrollLine.of(line) for line in rows]

    @strawberry.field(description="Every line's outcome as CSV (UTF-8 with BOM), for the enterprise's records.")
    async def report_csv(self, info: Info) -> str:
        return await payroll_of(info).report_csv(user_id=info.context.principal.user_id,
                                                             batch_id=int(self.id))


@strawberry.type(description="Your payslip: published once the salary is in your account.")
class Payslip:
    id: strawberry.ID
    enterprise_name: str
    period: str
    gross: Fen
    social_insurance: Fen
    housing_fund: Fen
    income_tax: Fen
    net: Fen
    paid_at: datetime
    account_last4: str

    @classmethod
    def of(cls, slip: payroll.Payslip) -> Payslip:
        return cls(id=strawberry.ID(str(slip.line_id)), enterprise_name=slip.enterprise_name, period=slip.period,
                   gross=slip.gross, social_insurance=slip.social_insurance, housing_fund=slip.housing_fund,
                   income_tax=slip.income_tax, net=slip.net, paid_at=slip.paid_at, account_last4=slip.account_last4)


@strawberry.type(description="The whole file is refused (size, format, encoding, rows, columns); nothing was written.")
class PayrollFileRefused(Error):
    problem: FileProblem


@strawberry.type(description="Rows have blocking problems: nothing was written.")
class PayrollRowsRefused(Error):
    issues: list[PayrollIssue]


@strawberry.type
class PayrollBatchNotFound(Error):
    pass


@strawberry.type(description="Another batch for this period is not finished: `batchId`.")
class PayrollPendingBatchExists(Error):
    batch_id: strawberry.ID


@strawberry.type(description="This idempotency key was used for another file or period.")
class PayrollIdempotencyConflict(Error):
    pass


@strawberry.type(description="The batch is not in a state that allows this.")
class PayrollWrongState(Error):
    status: BatchStatus


@strawberry.type(description="The maker of a batch never approves it.")
class PayrollMakerCannotApprove(Error):
    pass


@strawberry.type(description="You hold none of `roles` in the enterprise.")
class PayrollRoleRequired(Error):
    roles: list[str]


@strawberry.type(description="Approving moves money: send your payment PIN with it.")
class PayrollStepUpRequired(Error):
    pass


@strawberry.type(description="The enterprise account cannot hold the batch total.")
class PayrollInsufficientFunds(Error):
    needed: Fen
    available: Fen
