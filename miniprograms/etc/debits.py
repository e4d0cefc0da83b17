"""Merchant debits of a card by plate: caps, the ledger's direct debit under the card's mandate,
debts when the account cannot pay, and the blacklist.

Each request is one ``EtcDebit`` row under the merchant's idempotency key, taken before
anything else: a retry gets the first answer, a different request under the key is
DUPLICATE_KEY. Money moves only in the ledger (``direct_debit`` or ``capture_hold``, keyed by
the row), and the row's outcome and the customer's inbox notice are written in the ledger's
own transaction (``also_write``), so a debit and what it says about itself never part.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from infra.i18n import Text, yuan
from ledger import service as ledger
from miniprograms.etc import caps
from miniprograms.etc.cards import SERVICE, checked_plate
from miniprograms.etc.config import EtcSettings
from miniprograms.etc.errors import EtcError, EtcErrorCode as Code, refused
from miniprograms.etc.models import EtcCard, EtcDebit, EtcDebt, EtcMerchant, EtcPreauth
from miniprograms.etc.plates import masked_plate
from miniprograms.etc.vocabulary import CardStatus, DebitKind, DebitStatus, DebtStatus, PreauthStatus

CST = timezone(timedelta(hours=8))
BANK = ledger.InternalService(SERVICE)
MAX_KEY = 128
MAX_AMOUNT = 10**12
STALE = timedelta(seconds=60)  # a pending request this old was left by a process that stopped


def cst_day(moment: datetime) -> date:
    return moment.astimezone(CST).date()


@dataclass(frozen=True, slots=True)
class Debit:
    id: int
    merchant_id: int
    merchant_name: str
    kind: DebitKind
    plate: str
    card_id: int | None
    amount: int
    status: DebitStatus
    refusal: str | None
    day: date
    created_at: datetime
    replayed: bool = False

    @classmethod
    def of(cls, row: EtcDebit, merchant_name: str, *, replayed: bool = False) -> Debit:
        return cls(row.id, row.merchant_id, merchant_name, row.kind, row.plate, row.card_id, row.amount, row.status,
                   row.refusal, row.day, row.created_at, replayed)


@dataclass(frozen=True, slots=True)
class Preauth:
    id: int
    merchant_id: int
    card_id: int
    amount: int
    status: PreauthStatus
    created_at: datetime
    replayed: bool = False

    @classmethod
    def of(cls, row: EtcPreauth, *, replayed: bool = False) -> Preauth:
        return cls(row.id, row.merchant_id, row.card_id, row.amount, row.status, row.created_at, replayed)


def _checked_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise refused(Code.INVALID_AMOUNT)
    return amount


def _checked_key(key: object) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY or not key.isprintable():
        raise EtcError(Code.INVALID_INPUT, Text("etc.idempotency_key", most=MAX_KEY), field="idempotency_key")
    return key


def _fingerprint(**asked: object) -> str:
    return hashlib.sha256(json.dumps(asked, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class Debits:
    """Debits, holds, debts and the blacklist, with the caps of ``settings``."""

    def __init__(self, *, ledger_service: ledger.LedgerService, settings: EtcSettings, tell) -> None:
        self.ledger = ledger_service
        self.settings = settings
        self._tell = tell  # openplatform.service.tell_customer, lent by the composition root

    # -- the card a merchant names --------------------------------------------------------

    async def _debitable_card(self, plate: str, now: datetime) -> EtcCard:
        card = await EtcCard.get_or_none(live_plate=plate)
        if card is None:
            raise refused(Code.CARD_NOT_FOUND)
        if card.status is CardStatus.SUSPENDED:
            raise refused(Code.CARD_SUSPENDED)
        # A card owes something only after a failure (failures go back to 0 once all is repaid).
        if card.blacklisted_at is None and card.failures and await self._overdue(card.id, now):
            await self._blacklist(card.id, now)
            card.blacklisted_at = now
        if card.blacklisted_at is not None:
            raise refused(Code.CARD_BLACKLISTED)
        return card

    async def _overdue(self, card_id: int, now: datetime) -> bool:
        due = now - timedelta(seconds=self.settings.debt_overdue_seconds)
        return await EtcDebt.exists(card_id=card_id, status=DebtStatus.OPEN, created_at__lte=due)

    async def _blacklist(self, card_id: int, now: datetime) -> None:
        await EtcCard.filter(id=card_id, blacklisted_at__isnull=True).update(blacklisted_at=now)

    # -- one request under its key ----------------------------------------------------------

    async def _take_key(self, merchant: EtcMerchant, key: str, fingerprint: str, card: EtcCard | None,
                        refusal: EtcError | None, **row) -> tuple[EtcDebit, bool, EtcError | None]:
        """The request's row, written with its caps counted in one transaction: (row, False, the
        refusal if any), or the row the key already took (row, True, None)."""
        try:
            async with in_transaction():
                created = await EtcDebit.create(
                    merchant=merchant, idempotency_key=key, fingerprint=fingerprint,
                    card_id=card.id if card else None, owner_user_id=card.owner_user_id if card else None, **row)
                if refusal is None and card is not None:
                    refusal = await self._within_caps(created, card)
                if refusal is not None:
                    await EtcDebit.filter(id=created.id).update(status=DebitStatus.REFUSED, refusal=refusal.code.value)
                    created.status, created.refusal = DebitStatus.REFUSED, refusal.code.value
            return created, False, refusal
        except IntegrityError:
            existing = await EtcDebit.get(merchant_id=merchant.id, idempotency_key=key)
        if existing.fingerprint != fingerprint:
            raise refused(Code.DUPLICATE_KEY)
        return existing, True, None

    async def _within_caps(self, row: EtcDebit, card: EtcCard) -> EtcError | None:
        """Count the attempt, then reserve the amount of the day's allowance; the refusal, if any."""
        if not await caps.count_attempt(card.id, row.day, self.settings.attempts_per_day):
            return refused(Code.ATTEMPTS_EXHAUSTED, most=self.settings.attempts_per_day)
        if row.amount > self.settings.per_debit_max:
            return refused(Code.OVER_PER_DEBIT_CAP, amount_fen=row.amount, limit_fen=self.settings.per_debit_max)
        if not await caps.reserve(card.id, row.day, row.amount, self.settings.daily_max):
            return refused(Code.OVER_DAILY_CAP, amount_fen=row.amount, limit_fen=self.settings.daily_max)
        return None

    def _replay(self, row: EtcDebit, merchant: EtcMerchant) -> Debit:
        if row.status is DebitStatus.PENDING:
            raise refused(Code.DEBIT_IN_PROGRESS)
        if row.status is not DebitStatus.SUCCEEDED:
            code = Code(row.refusal)
            limit = {Code.OVER_PER_DEBIT_CAP: self.settings.per_debit_max,
                     Code.OVER_DAILY_CAP: self.settings.daily_max}.get(code, row.amount)
            raise refused(code, amount_fen=row.amount, limit_fen=limit, most=self.settings.attempts_per_day)
        return Debit.of(row, merchant.name, replayed=True)

    async def _refuse(self, row: EtcDebit, error: EtcError) -> EtcError:
        await EtcDebit.filter(id=row.id).update(status=DebitStatus.REFUSED, refusal=error.code.value)
        return error

    # -- debits -----------------------------------------------------------------------------

    async def debit(self, *, merchant: EtcMerchant, plate: str, amount: int, idempotency_key: str) -> Debit:
        """Debit the plate's card for the merchant, within the caps; see the module's notes."""
        plate = checked_plate(plate)
        amount = _checked_amount(amount)
        key = _checked_key(idempotency_key)
        now = datetime.now(timezone.utc)
        try:  # read before the key is taken, so the new row is written once with its card
            card, refusal = await self._debitable_card(plate, now), None
        except EtcError as refused_card:
            card, refusal = None, refused_card
        row, seen, refusal = await self._take_key(
            merchant, key, _fingerprint(kind="debit", plate=plate, amount=amount), card, refusal,
            kind=DebitKind.DEBIT, plate=plate, amount=amount, day=cst_day(now), created_at=now,
        )
        if seen:
            return await self._replay_or_resume(row, merchant, now)
        if refusal is not None:
            raise refusal
        return await self._charge(row, merchant, card, now, preauth=None)

    async def _replay_or_resume(self, row: EtcDebit, merchant: EtcMerchant, now: datetime) -> Debit:
        """A request seen before; one left pending by a process that stopped before the ledger
        posted (the entry and the row's outcome commit together, so it did not) is carried on."""
        if row.status is DebitStatus.PENDING and now - row.created_at > STALE:
            card = await EtcCard.get(id=row.card_id)
            preauth = await EtcPreauth.get(id=row.preauth_id) if row.preauth_id is not None else None
            return await self._charge(row, merchant, card, now, preauth=preauth)
        return self._replay(row, merchant)

    async def _charge(self, row: EtcDebit, merchant: EtcMerchant, card: EtcCard, now: datetime,
                      preauth: EtcPreauth | None) -> Debit:
        """Move the money of a request whose caps were counted (its amount reserved)."""
        amount, day = row.amount, row.day

        async def written(entry: ledger.PostedEntry) -> None:
            await EtcDebit.filter(id=row.id).update(status=DebitStatus.SUCCEEDED, entry_id=entry.id)
            if preauth is not None:
                await EtcPreauth.filter(id=preauth.id).update(status=PreauthStatus.CAPTURED)
            await self._tell(user_id=card.owner_user_id, topic="etc.debit",
                             title=Text("etc.notice_debit_title", amount=yuan(amount)).render("zh-CN"),
                             body=Text("etc.notice_debit_body", merchant=merchant.name, plate=masked_plate(card.plate),
                                       amount=yuan(amount)).render("zh-CN"))

        try:
            if preauth is None:
                await self.ledger.direct_debit(
                    by=BANK, mandate_id=card.mandate_id, to_account_id=merchant.account_id, amount=amount,
                    idempotency_key=f"etc:debit:{row.id}", memo=f"ETC {merchant.name}"[:140], also_write=written,
                )
            else:
                await self.ledger.capture_hold(
                    by=BANK, hold_id=preauth.hold_id, amount=amount, to_account_id=merchant.account_id,
                    idempotency_key=f"etc:debit:{row.id}", memo=f"ETC {merchant.name}"[:140], final=True,
                    also_write=written,
                )
        except ledger.InsufficientFunds:
            await caps.give_back(card.id, day, amount)
            await self._unpaid(row, merchant, card, now)
            raise refused(Code.INSUFFICIENT_FUNDS, amount_fen=amount) from None
        except ledger.HoldExceeded as exc:
            await caps.give_back(card.id, day, amount)
            raise await self._refuse(row, refused(Code.CAPTURE_EXCEEDS_HOLD, amount_fen=amount,
                                                  limit_fen=exc.remaining)) from None
        except (ledger.HoldNotActive, ledger.HoldExpired):
            await caps.give_back(card.id, day, amount)
            raise await self._refuse(row, refused(Code.PREAUTH_NOT_HELD)) from None
        except (ledger.AccountFrozen, ledger.AccountClosed, ledger.LimitExceeded, ledger.MandateRevoked,
                ledger.MandateCeilingExceeded, ledger.MandateNotFound):
            await caps.give_back(card.id, day, amount)
            raise await self._refuse(row, refused(Code.ACCOUNT_REFUSED)) from None
        except BaseException:
            await caps.give_back(card.id, day, amount)
            raise
        row.status = DebitStatus.SUCCEEDED
        return Debit.of(row, merchant.name)

    async def _unpaid(self, row: EtcDebit, merchant: EtcMerchant, card: EtcCard, now: datetime) -> None:
        """The account could not pay: the merchant is owed it, repaid from the next money in; the
        card is blacklisted after ``failures_before_blacklist`` of these in a row."""
        async with in_transaction():
            await EtcDebit.filter(id=row.id).update(status=DebitStatus.UNPAID, refusal=Code.INSUFFICIENT_FUNDS.value)
            await EtcDebt.create(debit_id=row.id, card_id=card.id, account_id=card.account_id, amount=row.amount,
                                 created_at=now)
            await EtcCard.filter(id=card.id).update(failures=F("failures") + 1)
            await EtcCard.filter(id=card.id, blacklisted_at__isnull=True,
                                 failures__gte=self.settings.failures_before_blacklist).update(blacklisted_at=now)
            await self._tell(user_id=card.owner_user_id, topic="etc.unpaid",
                             title=Text("etc.notice_unpaid_title", amount=yuan(row.amount)).render("zh-CN"),
                             body=Text("etc.notice_unpaid_body", merchant=merchant.name,
                                       plate=masked_plate(card.plate), amount=yuan(row.amount)).render("zh-CN"))

    # -- car parks: hold at entry, capture at exit --------------------------------------------

    async def hold(self, *, merchant: EtcMerchant, plate: str, amount: int, idempotency_key: str) -> Preauth:
        """Hold up to the per-debit cap on the plate's card at a car park's entry."""
        plate = checked_plate(plate)
        amount = _checked_amount(amount)
        key = _checked_key(idempotency_key)
        fingerprint = _fingerprint(kind="hold", plate=plate, amount=amount)
        existing = await EtcPreauth.get_or_none(merchant_id=merchant.id, idempotency_key=key)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise refused(Code.DUPLICATE_KEY)
            return Preauth.of(existing, replayed=True)
        now = datetime.now(timezone.utc)
        card = await self._debitable_card(plate, now)
        if amount > self.settings.per_debit_max:
            raise refused(Code.OVER_PER_DEBIT_CAP, amount_fen=amount, limit_fen=self.settings.per_debit_max)
        try:
            row = await EtcPreauth.create(merchant=merchant, idempotency_key=key, fingerprint=fingerprint,
                                          card_id=card.id, amount=amount)
        except IntegrityError:  # the same request at the same moment
            return await self.hold(merchant=merchant, plate=plate, amount=amount, idempotency_key=key)
        try:
            placed = await self.ledger.place_mandate_hold(
                by=BANK, mandate_id=card.mandate_id, amount=amount, idempotency_key=f"etc:preauth:{row.id}",
                memo=f"ETC {merchant.name}"[:140], expires_at=now + timedelta(hours=self.settings.preauth_hours),
            )
        except ledger.InsufficientFunds:
            await row.delete()
            raise refused(Code.INSUFFICIENT_FUNDS, amount_fen=amount) from None
        except (ledger.AccountFrozen, ledger.AccountClosed, ledger.LimitExceeded, ledger.MandateRevoked,
                ledger.MandateCeilingExceeded, ledger.MandateNotFound):
            await row.delete()
            raise refused(Code.ACCOUNT_REFUSED) from None
        await EtcPreauth.filter(id=row.id).update(hold_id=placed.id)
        row.hold_id = placed.id
        return Preauth.of(row)

    async def _preauth(self, merchant: EtcMerchant, preauth_id: int) -> EtcPreauth:
        row = await EtcPreauth.get_or_none(id=preauth_id, merchant_id=merchant.id) if isinstance(
            preauth_id, int) else None
        if row is None or row.hold_id is None:
            raise refused(Code.PREAUTH_NOT_FOUND)
        return row

    async def capture(self, *, merchant: EtcMerchant, preauth_id: int, amount: int, idempotency_key: str) -> Debit:
        """At the exit: take ``amount`` (at most what was held) and release the rest."""
        amount = _checked_amount(amount)
        key = _checked_key(idempotency_key)
        preauth = await self._preauth(merchant, preauth_id)
        card = await EtcCard.get(id=preauth.card_id)
        now = datetime.now(timezone.utc)
        held = None if preauth.status is PreauthStatus.HELD else refused(Code.PREAUTH_NOT_HELD)
        row, seen, refusal = await self._take_key(
            merchant, key, _fingerprint(kind="capture", preauth=preauth.id, amount=amount), card, held,
            kind=DebitKind.CAPTURE, plate=card.plate, amount=amount, preauth_id=preauth.id, day=cst_day(now),
            created_at=now,
        )
        if seen:
            return await self._replay_or_resume(row, merchant, now)
        if refusal is not None:
            raise refusal
        return await self._charge(row, merchant, card, now, preauth=preauth)

    async def release(self, *, merchant: EtcMerchant, preauth_id: int) -> Preauth:
        """The car left without paying here (or the merchant cancels): give the hold back."""
        preauth = await self._preauth(merchant, preauth_id)
        if preauth.status is PreauthStatus.HELD:
            await self.ledger.release_hold(by=BANK, hold_id=preauth.hold_id)
            await EtcPreauth.filter(id=preauth.id, status=PreauthStatus.HELD).update(status=PreauthStatus.RELEASED)
            preauth = await EtcPreauth.get(id=preauth.id)
        return Preauth.of(preauth)

    # -- debts and the blacklist --------------------------------------------------------------

    async def repay_from(self, entry: ledger.PostedEntry) -> int:
        """Money arrived (the ledger's ``on_credit``): repay the open debts of the credited
        accounts' cards, oldest first, while it lasts. Each debt is repaid once: the debt row
        moves to REPAID in the repayment's own transaction, or the repayment does not post."""
        accounts = [leg.account_id for leg in entry.legs if leg.amount > 0]
        debts = await EtcDebt.filter(account_id__in=accounts, status=DebtStatus.OPEN).order_by("id")
        repaid = 0
        for debt in debts:
            if not await self._repay(debt, key=f"etc:repay:{debt.id}:{entry.id}"):
                break
            repaid += 1
        return repaid

    async def repay_open_debts(self, *, card_id: int) -> int:
        """Try the card's open debts now (a sweep, or after a failed listener)."""
        repaid = 0
        for debt in await EtcDebt.filter(card_id=card_id, status=DebtStatus.OPEN).order_by("id"):
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
            if not await self._repay(debt, key=f"etc:repay:{debt.id}:sweep:{stamp}"):
                break
            repaid += 1
        return repaid

    async def _repay(self, debt: EtcDebt, *, key: str) -> bool:
        card = await EtcCard.get(id=debt.card_id)
        debit = await EtcDebit.get(id=debt.debit_id).select_related("merchant")
        now = datetime.now(timezone.utc)

        class AlreadyRepaid(Exception):
            pass

        async def written(entry: ledger.PostedEntry) -> None:
            changed = await EtcDebt.filter(id=debt.id, status=DebtStatus.OPEN).update(
                status=DebtStatus.REPAID, entry_id=entry.id, repaid_at=now)
            if not changed:
                raise AlreadyRepaid()  # another credit repaid it first: this entry must not post
            if not await EtcDebt.exists(card_id=card.id, status=DebtStatus.OPEN):
                await EtcCard.filter(id=card.id).update(blacklisted_at=None, failures=0)
            await self._tell(user_id=card.owner_user_id, topic="etc.repaid",
                             title=Text("etc.notice_repaid_title", amount=yuan(debt.amount)).render("zh-CN"),
                             body=Text("etc.notice_repaid_body", merchant=debit.merchant.name,
                                       plate=masked_plate(card.plate), amount=yuan(debt.amount)).render("zh-CN"))

        try:
            await self.ledger.direct_debit(
                by=BANK, mandate_id=card.mandate_id, to_account_id=debit.merchant.account_id, amount=debt.amount,
                idempotency_key=key, memo=f"ETC repayment {debit.merchant.name}"[:140], also_write=written,
            )
        except AlreadyRepaid:
            return True
        except ledger.LedgerError:
            return False
        return True

    async def is_blacklisted(self, *, plate: str) -> tuple[bool, datetime | None]:
        """Whether the plate's live card is blacklisted (an overdue debt lists it now)."""
        plate = checked_plate(plate)
        card = await EtcCard.get_or_none(live_plate=plate)
        if card is None:
            return False, None
        now = datetime.now(timezone.utc)
        # A card owes something only after a failure (failures go back to 0 once all is repaid).
        if card.blacklisted_at is None and card.failures and await self._overdue(card.id, now):
            await self._blacklist(card.id, now)
            return True, now
        return card.blacklisted_at is not None, card.blacklisted_at
