"""ETC's settings: the caps WeChat Pay's car-owner service uses for passenger cars as
defaults (¥2,000 a debit, ¥20,000 and 20 attempts a day, failures counted)."""

from __future__ import annotations

from dataclasses import dataclass

from infra.settings import Config, positive_int


@dataclass(frozen=True, slots=True)
class EtcSettings:
    per_debit_max: int = 200_000  # fen
    daily_max: int = 2_000_000  # fen a card a China Standard Time day
    attempts_per_day: int = 20  # debit attempts a card a day, refused ones included
    failures_before_blacklist: int = 3  # unpaid debits in a row
    debt_overdue_seconds: int = 7 * 86_400  # an older unpaid debt blacklists the card
    dispute_window_days: int = 56  # SEPA's eight weeks for an authorised direct debit
    preauth_hours: int = 72  # a car park's hold lasts this long unless captured or released

    @classmethod
    def from_config(cls, config: Config) -> EtcSettings:
        d = cls()
        return cls(
            per_debit_max=positive_int(config, "ETC_PER_DEBIT_MAX_FEN", d.per_debit_max),
            daily_max=positive_int(config, "ETC_DAILY_MAX_FEN", d.daily_max),
            attempts_per_day=positive_int(config, "ETC_ATTEMPTS_PER_DAY", d.attempts_per_day),
            failures_before_blacklist=positive_int(config, "ETC_FAILURES_BEFORE_BLACKLIST",
                                                   d.failures_before_blacklist),
            debt_overdue_seconds=positive_int(config, "ETC_DEBT_OVERDUE_SECONDS", d.debt_overdue_seconds),
            dispute_window_days=positive_int(config, "ETC_DISPUTE_WINDOW_DAYS", d.dispute_window_days),
            preauth_hours=positive_int(config, "ETC_PREAUTH_HOURS", d.preauth_hours),
        )
