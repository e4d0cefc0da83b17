"""The ledger's own settings, read from the environment when the runtime is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
    payee_lookups_per_hour: int = 30  # previews and payments by phone or account number, per payer
    statement_max_days: int = 366
    statement_max_lines: int = 5_000
    statements_per_hour: int = 30  # downloads per customer
    statement_font: Path = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

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
            payee_lookups_per_hour=positive_int(config, "LEDGER_PAYEE_LOOKUPS_PER_HOUR", default.payee_lookups_per_hour),
            statement_max_days=positive_int(config, "LEDGER_STATEMENT_MAX_DAYS", default.statement_max_days),
            statement_max_lines=positive_int(config, "LEDGER_STATEMENT_MAX_LINES", default.statement_max_lines),
            statements_per_hour=positive_int(config, "LEDGER_STATEMENTS_PER_HOUR", default.statements_per_hour),
            statement_font=Path(config("LEDGER_STATEMENT_FONT", default=str(default.statement_font))),
        )
