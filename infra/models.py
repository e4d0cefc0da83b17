"""The base of every domain's Tortoise models.

Tortoise reads each model class's source (``inspect.getsource``, which parses the whole
module) to turn ``#:`` comments into field descriptions. This project writes none, and the
parsing cost every process a quarter of a second at start-up (the server, each worker,
each CLI command): models made from this base skip it.
"""

from __future__ import annotations

from typing import Any

from tortoise.models import Model as TortoiseModel
from tortoise.models import ModelMeta


class _WithoutComments(ModelMeta):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]):  # type: ignore[no-untyped-def]
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(TortoiseModel, metaclass=_WithoutComments):
    class Meta:
        abstract = True
