from __future__ import annotations

import pytest


@pytest.fixture
def environ(environ):
    """Class II limits (PBOC: 10,000 yuan a day) bind before ETC's own caps; raised here so the
    tests reach ETC's, as an account with a raised limit would."""
    environ.update(LEDGER_CLASS_TWO_PER_TRANSACTION_FEN="100000000", LEDGER_CLASS_TWO_DAILY_FEN="100000000",
                   LEDGER_CLASS_TWO_YEARLY_FEN="1000000000")
    return environ
