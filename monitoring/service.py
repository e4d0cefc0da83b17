"""Transaction monitoring's public face: the screen the ledger and identity ask, and the
operators' rules and queue of held movements.

``MonitoringService`` is the ledger's ``MovementScreen`` and identity's ``SignInScreen``
(protocols those domains own, so neither imports this package): the composition root gives
it to both. Rule state lives in Redis (``monitoring.state``, one round trip per movement);
rule settings and held movements in the database. Every operator decision and rule change
goes into the audit chain in the transaction that makes it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import redis.asyncio as aioredis
from tortoise.transactions import in_transaction

from audit import service as audit_log
from identity.service import SignInDecision
from infra.i18n import Text
from ledger.service import (
    ALLOWED, LedgerError, LedgerService, MovementFacts, PendingMovement, PostedEntry, QueuedReview, Screening, Verdict,
)
from monitoring import errors
from monitoring.errors import MonitoringErrorCode
from monitoring.models import HeldMovement, RuleConfig
from monitoring.rules import (
    SPECS, RuleSetting, checked_setting, default_setting, findings, near_band, stored_reason,
)
from monitoring.state import BehaviourStore, Windows
from monitoring.vocabulary import ReviewStatus

__all__ = ["HeldReview", "MonitoringErrorCode", "MonitoringService", "ReviewStatus", "RuleSetting", "SPECS", "Verdict"]

MAX_REASON = 500
VERSION_CHECK_SECONDS = 1.0
_OWN_MONEY = "transfer"  # between a customer's own accounts: nobody is paid


@dataclass(frozen=True, slots=True)
class HeldReview:
    """A held movement as operators (and its customer) see it."""

    id: int
    user_id: int
    from_account_id: int
    amount: int
    kind: str
    rule: str
    reason: Text
    status: ReviewStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    entry_id: int | None

    @classmethod
    def of(cls, row: HeldMovement) -> HeldReview:
        params = row.reason.get("params") if isinstance(row.reason, dict) else None
        return cls(row.id, row.user_id, row.from_account_id, row.amount, row.kind, row.rule,
                   stored_reason(row.rule, params if isinstance(params, dict) else {}),
                   row.status, row.created_at, row.decided_at, row.decided_by, row.decision_reason, row.entry_id)


class MonitoringService:
    def __init__(self, *, redis: aioredis.Redis) -> None:
        self._store = BehaviourStore(redis)
        self._settings: dict[str, RuleSetting] | None = None
        self._version = -1
        self._version_checked = 0.0
        self._windows: dict[int, Windows] = {}  # by step-up threshold, for the settings loaded
        self._ledger: LedgerService | None = None

    async def aclose(self) -> None:
        """Close the connection the screen shares between movements in flight."""
        await self._store.aclose()

    def settle_through(self, ledger: LedgerService) -> None:
        """The ledger that posts or returns held movements (built after this service, which it is given)."""
        self._ledger = ledger

    # -- the screen ---------------------------------------------------------------------

    async def screen(self, facts: MovementFacts) -> Screening:
        """Every enabled rule on one movement; the most severe finding decides, naming its rule."""
        if facts.user_id is None or facts.amount <= 0:
            return ALLOWED  # a bank service moving money: no customer's behaviour to judge
        settings = await self._current()
        windows = self._windows.get(facts.step_up_above) or self._windows_for(settings, facts.step_up_above)
        signals = await self._store.check(
            user_id=facts.user_id, session_id=facts.session_id, member=facts.idempotency_key, amount=facts.amount,
            payees=() if facts.kind == _OWN_MONEY else facts.counterparties, windows=windows, now_ms=_now_ms(),
        )
        found = findings(settings, facts, signals)
        if not found:
            return ALLOWED
        return Screening(found[0].action, found[0].rule, found[0].reason)

    async def queue(self, facts: MovementFacts, screening: Screening, pending: PendingMovement) -> QueuedReview:
        reason = screening.reason
        row, _ = await HeldMovement.get_or_create(
            idempotency_key=pending.idempotency_key,
            defaults={
                "user_id": pending.user_id, "from_account_id": pending.account_id, "amount": pending.amount,
                "kind": pending.kind, "rule": screening.rule,
                "reason": {"id": reason.id, "params": dict(reason.params)} if reason is not None else {},
                "pending": _stored(pending),
            },
        )
        return QueuedReview(review_id=row.id, status=row.status.value)

    async def pin_failed(self, *, user_id: int) -> None:
        settings = await self._current()
        await self._store.wrong_pin(user_id=user_id, now_ms=_now_ms(),
                                    window_ms=settings["wrong_pins"]["window_seconds"] * 1000)

    async def sign_in(self, *, user_id: int, session_id: str, device_id: str) -> SignInDecision:
        """A sign-in from a device never seen for this customer is refused while the wrong-PIN
        rule is tripped (someone guessing PINs moving to a new phone); otherwise the device is
        noted, first seen now if new, for the new-device rule."""
        settings = await self._load(await self._store.rules_version())
        rule = settings["wrong_pins"]
        refuse_at = rule["max_wrong"] if rule.enabled and rule.action is not Verdict.STEP_UP else 0
        allowed, pins = await self._store.sign_in(
            user_id=user_id, session_id=session_id, device_id=device_id,
            pins_ms=rule["window_seconds"] * 1000, refuse_at=refuse_at, now_ms=_now_ms(),
        )
        if allowed:
            return SignInDecision(allowed=True)
        return SignInDecision(allowed=False, rule="wrong_pins", reason=Text(
            "monitoring.reason_wrong_pins_new_device", count=pins, minutes=max(rule["window_seconds"] // 60, 1)))

    # -- rules --------------------------------------------------------------------------

    async def rules(self) -> list[RuleSetting]:
        settings = await self._load(await self._store.rules_version())
        return list(settings.values())

    async def configure_rule(self, *, operator: str, name: str, enabled: bool, action: str,
                             thresholds: Mapping[str, object]) -> RuleSetting:
        """Change one rule (thresholds not named keep their values); audited with before and after."""
        if name not in SPECS:
            raise errors.UnknownRule(name)
        async with in_transaction():
            row = await RuleConfig.select_for_update().get_or_none(name=name)
            current = _setting(name, row)
            changed = checked_setting(name, enabled=enabled, action=action, thresholds=thresholds, current=current)
            if row is None:
                row = RuleConfig(name=name)
            row.enabled, row.action = changed.enabled, changed.action.value
            row.thresholds, row.updated_by = dict(changed.thresholds), operator[:64]
            await row.save()
            await audit_log.record(actor=operator, action="monitoring.rule_changed", subject=f"rule:{name}", detail={
                "before": _described(current), "after": _described(changed)})
        await self._load(await self._store.bump_rules_version())
        return changed

    async def _current(self) -> dict[str, RuleSetting]:
        """The rules' settings, reloaded when another worker's operator changed one: its version
        is looked at most once a second, so a change reaches every worker within a second."""
        now = time.monotonic()
        if self._settings is None or now >= self._version_checked + VERSION_CHECK_SECONDS:
            self._version_checked = now
            version = await self._store.rules_version()
            if self._settings is None or version != self._version:
                return await self._load(version)
        return self._settings

    async def _load(self, version: int) -> dict[str, RuleSetting]:
        rows = {row.name: row for row in await RuleConfig.all()}
        self._settings = {name: _setting(name, rows.get(name)) for name in SPECS}
        self._version = version
        self._windows = {}
        return self._settings

    def _windows_for(self, settings: Mapping[str, RuleSetting], above: int) -> Windows:
        windows = self._windows[above] = _windows(settings, above)
        return windows

    # -- the queue ------------------------------------------------------------------------

    async def held_queue(self, *, status: ReviewStatus = ReviewStatus.HELD, limit: int = 100) -> list[HeldReview]:
        """Held movements in one state, oldest first (the operators' work list)."""
        rows = await HeldMovement.filter(status=status).order_by("id").limit(max(1, min(limit, 500)))
        return [HeldReview.of(row) for row in rows]

    async def held_of(self, *, user_id: int, limit: int = 50) -> list[HeldReview]:
        """One customer's own held movements, newest first."""
        rows = await HeldMovement.filter(user_id=user_id).order_by("-id").limit(max(1, min(limit, 200)))
        return [HeldReview.of(row) for row in rows]

    async def decide(self, *, review_id: int, release: bool, operator: str, reason: str) -> HeldReview:
        """Release (post the movement as asked) or reverse (return the reserved amount) a held
        movement; the decision, its operator and reason go into the audit chain with it."""
        reason = (reason or "").strip() if isinstance(reason, str) else ""
        if not 1 <= len(reason) <= MAX_REASON:
            raise errors.InvalidReason(MAX_REASON)
        if self._ledger is None:
            raise RuntimeError("MonitoringService.settle_through(ledger) was not called")
        row = await HeldMovement.get_or_none(id=review_id)
        if row is None:
            raise errors.ReviewNotFound()
        if row.status is not ReviewStatus.HELD:
            raise errors.ReviewAlreadyDecided(row.status.value)
        status = ReviewStatus.RELEASED if release else ReviewStatus.REVERSED

        async def record(entry: PostedEntry | None) -> None:
            # Inside the ledger's transaction: of two operators deciding at once, one wins.
            locked = await HeldMovement.select_for_update().get(id=review_id)
            if locked.status is not ReviewStatus.HELD:
                raise errors.ReviewAlreadyDecided(locked.status.value)
            now = datetime.now(timezone.utc)
            await HeldMovement.filter(id=review_id).update(
                status=status, decided_at=now, decided_by=operator[:64], decision_reason=reason,
                entry_id=entry.id if entry is not None else None)
            await audit_log.record(
                actor=operator, action=f"monitoring.held_{status.value}", subject=f"held_movement:{review_id}",
                detail={"reason": reason, "rule": locked.rule, "amount": locked.amount, "user_id": locked.user_id,
                        "from_account_id": locked.from_account_id, "kind": locked.kind,
                        "entry_id": entry.id if entry is not None else None},
            )

        try:
            entry = await self._ledger.settle_review(pending=_pending(row.pending), release=release, record=record)
        except LedgerError as refusal:
            raise errors.ReleaseRefused(refusal.args[0] if refusal.args else "") from refusal
        if entry is not None and entry.replayed:  # posted before, its decision not written (a crash between)
            async with in_transaction():
                await record(entry)
        return HeldReview.of(await HeldMovement.get(id=review_id))


def _setting(name: str, row: RuleConfig | None) -> RuleSetting:
    default = default_setting(name)
    if row is None:
        return default
    stored = row.thresholds if isinstance(row.thresholds, dict) else {}
    thresholds = {key: int(stored.get(key, value)) for key, value in default.thresholds.items()}
    return RuleSetting(name, bool(row.enabled), Verdict(row.action), thresholds)


def _described(setting: RuleSetting) -> dict[str, object]:
    return {"enabled": setting.enabled, "action": setting.action.value, "thresholds": dict(setting.thresholds)}


def _windows(settings: Mapping[str, RuleSetting], above: int) -> Windows:
    near = settings["just_under_step_up"]
    low, high = near_band(near, above)
    history = settings["amount_above_history"]
    return Windows(
        velocity_ms=settings["velocity"]["window_seconds"] * 1000, near_low=low, near_high=high,
        near_ms=near["window_seconds"] * 1000, payees_ms=settings["many_payees"]["window_seconds"] * 1000,
        pins_ms=settings["wrong_pins"]["window_seconds"] * 1000, history_multiple=history["multiple"],
        history_minimum=history["min_history"],
    )


def _stored(pending: PendingMovement) -> dict[str, object]:
    return {"user_id": pending.user_id, "session_id": pending.session_id, "legs": [list(leg) for leg in pending.legs],
            "idempotency_key": pending.idempotency_key, "memo": pending.memo, "kind": pending.kind,
            "fingerprint": pending.fingerprint, "hold_id": pending.hold_id, "account_id": pending.account_id,
            "amount": pending.amount}


def _pending(stored: Mapping[str, object]) -> PendingMovement:
    legs = stored["legs"]
    if not isinstance(legs, list):
        raise ValueError("a held movement's legs are a list")
    return PendingMovement(
        user_id=int(str(stored["user_id"])), session_id=str(stored["session_id"]),
        legs=tuple((int(account), int(amount)) for account, amount in legs),
        idempotency_key=str(stored["idempotency_key"]), memo=str(stored["memo"]), kind=str(stored["kind"]),
        fingerprint=str(stored["fingerprint"]), hold_id=int(str(stored["hold_id"])),
        account_id=int(str(stored["account_id"])), amount=int(str(stored["amount"])),
    )


def _now_ms() -> int:
    return int(time.time() * 1000)
