"""JSON from a /graphql request, with its nesting bounded (GRAPHQL_MAX_JSON_DEPTH).

Python's decoder raises RecursionError a few hundred levels down, which escaped as a raw
500; deep values that do decode would then recurse again in variable coercion. Both
become one typed refusal of that request.
"""

from __future__ import annotations

import json
from typing import Any

LIMIT_SETTING = "GRAPHQL_MAX_JSON_DEPTH"  # at most 256: well below where the decoder itself gives up


class JsonTooDeep(json.JSONDecodeError):
    """A JSONDecodeError, so the websocket transport closes the socket as for any bad frame."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels", "", 0)
        self.limit = limit


def nesting(value: Any, stop_after: int) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0), counted up to ``stop_after + 1``."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > stop_after:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def loads(data: str | bytes, *, max_depth: int) -> Any:
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    if nesting(value, max_depth) > max_depth:
        raise JsonTooDeep(max_depth)
    return value
