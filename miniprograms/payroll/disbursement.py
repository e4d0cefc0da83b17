"""Paying an approved batch: line by line from the batch's hold, in chunks, by any worker.

Each line is one capture of the hold with its own ledger key (``payroll:<batch>:<line key>:
<attempt>``), and the line is marked paid by ``also_write`` inside the ledger's own
transaction: a line is paid exactly when its entry exists, so a worker killed anywhere and
restarted (or two workers at once) pays each line once. A decline is final for its key, so
a retried line gets the next attempt number. What is not paid when the batch ends (failed
or returned lines) is released back to the enterprise with the hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from infra.db import update_rows
from infra.i18n import t, yuan
from infra.pii import PiiCipher
from ledger import service as ledger
from miniprograms.payroll.config import PayrollSettings
from miniprograms.payroll.models import PayrollBatch, PayrollLine
from miniprograms.payroll.vocabulary import BatchStatus, LineStatus
from openplatform.service import Notice

log = logging.getLogger("payroll.worker")
PAYROLL = ledger.InternalService("payroll")
UserForPhone = Callable[..., Awaitable[int | None]]
Tell = Callable[..., Awaitable[None]]
TellMany = Callable[..., Awaitable[list[int]]]  # many inbox messages in one statement: their ids
Announce = Callable[[list[tuple[int, int]]], Awaitable[None]]  # live notices of committed messages
Sms = Callable[..., Awaitable[None]]

_FAILURES = {
    ledger.AccountFrozen: "ACCOUNT_FROZEN", ledger.AccountClosed: "ACCOUNT_CLOSED",
    ledger.AccountNotFound: "ACCOUNT_NOT_FOUND", ledger.HoldExpired: "HOLD_EXPIRED",
    ledger.HoldNotActive: "HOLD_NOT_ACTIVE", ledger.HoldExceeded: "HOLD_EXCEEDED",
    ledger.InsufficientFunds: "INSUFFICIENT_FUNDS", ledger.LimitExceeded: "LIMIT_EXCEEDED",
}


@dataclass(frozen=True, slots=True)
class Payee:
    account_id: int
    user_id: int
    number: str


@dataclass(frozen=True, slots=True)
class Due:
    """A line to pay, as the worker reads it: its own columns and its employee's two."""

    id: int
    idempotency_key: str
    attempt: int
    net: int
    account_number: str | None
    phone_ciphertext: str

    @classmethod
    async def read(cls, batch_id: int, status: LineStatus, after: int, limit: int) -> list[Due]:
        """The batch's lines in ``status`` after id ``after``, in id order (rows, not models:
        building 1,000 models a chunk was a sixth of the worker's time)."""
        rows = await PayrollLine.filter(batch_id=batch_id, status=status, id__gt=after).order_by("id").limit(limit) \
            .values_list("id", "idempotency_key", "attempt", "net", "employee__account_number",
                         "employee__phone_ciphertext")
        return [cls(*row) for row in rows]


def ledger_key(batch_id: int, line: PayrollLine | Due) -> str:
    return f"payroll:{batch_id}:{line.idempotency_key}:{line.attempt}"


def hold_key(batch: PayrollBatch) -> str:
    return f"payroll:{batch.id}:hold:{batch.hold_round}"


class Disbursement:
    """What a worker does; the same object serves the app (in-process) and ``superapp worker payroll``."""

    def __init__(self, *, ledger_service: ledger.LedgerService, cipher: PiiCipher, settings: PayrollSettings,
                 user_for_phone: UserForPhone, tell: Tell, tell_many: TellMany, announce: Announce, sms: Sms,
                 owner: str | None = None) -> None:
        self.ledger = ledger_service
        self.cipher = cipher
        self.settings = settings
        self.user_for_phone = user_for_phone
        self.tell = tell
        self.tell_many = tell_many
        self.announce = announce
        self.sms = sms
        self.owner = owner or f"{socket.gethostname()}-{os.getpid()}"

    async def place_hold(self, batch: PayrollBatch, amount: int) -> ledger.Hold:
        enterprise = await ledger.get_enterprise(enterprise_id=batch.enterprise_id)
        return await self.ledger.place_hold(
            by=PAYROLL, account_id=enterprise.account_id, amount=amount, idempotency_key=hold_key(batch),
            memo=t("payroll.hold_memo", period=batch.period),
        )

    async def run(self, stop: asyncio.Event, *, until_idle: bool = False) -> int:
        """Pay due batches until ``stop`` is set (or, ``until_idle``, until no line is left to pay)."""
        paid = 0
        while not stop.is_set():
            moved = await self.pass_once()
            paid += moved
            if moved:
                continue
            if until_idle and not await PayrollLine.filter(
                status=LineStatus.PENDING, batch__status__in=[BatchStatus.APPROVED, BatchStatus.DISBURSING]
            ).exists():
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.poll_seconds)
            except TimeoutError:
                pass
        return paid

    async def pass_once(self) -> int:
        """One look at every due batch; the number of lines whose state moved."""
        moved = 0
        due = await PayrollBatch.filter(status__in=[BatchStatus.APPROVED, BatchStatus.DISBURSING]) \
            .order_by("id").values_list("id", flat=True)
        for batch_id in due:
            if await self._lease(batch_id):
                try:
                    moved += await self.pay_batch(batch_id)
                finally:
                    await PayrollBatch.filter(id=batch_id, lease_owner=self.owner).update(lease_until=None)
        return moved

    async def _lease(self, batch_id: int) -> bool:
        now = datetime.now(timezone.utc)
        return await PayrollBatch.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=self.owner), id=batch_id,
        ).update(lease_owner=self.owner, lease_until=now + timedelta(seconds=self.settings.lease_seconds)) == 1

    async def pay_batch(self, batch_id: int) -> int:
        batch = await PayrollBatch.get(id=batch_id)
        if batch.status is BatchStatus.APPROVED:
            if batch.hold_id is None:  # approved, then stopped before the hold was noted: the same key again
                try:
                    hold = await self.place_hold(batch, await unpaid_total(batch.id, LineStatus.PENDING))
                except ledger.LedgerError as exc:  # the money is no longer there: back to the checkers
                    log.warning("payroll batch %s could not be held (%s): submitted again", batch.id,
                                type(exc).__name__)
                    await PayrollBatch.filter(id=batch.id, status=BatchStatus.APPROVED).update(
                        status=BatchStatus.SUBMITTED, checker_user_id=None, approved_at=None)
                    return 0
                await PayrollBatch.filter(id=batch.id).update(hold_id=hold.id)
                batch.hold_id = hold.id
            await PayrollBatch.filter(id=batch.id, status=BatchStatus.APPROVED).update(status=BatchStatus.DISBURSING)
        moved = await self._awaiting(batch)
        # Three chunks at a time: one read, one prepared (its captures built, its rows encoded)
        # while the one before it posts, and that one posting: the preparing is the worker's CPU,
        # the posting mostly PostgreSQL's, and the two wait on each other otherwise. Two postings
        # never overlap: each takes the hold's row lock for its transaction.
        upcoming = asyncio.ensure_future(self._next_chunk(batch, after=0))
        tasks = [upcoming]  # the ones not done yet, awaited or cancelled before this returns
        paying: asyncio.Future | None = None
        try:
            while True:
                lines, payees = await upcoming
                if not lines:
                    break
                upcoming = asyncio.ensure_future(self._next_chunk(batch, after=lines[-1].id))
                chunk = asyncio.ensure_future(self._pay_chunk(batch, lines, payees))
                tasks = [task for task in tasks if not task.done()] + [upcoming, chunk]  # done ones hold rows
                if paying is not None:
                    await paying
                paying = chunk
                moved += len(lines)
                if not await self._lease(batch.id):
                    await paying
                    return moved  # another worker took it over (this one was too slow to renew)
            if paying is not None:
                await paying
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._finish_if_done(batch)
        return moved

    async def _next_chunk(self, batch: PayrollBatch, *, after: int) -> tuple[list[Due], list[Payee | None]]:
        lines = await Due.read(batch.id, LineStatus.PENDING, after, self.settings.chunk)
        return lines, await self._payees(lines) if lines else []

    async def _pay_chunk(self, batch: PayrollBatch, lines: list[Due], payees: list[Payee | None]) -> None:
        """A chunk's lines in one call to the ledger (``capture_hold_many``): each line its own
        capture of the hold under its own key, marked paid and its payslip noticed in the
        ledger's transaction, so a line is paid exactly when its entry exists."""
        to_pay: list[tuple[Due, Payee]] = []
        for line, payee in zip(lines, payees, strict=True):
            if payee is None:
                await self._await_account(batch, line)
            else:
                to_pay.append((line, payee))
        if not to_pay:
            return
        now = datetime.now(timezone.utc)
        memo = t("payroll.entry_memo", period=batch.period)
        title = t("payroll.payslip_title", period=batch.period)
        keys = [ledger_key(batch.id, line) for line, _ in to_pay]
        notices = [Notice(user_id=payee.user_id, topic="payroll.payslip", title=title,
                          body=t("payroll.payslip_body", period=batch.period, amount=yuan(line.net),
                                 last4=payee.number[-4:]))
                   for line, payee in to_pay]  # written before the transaction: it holds the hold's lock

        payslips: dict[str, tuple[int, int]] = {}  # ledger key: (user, message), announced once committed

        async def mark_paid(entries: Sequence[ledger.PostedEntry]) -> None:
            by_key = {entry.idempotency_key: entry for entry in entries}
            paid = [n for n, key in enumerate(keys) if key in by_key]
            await _mark_paid([(*to_pay[n], by_key[keys[n]]) for n in paid], now)
            ids = await self.tell_many([notices[n] for n in paid], announce=False)
            payslips.update((keys[n], (notices[n].user_id, message_id)) for n, message_id in zip(paid, ids, strict=True))

        outcomes = await self.ledger.capture_hold_many(
            by=PAYROLL, hold_id=batch.hold_id, also_write=mark_paid,
            captures=[ledger.Capture(amount=line.net, to_account_id=payee.account_id, idempotency_key=key, memo=memo)
                      for (line, payee), key in zip(to_pay, keys, strict=True)])
        # Only a new entry's payslip was committed with it (a rolled-back try may have left others here).
        fresh = [payslips[key] for key, outcome in zip(keys, outcomes, strict=True)
                 if isinstance(outcome, ledger.PostedEntry) and not outcome.replayed and key in payslips]
        if fresh:
            await self.announce(fresh)
        failed: dict[str, list[int]] = {}
        replayed = []  # paid by a worker that stopped before it read its answer
        for (line, payee), outcome in zip(to_pay, outcomes, strict=True):
            if isinstance(outcome, ledger.LedgerError):
                code = next((c for kind, c in _FAILURES.items() if isinstance(outcome, kind)), "DECLINED")
                failed.setdefault(code, []).append(line.id)
            elif outcome.replayed:
                replayed.append((line, payee, outcome))
        for code, ids in failed.items():
            await PayrollLine.filter(id__in=ids, status=LineStatus.PENDING).update(
                status=LineStatus.FAILED, failure=code)
        if replayed:
            await _mark_paid(replayed, now)

    async def _payees(self, lines: list[Due]) -> list[Payee | None]:
        """Each line's payee: the roster's account numbers looked up together, the rest by
        phone, ``concurrency`` at a time."""
        known = await ledger.accounts_by_number(numbers=[line.account_number for line in lines if line.account_number])
        payees = [_payee_of(known[line.account_number]) if line.account_number in known else None for line in lines]
        rest = [n for n, payee in enumerate(payees) if payee is None]  # not a Class II account on the roster
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(line: Due) -> Payee | None:
            async with gate:
                return await self._payee(line, known)

        for n, payee in zip(rest, await asyncio.gather(*(one(lines[n]) for n in rest)), strict=True):
            payees[n] = payee
        return payees

    async def _payee(self, line: Due, known: dict | None = None) -> Payee | None:
        """Where the line goes: the roster's account number, else the employee's own Class II
        account found by their phone; None when they have none yet. ``known``: accounts
        already looked up by number for the chunk."""
        if line.account_number:
            account = known.get(line.account_number) if known is not None else \
                await ledger.account_by_number(number=line.account_number)
            payee = None if account is None else _payee_of(account)
            if payee is not None:
                return payee
        user_id = await self.user_for_phone(phone=self.cipher.decrypt(line.phone_ciphertext, context="phone"))
        if user_id is None:
            return None
        account = await ledger.class_two_account_of(owner_user_id=user_id)
        return None if account is None else Payee(account.id, user_id, account.number or "")

    async def _await_account(self, batch: PayrollBatch, line: Due) -> None:
        """No account to pay into: invite the employee once (inbox if they use the app, and SMS)."""
        moved = await PayrollLine.filter(id=line.id, status=LineStatus.PENDING, invited_at__isnull=True).update(
            status=LineStatus.AWAITING_ACCOUNT, invited_at=datetime.now(timezone.utc))
        if not moved:
            await PayrollLine.filter(id=line.id, status=LineStatus.PENDING).update(status=LineStatus.AWAITING_ACCOUNT)
            return
        enterprise = await ledger.get_enterprise(enterprise_id=batch.enterprise_id)
        phone = self.cipher.decrypt(line.phone_ciphertext, context="phone")
        text = t("payroll.invitation_sms", enterprise=enterprise.name, period=batch.period)
        await self.sms(phone=phone, text=text)
        user_id = await self.user_for_phone(phone=phone)
        if user_id is not None:
            await self.tell(user_id=user_id, topic="payroll.invitation", title=t("payroll.invitation_title"),
                            body=t("payroll.invitation_body", enterprise=enterprise.name, period=batch.period))

    async def _awaiting(self, batch: PayrollBatch) -> int:
        """Awaiting lines whose employee has opened an account go back to be paid; past the
        deadline, they are returned (their money is released with the hold)."""
        moved = 0
        now = datetime.now(timezone.utc)
        cursor = 0
        while True:
            lines = await Due.read(batch.id, LineStatus.AWAITING_ACCOUNT, cursor, self.settings.chunk)
            if not lines:
                return moved
            cursor = lines[-1].id
            for line in lines:
                if batch.awaiting_deadline is not None and batch.awaiting_deadline <= now:
                    moved += await PayrollLine.filter(id=line.id, status=LineStatus.AWAITING_ACCOUNT).update(
                        status=LineStatus.RETURNED, failure="NO_ACCOUNT_BY_DEADLINE")
                elif await self._payee(line) is not None:
                    moved += await PayrollLine.filter(id=line.id, status=LineStatus.AWAITING_ACCOUNT).update(
                        status=LineStatus.PENDING)

    async def _finish_if_done(self, batch: PayrollBatch) -> None:
        if await PayrollLine.filter(batch_id=batch.id,
                                    status__in=[LineStatus.PENDING, LineStatus.AWAITING_ACCOUNT]).exists():
            return
        paid = await PayrollLine.filter(batch_id=batch.id, status=LineStatus.PAID) \
            .annotate(n=Count("id"), total=Sum("net")).first().values("n", "total")
        count, total = paid["n"] or 0, paid["total"] or 0
        status = (BatchStatus.COMPLETED if count == batch.line_count
                  else BatchStatus.PARTIALLY_SUCCEEDED if count else BatchStatus.FAILED)
        if batch.hold_id is not None:
            await self.ledger.release_hold(by=PAYROLL, hold_id=batch.hold_id)  # what was not paid goes back
        now = datetime.now(timezone.utc)
        await PayrollBatch.filter(id=batch.id, status=BatchStatus.DISBURSING).update(
            status=status, paid_count=count, paid_total=total, finished_at=now, open_period=None)
        log.info("payroll batch %s %s: %s of %s lines paid", batch.id, status.value, count, batch.line_count)


def _payee_of(account) -> Payee | None:
    """The account as a payee: a customer's Class II account, nothing else."""
    if account.kind is ledger.AccountKind.CLASS_TWO and account.owner_user_id is not None:
        return Payee(account.id, account.owner_user_id, account.number or "")
    return None


async def _mark_paid(paid: list[tuple[Due, Payee, ledger.PostedEntry]], now: datetime) -> None:
    """The lines paid, with one statement."""
    await update_rows(PayrollLine, _PAID_COLUMNS, _PAID_TYPES, [
        (line.id, entry.id, payee.user_id, payee.number) for line, payee, entry in paid],
        same=(("status", "text", LineStatus.PAID.value), ("paid_at", "timestamptz", now), ("failure", "text", None)))


_PAID_COLUMNS = ("entry_id", "paid_to_user_id", "paid_to_account")
_PAID_TYPES = ("bigint", "bigint", "bigint", "text")


async def unpaid_total(batch_id: int, status: LineStatus) -> int:
    """The net of the batch's lines in ``status``, summed by the database."""
    rows = await PayrollLine.filter(batch_id=batch_id, status=status).annotate(total=Sum("net")) \
        .values_list("total", flat=True)
    return int(rows[0] or 0) if rows else 0
