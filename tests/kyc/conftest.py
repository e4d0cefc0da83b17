"""The KYC tests run the real engines; one set is loaded per test session and shared."""

from __future__ import annotations

from datetime import date

import pytest

from kyc.config import KycConfig
from kyc.engines import Engines

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="session")
def engines() -> Engines:
    return Engines(KycConfig())
