"""Payroll's public face: ``PayrollService`` (built by the composition root as
``runtime.payroll``) and the types and errors it returns.

Enterprise roles are the ledger's (administrator, maker, checker in each enterprise); money
moves only through the ledger's entry point, from a hold on the enterprise account.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from infra.i18n import Text, yuan
from infra.pii import PiiCipher
from ledger import service as ledger
from miniprograms.payroll import batches, roster
from miniprograms.payroll.config import PayrollSettings
from miniprograms.payroll.disbursement import (
    PAYROLL, Announce, Disbursement, Sms, Tell, TellMany, UserForPhone, unpaid_total,
)
from miniprograms.payroll.errors import (
    BatchNotFound, FileRefused, IdempotencyConflict, InsufficientFunds, InvalidRequest,
    MakerCannotApprove, NotPayrollMember, PayrollError, PendingBatchExists, PinLocked, RowsRefused,
    StepUpRequired, WrongPin, WrongState,
)
from miniprograms.payroll.issues import Issue
from miniprograms.payroll.models import Employee, PayrollBatch, PayrollLine
from miniprograms.payroll.roster import RosterPreview
from miniprograms.payroll.vocabulary import BatchStatus, FileProblem, LineStatus, RowProblem
from miniprograms.payroll.words import FAILURES, LINE_STATES, REPORT_HEADER

__all__ = [
    "BatchNotFound", "BatchStatus", "Disbursement", "FileProblem", "FileRefused", "IdempotencyConflict",
    "InsufficientFunds", "InvalidRequest", "Issue", "LineStatus", "MakerCannotApprove", "NotPayrollMember",
    "PayrollBatch", "PayrollError", "PayrollLine", "PayrollService", "PayrollSettings", "Payslip",
    "PendingBatchExists", "PinLocked", "RosterPreview", "RowProblem", "RowsRefused", "StepUpRequired", "WrongPin",
    "WrongState",
]

Role = ledger.EnterpriseRole
_REVIEWERS = frozenset({Role.MAKER, Role.CHECKER, Role.ADMINISTRATOR})


@dataclass(frozen=True, slots=True)
class Payslip:
    line_id: int
    batch_id: int
    enterprise_name: str
    period: str
    gross: int
    social_insurance: int
    housing_fund: int
    income_tax: int
    net: int
    paid_at: datetime
    account_last4: str


@dataclass(frozen=True, slots=True)
class Approver:
    """A checker in one login session, with the PIN typed for this approval (step-up)."""

    user_id: int
    session_id: str
    pin: str | None


class PayrollService:
    def __init__(self, *, ledger_service: ledger.LedgerService, cipher: PiiCipher, settings: PayrollSettings,
                 user_for_phone: UserForPhone, tell: Tell, tell_many: TellMany, announce: Announce, sms: Sms) -> None:
        self.ledger = ledger_service
        self.cipher = cipher
        self.settings = settings
        self.disbursement = Disbursement(ledger_service=ledger_service, cipher=cipher, settings=settings,
                                         user_for_phone=user_for_phone, tell=tell, tell_many=tell_many,
                                         announce=announce, sms=sms)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The disbursement worker as a task for the life of the block (the server in embedded mode)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.disbursement.run(stop), name="payroll-disbursement")
        try:
            yield
        finally:
            stop.set()
            await task

    # --- roles ---------------------------------------------------------------------------

    async def _require(self, enterprise_id: int, user_id: int, roles: frozenset[Role]) -> Role:
        try:
            return await ledger.require_enterprise_role(enterprise_id=enterprise_id, user_id=user_id, roles=roles)
        except (ledger.NotEnterpriseMember, ledger.EnterpriseRoleRequired, ledger.EnterpriseNotFound):
            raise NotPayrollMember(sorted(r.value for r in roles)) from None

    # --- roster --------------------------------------------------------------------------

    async def import_roster(self, *, user_id: int, enterprise_id: int, data: bytes, commit: bool,
                            encoding: str | None = None) -> RosterPreview:
        """Preview (``commit=False``) or import a roster file; makers and administrators.
        RowsRefused when committing a file with blocking problems; FileRefused for the file."""
        await self._require(enterprise_id, user_id, frozenset({Role.MAKER, Role.ADMINISTRATOR}))
        return await roster.import_roster(
            enterprise_id=enterprise_id, data=data, cipher=self.cipher, max_rows=self.settings.max_roster_rows,
            max_bytes=self.settings.max_file_bytes, commit=commit, encoding=_encoding(encoding),
        )

    async def roster_size(self, *, user_id: int, enterprise_id: int) -> int:
        await self._require(enterprise_id, user_id, _REVIEWERS)
        return await Employee.filter(enterprise_id=enterprise_id).count()

    # --- batches -------------------------------------------------------------------------

    async def upload_batch(self, *, user_id: int, enterprise_id: int, period: str, idempotency_key: str,
                           data: bytes, encoding: str | None = None) -> batches.Upload:
        """A draft batch from a salary file (makers); the same key or file again is that batch."""
        await self._require(enterprise_id, user_id, frozenset({Role.MAKER}))
        return await batches.upload(
            enterprise_id=enterprise_id, maker_user_id=user_id, period=period, idempotency_key=idempotency_key,
            data=data, cipher=self.cipher, max_lines=self.settings.max_batch_lines,
            max_bytes=self.settings.max_file_bytes, encoding=_encoding(encoding),
        )

    async def batch(self, *, user_id: int, batch_id: int) -> PayrollBatch:
        """A batch for any of its enterprise's payroll members; BatchNotFound for anyone else."""
        batch = await batches.get(batch_id=batch_id)
        try:
            await self._require(batch.enterprise_id, user_id, _REVIEWERS)
        except NotPayrollMember:
            raise BatchNotFound() from None
        return batch

    async def batches_of(self, *, user_id: int, enterprise_id: int, first: int = 20) -> list[PayrollBatch]:
        await self._require(enterprise_id, user_id, _REVIEWERS)
        return await PayrollBatch.filter(enterprise_id=enterprise_id).order_by("-id").limit(max(1, min(first, 100)))

    async def submit(self, *, user_id: int, batch_id: int) -> PayrollBatch:
        """The maker sends the reviewed draft to the checkers."""
        batch = await self.batch(user_id=user_id, batch_id=batch_id)
        await self._require(batch.enterprise_id, user_id, frozenset({Role.MAKER}))
        if batch.status is BatchStatus.SUBMITTED:
            return batch
        if not await batches.move(batch, to=BatchStatus.SUBMITTED, allowed_from=(BatchStatus.DRAFT,),
                                  submitted_at=datetime.now(timezone.utc)):
            raise WrongState(batch.status.value)
        return await batches.get(batch_id=batch_id)

    async def cancel(self, *, user_id: int, batch_id: int) -> PayrollBatch:
        """Withdraw a draft or submitted batch (its maker or a checker): the period is free again."""
        batch = await self.batch(user_id=user_id, batch_id=batch_id)
        await self._require(batch.enterprise_id, user_id, frozenset({Role.MAKER, Role.CHECKER}))
        if not await batches.move(batch, to=BatchStatus.CANCELLED,
                                  allowed_from=(BatchStatus.DRAFT, BatchStatus.SUBMITTED)):
            current = await batches.get(batch_id=batch_id)
            if current.status is BatchStatus.CANCELLED:
                return current
            raise WrongState(current.status.value)
        return await batches.get(batch_id=batch_id)

    async def approve(self, *, by: Approver, batch_id: int) -> PayrollBatch:
        """A checker who did not make the batch approves it with their PIN; the total is held
        on the enterprise account and the worker pays the lines. Of checkers approving at
        once, one approves; the others get WrongState."""
        batch = await self._checked_approver(by, batch_id, BatchStatus.SUBMITTED)
        now = datetime.now(timezone.utc)
        if not await batches.move(
            batch, to=BatchStatus.APPROVED, allowed_from=(BatchStatus.SUBMITTED,), checker_user_id=by.user_id,
            approved_at=now, hold_round=F("hold_round") + 1,
            awaiting_deadline=now + timedelta(seconds=self.settings.awaiting_seconds),
        ):
            raise WrongState((await batches.get(batch_id=batch_id)).status.value)
        batch = await batches.get(batch_id=batch_id)
        # What is left to pay: the whole batch, unless it comes back from a retry that could not be held.
        await self._hold(batch, await unpaid_total(batch.id, LineStatus.PENDING), back_to=BatchStatus.SUBMITTED)
        return await batches.get(batch_id=batch_id)

    async def retry_failed(self, *, by: Approver, batch_id: int) -> PayrollBatch:
        """Pay the failed lines again (a checker, with their PIN): a new hold for just those
        lines, each line with its next ledger key; paid lines are never touched."""
        batch = await self.batch(user_id=by.user_id, batch_id=batch_id)
        if batch.status not in (BatchStatus.PARTIALLY_SUCCEEDED, BatchStatus.FAILED):
            raise WrongState(batch.status.value)
        batch = await self._checked_approver(by, batch_id, batch.status)
        failed = await unpaid_total(batch.id, LineStatus.FAILED)
        if not failed:
            raise WrongState(batch.status.value)
        previous = batch.status
        try:
            moved = await batches.move(batch, to=BatchStatus.APPROVED, allowed_from=(previous,),
                                       open_period=f"{batch.enterprise_id}:{batch.period}", hold_round=F("hold_round") + 1,
                                       hold_id=None, finished_at=None)
        except IntegrityError:  # another batch of the period opened since this one ended
            open_batch = await PayrollBatch.get(open_period=f"{batch.enterprise_id}:{batch.period}")
            raise PendingBatchExists(open_batch.id) from None
        if not moved:
            raise WrongState((await batches.get(batch_id=batch_id)).status.value)
        await PayrollLine.filter(batch_id=batch.id, status=LineStatus.FAILED).update(
            status=LineStatus.PENDING, attempt=F("attempt") + 1, failure=None)
        batch = await batches.get(batch_id=batch_id)
        await self._hold(batch, failed, back_to=previous)
        return await batches.get(batch_id=batch_id)

    async def _checked_approver(self, by: Approver, batch_id: int, expected: BatchStatus) -> PayrollBatch:
        batch = await self.batch(user_id=by.user_id, batch_id=batch_id)
        await self._require(batch.enterprise_id, by.user_id, frozenset({Role.CHECKER}))
        if batch.maker_user_id == by.user_id:
            raise MakerCannotApprove()
        if batch.status is not expected:
            raise WrongState(batch.status.value)
        if by.pin is None:
            raise StepUpRequired()
        try:
            await self.ledger.pins.verify(user_id=by.user_id, session_id=by.session_id, pin=by.pin)
        except ledger.WrongPin as exc:
            raise WrongPin(exc.attempts_left) from None
        except ledger.PinLocked as exc:
            raise PinLocked(exc.retry_after_seconds) from None
        except ledger.PinNotSet:
            raise StepUpRequired() from None
        return batch

    async def _hold(self, batch: PayrollBatch, amount: int, *, back_to: BatchStatus) -> None:
        try:
            hold = await self.disbursement.place_hold(batch, amount)
        except ledger.InsufficientFunds as exc:
            # Not approved after all: the batch waits for the money, the period stays its own.
            await batches.move(batch, to=back_to, allowed_from=(BatchStatus.APPROVED,),
                               **({} if back_to.is_over else {"checker_user_id": None, "approved_at": None}))
            if back_to.is_over:
                await PayrollLine.filter(batch_id=batch.id, status=LineStatus.PENDING).update(status=LineStatus.FAILED)
            raise InsufficientFunds(needed=amount, available=exc.available) from None
        await PayrollBatch.filter(id=batch.id).update(hold_id=hold.id)

    # --- reading -------------------------------------------------------------------------

    async def lines(self, *, user_id: int, batch_id: int, first: int = 50, after_id: int = 0) -> list[PayrollLine]:
        batch = await self.batch(user_id=user_id, batch_id=batch_id)
        return await PayrollLine.filter(batch_id=batch.id, id__gt=after_id).order_by("id") \
            .limit(max(1, min(first, 200))).select_related("employee")

    async def line_counts(self, *, batch_id: int) -> dict[LineStatus, int]:
        counts = {status: 0 for status in LineStatus}
        for status in LineStatus:
            counts[status] = await PayrollLine.filter(batch_id=batch_id, status=status).count()
        return counts

    async def report_csv(self, *, user_id: int, batch_id: int) -> str:
        """Every line's outcome, for the enterprise (UTF-8 with BOM, so Excel reads the Chinese)."""
        batch = await self.batch(user_id=user_id, batch_id=batch_id)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow([str(name) for name in REPORT_HEADER])
        cursor = 0
        while True:
            rows = await PayrollLine.filter(batch_id=batch.id, id__gt=cursor).order_by("id").limit(1_000) \
                .select_related("employee")
            if not rows:
                break
            cursor = rows[-1].id
            for line in rows:
                writer.writerow([
                    line.line_no, line.idempotency_key, line.employee.masked_name, line.employee.masked_id_number,
                    yuan(line.gross), yuan(line.social_insurance), yuan(line.housing_fund), yuan(line.income_tax),
                    yuan(line.net), str(LINE_STATES[line.status]),
                    str(FAILURES.get(line.failure, FAILURES["DECLINED"])) if line.failure else "",
                    ("*" + line.paid_to_account[-4:]) if line.paid_to_account else "",
                    line.paid_at.isoformat() if line.paid_at else "",
                ])
        return out.getvalue()

    async def payslips(self, *, user_id: int, first: int = 24) -> list[Payslip]:
        """The employee's own payslips, newest first: only lines already paid into their account."""
        lines = await PayrollLine.filter(paid_to_user_id=user_id, status=LineStatus.PAID) \
            .order_by("-id").limit(max(1, min(first, 100))).select_related("batch")
        names: dict[int, str] = {}
        slips = []
        for line in lines:
            if line.paid_at is None:  # paid lines always carry it; nothing to show without it
                continue
            eid = line.batch.enterprise_id
            if eid not in names:
                names[eid] = (await ledger.get_enterprise(enterprise_id=eid)).name
            slips.append(Payslip(line.id, line.batch.id, names[eid], line.batch.period, line.gross,
                                 line.social_insurance, line.housing_fund, line.income_tax, line.net,
                                 line.paid_at, (line.paid_to_account or "")[-4:]))
        return slips


def _encoding(value: str | None) -> str | None:
    if value is None:
        return None
    if value.lower() not in ("utf-8", "gbk", "gb18030", "utf-16"):
        raise InvalidRequest(Text("payroll.bad_encoding"), field="encoding")
    return "gb18030" if value.lower() == "gbk" else value.lower()


__all__ += ["Approver", "PAYROLL"]
