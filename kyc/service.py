"""Online account opening as other domains see it: the journey's service, built by the
composition root, and the customer's verified name. Other domains import only this module."""

from __future__ import annotations

from kyc.gb11643 import is_valid as valid_id_number
from kyc.journey import KycService, verified_masked_name

__all__ = ["KycService", "valid_id_number", "verified_masked_name"]
