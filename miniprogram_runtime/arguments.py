"""The shape every bridge call's arguments must have, whatever the API: checked once, before
any handler runs, so a caller's odd JSON is that call's INVALID_INPUT and never a failure of
the app (which would count against its circuit).

Nesting is bounded (the args object is the first level): the JSON encoder and PostgreSQL
refuse deep values with untyped errors. No string may hold U+0000, which PostgreSQL text
cannot store. The walk is iterative, so no input can exhaust the stack.
"""

from __future__ import annotations

from infra.i18n import Text
from miniprogram_runtime.errors import InvalidArguments


def check_arguments(args: dict, *, max_depth: int) -> None:
    """Raise InvalidArguments, naming the top-level argument, for the first value out of shape."""
    for name, value in args.items():
        _check_value(name, value, max_depth=max_depth)


def _check_value(name: object, value: object, *, max_depth: int) -> None:
    field = name if isinstance(name, str) and "\x00" not in name else None
    pending: list[tuple[object, int]] = [(name, 1), (value, 2)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidArguments(Text("miniprogram_runtime.nul_character"), field=field)
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise InvalidArguments(Text("miniprogram_runtime.too_deep", max=max_depth), field=field)
            if isinstance(item, dict):
                pending.extend((key, depth) for key in item)
                pending.extend((child, depth + 1) for child in item.values())
            else:
                pending.extend((child, depth + 1) for child in item)
