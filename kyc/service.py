"""Online account opening as other domains see it: the journey's service, built by the
composition root, the customer's verified name, and the facts marketing segments by (age and
city, never the card's reading itself). Other domains import only this module."""

from __future__ import annotations

from kyc.gb11643 import is_valid as valid_id_number
from kyc.journey import KycService, verified_masked_name
from kyc.profile import CustomerFacts, city_of, customer_facts

__all__ = ["CustomerFacts", "KycService", "city_of", "customer_facts", "valid_id_number", "verified_masked_name"]
