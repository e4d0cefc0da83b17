"""The names people read for payroll's states, codes and problems, from the catalogue."""

from __future__ import annotations

from infra.i18n import Text
from miniprograms.payroll.vocabulary import BatchStatus, FileProblem, LineStatus, RowProblem

BATCH_STATES = {
    BatchStatus.DRAFT: Text("payroll.state_draft"),
    BatchStatus.SUBMITTED: Text("payroll.state_submitted"),
    BatchStatus.APPROVED: Text("payroll.state_approved"),
    BatchStatus.DISBURSING: Text("payroll.state_disbursing"),
    BatchStatus.COMPLETED: Text("payroll.state_completed"),
    BatchStatus.PARTIALLY_SUCCEEDED: Text("payroll.state_partially_succeeded"),
    BatchStatus.FAILED: Text("payroll.state_failed"),
    BatchStatus.CANCELLED: Text("payroll.state_cancelled"),
}
LINE_STATES = {
    LineStatus.PENDING: Text("payroll.line_pending"),
    LineStatus.AWAITING_ACCOUNT: Text("payroll.line_awaiting_account"),
    LineStatus.PAID: Text("payroll.line_paid"),
    LineStatus.FAILED: Text("payroll.line_failed"),
    LineStatus.RETURNED: Text("payroll.line_returned"),
}
FAILURES = {
    "ACCOUNT_FROZEN": Text("payroll.failure_account_frozen"),
    "ACCOUNT_CLOSED": Text("payroll.failure_account_closed"),
    "ACCOUNT_NOT_FOUND": Text("payroll.failure_account_not_found"),
    "HOLD_EXPIRED": Text("payroll.failure_hold"),
    "HOLD_NOT_ACTIVE": Text("payroll.failure_hold"),
    "HOLD_EXCEEDED": Text("payroll.failure_hold"),
    "INSUFFICIENT_FUNDS": Text("payroll.failure_insufficient_funds"),
    "LIMIT_EXCEEDED": Text("payroll.failure_limit_exceeded"),
    "DECLINED": Text("payroll.failure_declined"),
    "NO_ACCOUNT_BY_DEADLINE": Text("payroll.failure_no_account_by_deadline"),
}
PROBLEMS = {
    RowProblem.REQUIRED: Text("payroll.problem_required"),
    RowProblem.FORMULA: Text("payroll.problem_formula"),
    RowProblem.BAD_NAME: Text("payroll.problem_bad_name"),
    RowProblem.BAD_ID_NUMBER: Text("payroll.problem_bad_id_number"),
    RowProblem.ID_NUMBER_AS_NUMBER: Text("payroll.problem_id_number_as_number"),
    RowProblem.BAD_PHONE: Text("payroll.problem_bad_phone"),
    RowProblem.BAD_ACCOUNT: Text("payroll.problem_bad_account"),
    RowProblem.BAD_DATE: Text("payroll.problem_bad_date"),
    RowProblem.BAD_AMOUNT: Text("payroll.problem_bad_amount"),
    RowProblem.NET_MISMATCH: Text("payroll.problem_net_mismatch"),
    RowProblem.DUPLICATE_IN_FILE: Text("payroll.problem_duplicate_in_file"),
    RowProblem.DUPLICATE_IN_ROSTER: Text("payroll.problem_duplicate_in_roster"),
    RowProblem.NOT_ON_ROSTER: Text("payroll.problem_not_on_roster"),
    RowProblem.BAD_LINE_KEY: Text("payroll.problem_bad_line_key"),
    RowProblem.TOO_LONG: Text("payroll.problem_too_long"),
}
REPORT_HEADER = (
    Text("payroll.report_line"), Text("payroll.report_key"), Text("payroll.report_name"),
    Text("payroll.report_id_number"), Text("payroll.report_gross"), Text("payroll.report_social_insurance"),
    Text("payroll.report_housing_fund"), Text("payroll.report_income_tax"), Text("payroll.report_net"),
    Text("payroll.report_status"), Text("payroll.report_failure"), Text("payroll.report_account"),
    Text("payroll.report_paid_at"),
)


def file_problem(problem: FileProblem, *, limit: int, columns: str) -> Text:
    if problem is FileProblem.TOO_LARGE:
        return Text("payroll.file_too_large", limit=limit // 1_000_000)
    if problem is FileProblem.TOO_MANY_ROWS:
        return Text("payroll.file_too_many_rows", limit=limit)
    if problem is FileProblem.MISSING_COLUMNS:
        return Text("payroll.file_missing_columns", columns=columns)
    return {
        FileProblem.EMPTY: Text("payroll.file_empty"),
        FileProblem.MALFORMED: Text("payroll.file_malformed"),
        FileProblem.UNKNOWN_ENCODING: Text("payroll.file_unknown_encoding"),
        FileProblem.UNKNOWN_FORMAT: Text("payroll.file_unknown_format"),
    }[problem]
