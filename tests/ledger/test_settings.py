"""The ledger's limits and step-up threshold come from the environment, checked at start-up."""

import pytest

from ledger.config import LedgerSettings
from ledger.limits import ClassTwoLimits
from infra.settings import Settings, SettingsError
from tests.conftest import test_environ as environment


def ledger_settings(**variables: str) -> LedgerSettings:
    return LedgerSettings.from_config(Settings.from_env(environment(**variables)).config())


def test_defaults_are_the_pboc_class_two_limits_and_a_1000_yuan_step_up():
    settings = ledger_settings()

    assert settings.class_two_limits == ClassTwoLimits()
    assert (settings.step_up_above, settings.pin_max_attempts) == (1_000_00, 5)


def test_each_limit_can_be_set_in_fen():
    settings = ledger_settings(LEDGER_CLASS_TWO_DAILY_FEN="500000", LEDGER_CLASS_TWO_YEARLY_FEN="9000000",
                               LEDGER_CLASS_TWO_PER_TRANSACTION_FEN="200000", LEDGER_STEP_UP_ABOVE_FEN="50000")

    assert settings.class_two_limits == ClassTwoLimits(per_transaction=200000, daily=500000, yearly=9000000)
    assert settings.step_up_above == 50000


@pytest.mark.parametrize("value", ["ten thousand", "0", "-5", "1.5"])
def test_a_malformed_limit_stops_start_up_naming_the_variable(value):
    with pytest.raises(SettingsError, match="LEDGER_CLASS_TWO_DAILY_FEN"):
        ledger_settings(LEDGER_CLASS_TWO_DAILY_FEN=value)
