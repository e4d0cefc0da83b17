"""The ledger's own settings, read from the environment when the runtime is built."""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.settings import Config

from ledger.limits import YUAN, ClassTwoLimits
from infra.settings import positive_int


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    class_two_limits: ClassTwoLimits = field(default_factory=ClassTwoLimits)
    step_up_above: int = 1_000 * YUAN  # transfers above this many fen need a recent PIN
    step_up_seconds: int = 300
    pin_max_attempts: int = 5
    pin_lock_seconds: int = 24 * 3600

    @classmethod
    def from_config(cls, config: Config) -> LedgerSettings:
        default = cls()
        limits = default.class_two_limits
        return cls(
            class_two_limits=ClassTwoLimits(
                per_transaction=positive_int(config, "LEDGER_CLASS_TWO_PER_TRANSACTION_FEN", limits.per_transaction),
                daily=positive_int(config, "LEDGER_CLASS_TWO_DAILY_FEN", limits.daily),
                yearly=positive_int(config, "LEDGER_CLASS_TWO_YEARLY_FEN", limits.yearly),
            ),
            step_up_above=positive_int(config, "LEDGER_STEP_UP_ABOVE_FEN", default.step_up_above),
            step_up_seconds=positive_int(config, "LEDGER_STEP_UP_SECONDS", default.step_up_seconds),
            pin_max_attempts=positive_int(config, "LEDGER_PIN_MAX_ATTEMPTS", default.pin_max_attempts),
            pin_lock_seconds=positive_int(config, "LEDGER_PIN_LOCK_SECONDS", default.pin_lock_seconds),
        )
