"""The six monitoring rules: what each measures, its thresholds and how it decides.

Each rule turns the customer's recent behaviour (``Signals``, read from Redis in one round
trip) and one movement into a finding or nothing. Operators choose each rule's action
(step-up, hold or block) and thresholds; ``checked_setting`` validates what they send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from infra.i18n import Text, yuan
from ledger.service import MovementFacts, Verdict
from monitoring import errors

MAX_WINDOW_SECONDS = 30 * 24 * 3600  # state in Redis lives at most this long


@dataclass(frozen=True, slots=True)
class Bound:
    """An integer threshold's allowed range."""

    minimum: int
    maximum: int


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    default_action: Verdict
    defaults: Mapping[str, int]
    bounds: Mapping[str, Bound]
    description: Text


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """One rule as operators have configured it."""

    name: str
    enabled: bool
    action: Verdict
    thresholds: Mapping[str, int] = field(default_factory=dict)

    def __getitem__(self, threshold: str) -> int:
        return self.thresholds[threshold]


@dataclass(frozen=True, slots=True)
class Signals:
    """The customer's recent behaviour, this movement included where it counts."""

    movements_in_window: int
    near_threshold_in_window: int  # 0 when this movement is not just under the threshold
    payees_in_window: int  # distinct accounts paid; 0 for a transfer between own accounts
    wrong_pins_in_window: int
    history_count: int  # movements before this one in the customer's amount history
    history_sum: int
    device_first_seen_ms: int | None  # when this session's device was first seen, if known
    now_ms: int


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    action: Verdict
    reason: Text


_WINDOW = Bound(1, MAX_WINDOW_SECONDS)
_AMOUNT = Bound(1, 10**15)

SPECS: dict[str, RuleSpec] = {spec.name: spec for spec in (
    RuleSpec("velocity", Verdict.HOLD, {"max_movements": 30, "window_seconds": 600},
             {"max_movements": Bound(1, 10_000), "window_seconds": _WINDOW}, Text("monitoring.rule_velocity")),
    RuleSpec("amount_above_history", Verdict.HOLD, {"multiple": 10, "min_history": 5, "min_amount": 500_00},
             {"multiple": Bound(2, 1_000), "min_history": Bound(1, 1_000), "min_amount": _AMOUNT},
             Text("monitoring.rule_amount_above_history")),
    RuleSpec("new_device_large", Verdict.HOLD, {"device_age_seconds": 24 * 3600, "min_amount": 2_000_00},
             {"device_age_seconds": _WINDOW, "min_amount": _AMOUNT}, Text("monitoring.rule_new_device_large")),
    RuleSpec("wrong_pins", Verdict.BLOCK, {"max_wrong": 3, "window_seconds": 3600},
             {"max_wrong": Bound(1, 100), "window_seconds": _WINDOW}, Text("monitoring.rule_wrong_pins")),
    RuleSpec("just_under_step_up", Verdict.STEP_UP, {"band_percent": 10, "max_count": 3, "window_seconds": 24 * 3600},
             {"band_percent": Bound(1, 50), "max_count": Bound(1, 1_000), "window_seconds": _WINDOW},
             Text("monitoring.rule_just_under_step_up")),
    RuleSpec("many_payees", Verdict.HOLD, {"max_payees": 5, "window_seconds": 3600},
             {"max_payees": Bound(1, 1_000), "window_seconds": _WINDOW}, Text("monitoring.rule_many_payees")),
)}

ACTIONS = (Verdict.STEP_UP, Verdict.HOLD, Verdict.BLOCK)


def default_setting(name: str) -> RuleSetting:
    spec = SPECS[name]
    return RuleSetting(name, True, spec.default_action, dict(spec.defaults))


def checked_setting(name: str, *, enabled: bool, action: str, thresholds: Mapping[str, object],
                    current: RuleSetting) -> RuleSetting:
    """The rule as an operator asked for it, or the typed error that says what is wrong.
    Thresholds not named keep their current values."""
    spec = SPECS.get(name)
    if spec is None:
        raise errors.UnknownRule(name)
    try:
        verdict = Verdict(action)
    except ValueError:
        verdict = Verdict.ALLOW
    if verdict not in ACTIONS:
        raise errors.InvalidAction(action)
    merged = dict(current.thresholds)
    for threshold, value in thresholds.items():
        bound = spec.bounds.get(threshold)
        if bound is None:
            raise errors.UnknownThreshold(name, threshold)
        if isinstance(value, bool) or not isinstance(value, int) or not bound.minimum <= value <= bound.maximum:
            raise errors.InvalidThreshold(threshold, minimum=bound.minimum, maximum=bound.maximum)
        merged[threshold] = value
    return RuleSetting(name, bool(enabled), verdict, merged)


def near_band(setting: RuleSetting, above: int) -> tuple[int, int]:
    """Amounts just under the step-up threshold: more than (100 - band)% of it, up to it."""
    return above - above * setting["band_percent"] // 100, above


def _minutes(seconds: int) -> int:
    return max(seconds // 60, 1)


def _velocity(s: RuleSetting, facts: MovementFacts, sig: Signals) -> Text | None:
    if sig.movements_in_window > s["max_movements"]:
        return Text("monitoring.reason_velocity", count=sig.movements_in_window, minutes=_minutes(s["window_seconds"]))
    return None


def _amount_above_history(s: RuleSetting, facts: MovementFacts, sig: Signals) -> Text | None:
    if sig.history_count < s["min_history"] or facts.amount < s["min_amount"]:
        return None
    # amount > multiple x mean, in integers: amount x n > multiple x sum
    if facts.amount * sig.history_count > s["multiple"] * sig.history_sum:
        return Text("monitoring.reason_amount_above_history", multiple=s["multiple"],
                    mean=yuan(sig.history_sum // sig.history_count))
    return None


def _new_device_large(s: RuleSetting, facts: MovementFacts, sig: Signals) -> Text | None:
    first = sig.device_first_seen_ms
    if not first or facts.amount < s["min_amount"]:  # unknown, or the customer's first device
        return None
    if sig.now_ms - first < s["device_age_seconds"] * 1000:
        return Text("monitoring.reason_new_device_large", hours=max(s["device_age_seconds"] // 3600, 1),
                    amount=yuan(s["min_amount"]))
    return None


def _wrong_pins(s: RuleSetting, facts: MovementFacts, sig: Signals) -> Text | None:
    if sig.wrong_pins_in_window >= s["max_wrong"]:
        return Text("monitoring.reason_wrong_pins", count=sig.wrong_pins_in_window,
                    minutes=_minutes(s["window_seconds"]))
    return None


def _just_under_step_up(s: RuleSetting, facts: MovementFacts, sig: Signals) -> Text | None:
    if sig.near_threshold_in_window >= s["max_count"]:
        return Text("monitoring.reason_just_under_step_up", count=sig.near_threshold_in_window,
                    threshold=yuan(facts.step_up_above))
    return None


def _many_payees(s: RuleSetting, facts: MovementFacts, sig: Signals) -> Text | None:
    if sig.payees_in_window > s["max_payees"]:
        return Text("monitoring.reason_many_payees", count=sig.payees_in_window, minutes=_minutes(s["window_seconds"]))
    return None


_EVALUATE: dict[str, Callable[[RuleSetting, MovementFacts, Signals], Text | None]] = {
    "velocity": _velocity, "amount_above_history": _amount_above_history, "new_device_large": _new_device_large,
    "wrong_pins": _wrong_pins, "just_under_step_up": _just_under_step_up, "many_payees": _many_payees,
}


def findings(settings: Mapping[str, RuleSetting], facts: MovementFacts, signals: Signals) -> list[Finding]:
    """Every enabled rule that triggers on this movement, most severe first (ties in rule order)."""
    found = []
    for name, setting in settings.items():
        if setting.enabled:
            reason = _EVALUATE[name](setting, facts, signals)
            if reason is not None:
                found.append(Finding(name, setting.action, reason))
    return sorted(found, key=lambda f: -f.action.severity)


_REASONS: dict[str, Callable[[Mapping[str, object]], Text]] = {
    "velocity": lambda p: Text("monitoring.reason_velocity", **p),
    "amount_above_history": lambda p: Text("monitoring.reason_amount_above_history", **p),
    "new_device_large": lambda p: Text("monitoring.reason_new_device_large", **p),
    "wrong_pins": lambda p: Text("monitoring.reason_wrong_pins", **p),
    "just_under_step_up": lambda p: Text("monitoring.reason_just_under_step_up", **p),
    "many_payees": lambda p: Text("monitoring.reason_many_payees", **p),
}


def stored_reason(rule: str, params: Mapping[str, object]) -> Text:
    """A held movement's reason again from the rule and the parameters stored with it."""
    rebuild = _REASONS.get(rule)
    return rebuild(params) if rebuild is not None else Text("monitoring.reason_unknown")
