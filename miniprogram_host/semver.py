"""Semantic versions (major.minor.patch with an optional pre-release), compared properly."""

from __future__ import annotations

import re

_SEMVER = re.compile(
    r"(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


def is_semver(text: object) -> bool:
    return isinstance(text, str) and len(text) <= 64 and _SEMVER.fullmatch(text) is not None


def version_key(text: str) -> tuple:
    """A sort key: 1.2.0-beta < 1.2.0 < 1.10.0. Raises ValueError on a malformed version."""
    match = _SEMVER.fullmatch(text or "")
    if match is None:
        raise ValueError(f"not a semantic version: {text!r}")
    major, minor, patch, pre = match.groups()
    if pre is None:
        pre_key: tuple = ((1,),)
    else:
        pre_key = ((0,), *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    return (int(major), int(minor), int(patch), pre_key)
