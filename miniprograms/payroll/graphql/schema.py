"""Payroll in GraphQL: makers import rosters and upload batches, checkers approve with their
PIN, employees read their own payslips. Every ID is parsed at the edge; refusals are types."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import ParsedIds, RecordId
from bff.ledger.errors import PaymentPinLocked, WrongPaymentPin
from bff.permissions import requires
from infra.i18n import t
from miniprograms.payroll import service as payroll
from miniprograms.payroll.graphql.types import (
    PayrollBatch, PayrollBatchNotFound, PayrollFileRefused, PayrollIdempotencyConflict, PayrollInsufficientFunds,
    PayrollIssue, PayrollMakerCannotApprove, PayrollPendingBatchExists, PayrollRoleRequired, PayrollRosterPreview,
    PayrollRowsRefused, PayrollStepUpRequired, PayrollWrongState, Payslip, payroll_of,
)

_REFUSALS = PayrollRoleRequired | PayrollFileRefused | InvalidInput
RosterResult = Annotated[PayrollRosterPreview | PayrollRowsRefused | _REFUSALS, strawberry.union("PayrollRosterResult")]
BatchResult = Annotated[
    PayrollBatch | PayrollBatchNotFound | PayrollRowsRefused | PayrollPendingBatchExists | PayrollIdempotencyConflict
    | PayrollWrongState | PayrollMakerCannotApprove | PayrollStepUpRequired | WrongPaymentPin | PaymentPinLocked
    | PayrollInsufficientFunds | _REFUSALS,
    strawberry.union("PayrollBatchResult"),
]

@strawberry.type
class PayrollBatchList:
    batches: list[PayrollBatch]


BatchesResult = Annotated[PayrollBatchList | PayrollRoleRequired, strawberry.union("PayrollBatchesResult")]

_FIELDS = {"idempotency_key": "idempotencyKey", "period": "period", "encoding": "encoding", "file": "file"}


def _refusal(exc: payroll.PayrollError):
    """The schema type of each expected refusal."""
    message = str(exc)
    if isinstance(exc, payroll.NotPayrollMember):
        return PayrollRoleRequired(message=message, roles=exc.roles)
    if isinstance(exc, payroll.FileRefused):
        return PayrollFileRefused(message=message, problem=exc.problem)
    if isinstance(exc, payroll.RowsRefused):
        return PayrollRowsRefused(message=message, issues=[PayrollIssue.of(i) for i in exc.issues])
    if isinstance(exc, payroll.BatchNotFound):
        return PayrollBatchNotFound(message=message)
    if isinstance(exc, payroll.PendingBatchExists):
        return PayrollPendingBatchExists(message=message, batch_id=strawberry.ID(str(exc.batch_id)))
    if isinstance(exc, payroll.IdempotencyConflict):
        return PayrollIdempotencyConflict(message=message)
    if isinstance(exc, payroll.WrongState):
        return PayrollWrongState(message=message, status=payroll.BatchStatus(exc.state))
    if isinstance(exc, payroll.MakerCannotApprove):
        return PayrollMakerCannotApprove(message=message)
    if isinstance(exc, payroll.StepUpRequired):
        return PayrollStepUpRequired(message=message)
    if isinstance(exc, payroll.WrongPin):
        return WrongPaymentPin(message=message, attempts_left=exc.attempts_left)
    if isinstance(exc, payroll.PinLocked):
        return PaymentPinLocked(message=message, retry_after_seconds=exc.retry_after_seconds)
    if isinstance(exc, payroll.InsufficientFunds):
        return PayrollInsufficientFunds(message=message, needed=exc.needed, available=exc.available)
    if isinstance(exc, payroll.InvalidRequest):
        return InvalidInput(message=message, field=_FIELDS.get(exc.field or "", exc.field))
    raise exc


async def _bytes(file: object, file_base64: str | None) -> bytes | InvalidInput:
    """The file's bytes: a multipart file part, or (from a page, through the bridge, which
    carries JSON only) its content in base64; exactly one of them."""
    if file_base64 is not None and file is None:
        try:
            return base64.b64decode(file_base64, validate=True)
        except (binascii.Error, ValueError):
            return InvalidInput(message=t("payroll.bad_base64"), field="fileBase64")
    if not isinstance(file, UploadFile) or file_base64 is not None:
        return InvalidInput(message=t("bff.file_part_expected", field="file"), field="file")
    try:
        return await file.read()
    finally:
        await file.close()


def _approver(info: Info, pin: str | None) -> payroll.Approver:
    principal = info.context.principal
    return payroll.Approver(user_id=principal.user_id, session_id=principal.session_id, pin=pin)


@strawberry.type
class PayrollQuery:
    @strawberry.field(extensions=[ParsedIds(), *requires()], description="A payroll batch of an enterprise you "
                                                                         "hold a payroll role in.")
    async def payroll_batch(self, info: Info, id: RecordId) -> BatchResult:
        try:
            return PayrollBatch.of(await payroll_of(info).batch(user_id=info.context.principal.user_id,
                                                                           batch_id=id))
        except payroll.PayrollError as exc:
            return _refusal(exc)

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="The enterprise's batches, newest first.")
    async def payroll_batches(self, info: Info, enterprise_id: RecordId, first: int = 20) -> BatchesResult:
        try:
            rows = await payroll_of(info).batches_of(user_id=info.context.principal.user_id,
                                                                 enterprise_id=enterprise_id, first=first)
        except payroll.PayrollError as exc:
            return _refusal(exc)
        return PayrollBatchList(batches=[PayrollBatch.of(b) for b in rows])

    @strawberry.field(extensions=requires(), description="Your own payslips, newest first (only salaries already paid).")
    async def my_payslips(self, info: Info, first: int = 24) -> list[Payslip]:
        slips = await payroll_of(info).payslips(user_id=info.context.principal.user_id, first=first)
        return [Payslip.of(s) for s in slips]


@strawberry.type
class PayrollMutation:
    @strawberry.mutation(extensions=[ParsedIds(), *requires()],
                         description="Read a roster file (CSV or XLSX) and list its row problems; nothing is written.")
    async def preview_payroll_roster(self, info: Info, enterprise_id: RecordId, file: Upload | None = None,
                                     file_base64: str | None = None, encoding: str | None = None) -> RosterResult:
        return await _roster(info, enterprise_id, await _bytes(file, file_base64), encoding, commit=False)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()],
                         description="Import a roster file: all its new employees, or nothing if any row is wrong.")
    async def import_payroll_roster(self, info: Info, enterprise_id: RecordId, file: Upload | None = None,
                                    file_base64: str | None = None, encoding: str | None = None) -> RosterResult:
        return await _roster(info, enterprise_id, await _bytes(file, file_base64), encoding, commit=True)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()],
                         description="Upload a salary file as a draft batch (makers); the same key or file again "
                                     "returns that batch.")
    async def upload_payroll_batch(self, info: Info, enterprise_id: RecordId, period: str, idempotency_key: str,
                                   file: Upload | None = None, file_base64: str | None = None,
                                   encoding: str | None = None) -> BatchResult:
        data = await _bytes(file, file_base64)
        if isinstance(data, InvalidInput):
            return data
        try:
            upload = await payroll_of(info).upload_batch(
                user_id=info.context.principal.user_id, enterprise_id=enterprise_id, period=period,
                idempotency_key=idempotency_key, data=data, encoding=encoding)
        except payroll.PayrollError as exc:
            return _refusal(exc)
        return PayrollBatch.of(upload.batch, replayed=upload.replayed)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Send the reviewed draft to the checkers.")
    async def submit_payroll_batch(self, info: Info, batch_id: RecordId) -> BatchResult:
        return await _act(info, lambda p, user: p.submit(user_id=user, batch_id=batch_id))

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Withdraw a draft or submitted batch.")
    async def cancel_payroll_batch(self, info: Info, batch_id: RecordId) -> BatchResult:
        return await _act(info, lambda p, user: p.cancel(user_id=user, batch_id=batch_id))

    @strawberry.mutation(extensions=[ParsedIds(), *requires()],
                         description="Approve a submitted batch (a checker who is not its maker) with your payment "
                                     "PIN: its total is held and its lines are paid.")
    async def approve_payroll_batch(self, info: Info, batch_id: RecordId, pin: str | None = None) -> BatchResult:
        return await _act(info, lambda p, user: p.approve(by=_approver(info, pin), batch_id=batch_id))

    @strawberry.mutation(extensions=[ParsedIds(), *requires()],
                         description="Pay a finished batch's failed lines again (a checker, with the PIN).")
    async def retry_failed_payroll_lines(self, info: Info, batch_id: RecordId, pin: str | None = None) -> BatchResult:
        return await _act(info, lambda p, user: p.retry_failed(by=_approver(info, pin), batch_id=batch_id))


async def _roster(info: Info, enterprise_id: int, data: bytes | InvalidInput, encoding: str | None, *,
                  commit: bool) -> RosterResult:
    if isinstance(data, InvalidInput):
        return data
    try:
        preview = await payroll_of(info).import_roster(
            user_id=info.context.principal.user_id, enterprise_id=enterprise_id, data=data, commit=commit,
            encoding=encoding)
    except payroll.PayrollError as exc:
        return _refusal(exc)
    return PayrollRosterPreview.of(preview)


async def _act(info: Info, step) -> BatchResult:
    try:
        return PayrollBatch.of(await step(payroll_of(info), info.context.principal.user_id))
    except payroll.PayrollError as exc:
        return _refusal(exc)
