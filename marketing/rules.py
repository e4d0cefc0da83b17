"""The segment rule language: a small JSON tree, parsed once into frozen values.

    {"all": [rule, ...]}   {"any": [rule, ...]}   {"not": rule}
    {"attr": "ageBand", "in": ["25_34", "35_44"]}
    {"attr": "city", "in": ["上海市"]}
    {"attr": "accountClass", "in": ["CLASS_TWO"]}
    {"attr": "enterpriseEmployee", "is": true}
    {"event": "$page", "page": "/payroll", "appId": "", "atLeast": 2, "withinDays": 7}

Profile attributes come from KYC (age band, city) and the ledger (account class, enterprise
employee); an ``event`` leaf counts the customer's tracked events in the last ``withinDays``.
Anything else (an unknown key, a value outside its set, a tree too deep or too wide) is
refused with the path of the offending part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from infra.i18n import Text
from marketing.errors import ErrorCode, MarketingError

AGE_BANDS = ("UNDER_18", "18_24", "25_34", "35_44", "45_54", "55_64", "65_PLUS")
ACCOUNT_CLASSES = ("CLASS_ONE", "CLASS_TWO", "NONE")
MAX_DEPTH, MAX_NODES, MAX_LIST, MAX_DAYS, MAX_COUNT, MAX_TEXT = 6, 40, 50, 90, 10_000, 128
MAX_SOURCE = 8_000


@dataclass(frozen=True, slots=True)
class AllOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Not:
    rule: Rule


@dataclass(frozen=True, slots=True)
class InSet:
    """A profile attribute (ageBand, city, accountClass) with one of the values."""

    attr: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class IsTrue:
    attr: str  # enterpriseEmployee
    value: bool


@dataclass(frozen=True, slots=True)
class EventCount:
    """At least ``at_least`` events named ``name`` (on ``page``, in ``app_id``) in the last ``within_days``."""

    name: str
    at_least: int
    within_days: int
    page: str | None = None
    app_id: str | None = None


Rule = AllOf | AnyOf | Not | InSet | IsTrue | EventCount
RuleSource = str | dict[str, object]  # the JSON text, or the object it decodes to

_SET_ATTRS = {"ageBand": AGE_BANDS, "city": None, "accountClass": ACCOUNT_CLASSES}
_BOOL_ATTRS = ("enterpriseEmployee",)


def parse_rule(source: RuleSource) -> Rule:
    """The rule from its JSON text (or already-decoded object); MarketingError when it is not one."""
    if isinstance(source, str):
        if len(source) > MAX_SOURCE:
            raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_too_large", most=MAX_SOURCE), field="rule")
        try:
            source = json.loads(source)
        except ValueError:
            raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_not_json"), field="rule") from None
    counter = [0]
    return _node(source, "rule", 1, counter)


def _node(raw: Any, path: str, depth: int, counter: list[int]) -> Rule:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_too_many_parts", most=MAX_NODES), field=path)
    if depth > MAX_DEPTH:
        raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_too_deep", most=MAX_DEPTH), field=path)
    if not isinstance(raw, dict) or not raw:
        raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_not_object"), field=path)
    for combinator in ("all", "any"):
        if combinator in raw:
            _only(raw, {combinator}, path)
            parts = raw[combinator]
            if not isinstance(parts, list) or not 1 <= len(parts) <= MAX_LIST:
                raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_list", most=MAX_LIST), field=f"{path}.{combinator}")
            rules = tuple(_node(p, f"{path}.{combinator}[{i}]", depth + 1, counter) for i, p in enumerate(parts))
            return AllOf(rules) if combinator == "all" else AnyOf(rules)
    if "not" in raw:
        _only(raw, {"not"}, path)
        return Not(_node(raw["not"], f"{path}.not", depth + 1, counter))
    if "attr" in raw:
        return _attribute(raw, path)
    if "event" in raw:
        return _event(raw, path)
    raise MarketingError(ErrorCode.UNKNOWN_RULE_FIELD, Text("marketing.rule_unknown_field", name=sorted(raw)[0]), field=f"{path}.{sorted(raw)[0]}")


def _only(raw: dict, allowed: set[str], path: str) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise MarketingError(ErrorCode.UNKNOWN_RULE_FIELD, Text("marketing.rule_unknown_field", name=extra[0]), field=f"{path}.{extra[0]}")


def _attribute(raw: dict, path: str) -> Rule:
    attr = raw["attr"]
    if attr in _BOOL_ATTRS:
        _only(raw, {"attr", "is"}, path)
        if not isinstance(raw.get("is"), bool):
            raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_needs_boolean", name=attr), field=f"{path}.is")
        return IsTrue(attr, raw["is"])
    if not isinstance(attr, str) or attr not in _SET_ATTRS:
        raise MarketingError(ErrorCode.UNKNOWN_RULE_FIELD, Text("marketing.rule_unknown_attribute", name=str(attr)[:40]), field=f"{path}.attr")
    _only(raw, {"attr", "in"}, path)
    values = raw.get("in")
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_LIST:
        raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_list", most=MAX_LIST), field=f"{path}.in")
    allowed = _SET_ATTRS[attr]
    for i, value in enumerate(values):
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT:
            raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_bad_value", name=attr), field=f"{path}.in[{i}]")
        if allowed is not None and value not in allowed:
            raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_value_not_allowed", name=attr, allowed=", ".join(allowed)), field=f"{path}.in[{i}]")
    return InSet(attr, frozenset(values))


def _event(raw: dict, path: str) -> Rule:
    _only(raw, {"event", "page", "appId", "atLeast", "withinDays"}, path)
    name, page, app_id = raw["event"], raw.get("page"), raw.get("appId")
    for key, value, required in (("event", name, True), ("page", page, False), ("appId", app_id, False)):
        if value is None and not required:
            continue
        if not isinstance(value, str) or not (0 if key == "appId" else 1) <= len(value) <= MAX_TEXT:
            raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_bad_value", name=key), field=f"{path}.{key}")
    at_least, days = raw.get("atLeast", 1), raw.get("withinDays")
    if type(at_least) is not int or not 1 <= at_least <= MAX_COUNT:
        raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_count_range", most=MAX_COUNT), field=f"{path}.atLeast")
    if type(days) is not int or not 1 <= days <= MAX_DAYS:
        raise MarketingError(ErrorCode.INVALID_RULE, Text("marketing.rule_days_range", most=MAX_DAYS), field=f"{path}.withinDays")
    return EventCount(name, at_least, days, page, app_id)


def event_leaves(rule: Rule) -> list[EventCount]:
    """The behaviour parts of a rule, each counted once per evaluation."""
    if isinstance(rule, (AllOf, AnyOf)):
        return [leaf for part in rule.rules for leaf in event_leaves(part)]
    if isinstance(rule, Not):
        return event_leaves(rule.rule)
    return [rule] if isinstance(rule, EventCount) else []


def to_json(rule: Rule) -> dict:
    """The canonical JSON of a parsed rule (what is stored)."""
    if isinstance(rule, AllOf):
        return {"all": [to_json(r) for r in rule.rules]}
    if isinstance(rule, AnyOf):
        return {"any": [to_json(r) for r in rule.rules]}
    if isinstance(rule, Not):
        return {"not": to_json(rule.rule)}
    if isinstance(rule, InSet):
        return {"attr": rule.attr, "in": sorted(rule.values)}
    if isinstance(rule, IsTrue):
        return {"attr": rule.attr, "is": rule.value}
    out: dict = {"event": rule.name, "atLeast": rule.at_least, "withinDays": rule.within_days}
    if rule.page is not None:
        out["page"] = rule.page
    if rule.app_id is not None:
        out["appId"] = rule.app_id
    return out


__all__ = ["AGE_BANDS", "ACCOUNT_CLASSES", "AllOf", "AnyOf", "EventCount", "InSet", "IsTrue", "MarketingError",
           "Not", "Rule", "event_leaves", "parse_rule", "to_json"]
