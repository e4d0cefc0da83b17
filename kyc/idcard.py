"""Reading both sides of the resident ID card and checking what was read.

Every check is reported by name, passed or not, so a customer, a reviewer and an
operator's CLI all see why a card was refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kyc import gb11643
from kyc.ethnicity import normalise_ethnicity
from kyc.hanzi import simplified
from kyc.layout import Row, place, rows
from kyc.ocr import OcrLine
from infra.masking import mask_id_number, mask_name

MINIMUM_AGE = 16
_LABELS = {"姓名": "name", "性别": "sex", "出生": "birth", "住址": "address"}
_ORDER = ("name", "sex", "birth", "address")
_NUMBER = re.compile(r"\d{17}[\dX]")
_BIRTH = re.compile(r"(\d{4})\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})")
_DATE = r"(\d{4})\D?(\d{2})\D?(\d{2})"
_VALIDITY = re.compile(_DATE + r"\D{0,3}?(?:" + _DATE + r"|(长期))")
# Where the portrait starts, as a share of the number line's length past its start:
# the number runs from 34% to 78% of the card's width and the portrait from 62%.
_PORTRAIT_FROM_NUMBER = 0.62


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    passed: bool
    detail: str = ""


@dataclass
class Reading:
    """What one side of the card says, and every check run on it."""

    side: str
    fields: dict[str, object] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    def check(self, code: str, passed: bool, detail: str = "") -> None:
        self.checks.append(Check(code, bool(passed), detail))

    @property
    def failed(self) -> list[str]:
        return [c.code for c in self.checks if not c.passed]

    @property
    def ok(self) -> bool:
        return not self.failed

    def masked_fields(self) -> dict[str, object]:
        shown = dict(self.fields)
        if shown.get("id_number"):
            shown["id_number"] = mask_id_number(shown["id_number"])
        if shown.get("name"):
            shown["name"] = mask_name(shown["name"])
        if shown.get("address"):
            shown["address"] = shown["address"][:6] + "****"
        return shown

    def as_json(self, *, masked: bool = True) -> dict:
        values = self.masked_fields() if masked else dict(self.fields)
        return {
            "side": self.side,
            "fields": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()},
            "checks": [{"code": c.code, "passed": c.passed, "detail": c.detail} for c in self.checks],
            "failed": self.failed,
        }


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def read_front(lines: list[OcrLine], *, today: date) -> Reading:
    reading = Reading("front")
    card_rows = rows(place(lines))
    number, number_at = _find_number(card_rows)
    above = card_rows[:number_at] if number_at is not None else card_rows
    if number is not None:
        line = next(found for found in card_rows[number_at].lines if number in found.text)
        start = line.x0 + (line.x1 - line.x0) * line.text.index(number) / len(line.text)
        cutoff = start + (line.x1 - start) * _PORTRAIT_FROM_NUMBER
        above = [Row(kept) for row in above if (kept := tuple(kept_line for kept_line in row.lines if kept_line.x0 < cutoff))]
    values = _assign(above)
    name = values["name"]
    sex, ethnicity_text = _sex_and_ethnicity(values["sex"])
    birth = _birth(values["birth"])
    address = simplified(values["address"])
    ethnicity = normalise_ethnicity(ethnicity_text) if ethnicity_text else None
    reading.fields.update(
        name=name or None, sex=sex, ethnicity=ethnicity or ethnicity_text or None, birth_date=birth,
        address=address or None, id_number=number,
    )
    reading.check("NAME_READ", bool(name), "" if name else "no name found")
    reading.check("ADDRESS_READ", bool(address), "" if address else "no address found")
    reading.check("ID_NUMBER_READ", number is not None, "" if number else "no 18-character number found")
    valid = number is not None and gb11643.is_valid(number)
    reading.check("CHECK_DIGIT", valid, "" if valid else "the check character does not match (GB 11643)")
    from_number = gb11643.birth_date(number) if number else None
    reading.check(
        "BIRTH_DATE_MATCHES_NUMBER", birth is not None and birth == from_number,
        f"card {birth}, number {from_number}" if birth != from_number else "",
    )
    number_sex = gb11643.sex(number) if number else None
    reading.check("SEX_MATCHES_NUMBER", sex is not None and sex == number_sex,
                  f"card {sex}, number {number_sex}" if sex != number_sex else "")
    reading.check("ETHNICITY_RECOGNISED", ethnicity is not None,
                  "" if ethnicity else f"{ethnicity_text or 'nothing'} is not one of the 56")
    born = birth or from_number
    age = age_on(born, today) if born else None
    reading.check("AGE_AT_LEAST_16", age is not None and age >= MINIMUM_AGE,
                  f"age {age}" if age is not None else "no birth date")
    return reading


def read_back(lines: list[OcrLine], *, today: date) -> Reading:
    reading = Reading("back")
    card_rows = rows(place(lines))
    validity_at = next((i for i in range(len(card_rows) - 1, -1, -1) if _VALIDITY.search(card_rows[i].text)), None)
    valid_from = valid_until = None
    permanent = False
    if validity_at is not None:
        m = _VALIDITY.search(card_rows[validity_at].text)
        valid_from = _date(m.group(1, 2, 3))
        permanent = m.group(7) is not None
        valid_until = None if permanent else _date(m.group(4, 5, 6))
    authority_row = next((r for r in card_rows if "签发机关" in simplified(r.text)), None)
    if authority_row is None and validity_at:
        authority_row = card_rows[validity_at - 1]
    authority = simplified(authority_row.text).split("签发机关", 1)[-1] if authority_row else ""
    reading.fields.update(
        issuing_authority=authority or None, valid_from=valid_from,
        valid_until="长期" if permanent else valid_until,
    )
    reading.check("AUTHORITY_READ", bool(authority))
    readable = valid_from is not None and (permanent or valid_until is not None)
    reading.check("VALIDITY_READ", readable, "" if readable else "no validity period found")
    reading.check("VALIDITY_STARTED", valid_from is not None and valid_from <= today,
                  f"valid from {valid_from}" if valid_from and valid_from > today else "")
    expired = valid_until is not None and valid_until < today
    reading.check("NOT_EXPIRED", readable and not expired, f"expired on {valid_until}" if expired else "")
    return reading


def _find_number(card_rows: list[Row]) -> tuple[str | None, int | None]:
    for index in range(len(card_rows) - 1, -1, -1):
        found = _NUMBER.search(card_rows[index].text.upper())
        if found:
            return found.group(0), index
    return None, None


def _assign(card_rows: list[Row]) -> dict[str, str]:
    """Label rows claim their field; unlabelled rows take the next field in card order,
    and rows after the address label continue the address (it runs over up to 3 lines)."""
    values = dict.fromkeys(_ORDER, "")
    if not card_rows:
        return values
    label_x = min(r.x0 for r in card_rows)
    unit = min(one.height for r in card_rows for one in r.lines)
    current = -1
    for row in card_rows:
        text = row.text
        label = next((f for word, f in _LABELS.items() if simplified(text[:2]) == word), None)
        if label is not None and row.x0 <= label_x + 2 * unit:
            current = _ORDER.index(label)
            text = text[2:]
        elif current < _ORDER.index("address"):
            current += 1
        values[_ORDER[current]] += text
    return values


def _sex_and_ethnicity(text: str) -> tuple[str | None, str]:
    before, marker, after = text.partition("民族")
    sex = next((ch for ch in before if ch in "男女"), None)
    if marker:
        return sex, after
    rest = before[before.index(sex) + 1:] if sex else before
    return sex, rest


def _birth(text: str) -> date | None:
    found = _BIRTH.search(text)
    return _date(found.group(1, 2, 3)) if found else None


def _date(parts) -> date | None:
    try:
        return date(*(int(p) for p in parts))
    except (TypeError, ValueError):
        return None
