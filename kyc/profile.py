"""What marketing may know of a verified customer: age in years and city, nothing more.

Read from the opened application's sealed card reading, decrypted here and reduced at once:
neither the birth date nor the address leaves this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from infra.pii import PiiCipher
from kyc.idcard import age_on
from kyc.models import KycApplication, State

# A municipality, or the first prefecture-level name after the province or region.
_CITY = re.compile(r"^(?:(北京市|上海市|天津市|重庆市)|(?:.{2,10}?(?:省|自治区))?(.{1,10}?(?:市|自治州|地区|盟)))")


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    user_id: int
    age: int | None
    city: str | None


def city_of(address: str | None) -> str | None:
    """``广东省广州市天河区…`` -> ``广州市``; ``上海市浦东新区…`` -> ``上海市``."""
    found = _CITY.match(address or "")
    return (found.group(1) or found.group(2)) if found else None


async def customer_facts(*, cipher: PiiCipher, user_ids: list[int], today: date) -> dict[int, CustomerFacts]:
    """Age and city of those of ``user_ids`` whose account opening was approved (one query)."""
    if not user_ids:
        return {}
    rows = await KycApplication.filter(user_id__in=user_ids, state=State.OPENED).order_by("id").values(
        "id", "user_id", "front_ct")
    facts: dict[int, CustomerFacts] = {}
    for row in rows:  # the latest opened application wins
        fields = json.loads(cipher.decrypt(row["front_ct"], context=f"kyc:{row['id']}:front")) if row["front_ct"] else {}
        born = date.fromisoformat(fields["birth_date"]) if fields.get("birth_date") else None
        facts[row["user_id"]] = CustomerFacts(row["user_id"], age_on(born, today) if born else None,
                                              city_of(fields.get("address")))
    return facts
