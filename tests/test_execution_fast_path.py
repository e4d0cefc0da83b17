"""The leaf fast path answers exactly what graphql-core's regular path answers."""

from __future__ import annotations

import enum

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bff.execution import BasicLeafFastPath


@strawberry.enum
class Kind(enum.Enum):
    CLASS_I = "class_i"
    CLASS_II = "class_ii"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    amount: int
    ratio: float
    kind: Kind
    note: str | None
    required: str

    @strawberry.field
    def computed(self) -> str:
        return self.name.upper()


class Exploding:
    """An object whose attribute read fails: the error must be reported, not swallowed."""

    id = "x"
    name = "boom"
    amount = 1
    ratio = 1.0
    kind = Kind.CLASS_I
    note = None

    @property
    def required(self) -> str:
        raise RuntimeError("attribute failed")


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(id=strawberry.ID("1"), name="a", amount=1, ratio=0.5, kind=Kind.CLASS_II, note=None, required="r"),
            Item(id=strawberry.ID("2"), name="b", amount=2, ratio=1.5, kind=Kind.CLASS_I, note="n", required=None),  # type: ignore[arg-type]
        ]

    @strawberry.field
    def exploding(self) -> Item:
        return Exploding()  # type: ignore[return-value]


QUERY = "{ items { id name amount ratio kind note required computed alias: name __typename } }"


def _schemas():
    fast = strawberry.Schema(query=Query, execution_context_class=BasicLeafFastPath)
    regular = strawberry.Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext)
    return fast, regular


@pytest.mark.parametrize("query", [QUERY, "{ exploding { id required } }", "{ exploding { name kind } }"])
def test_fast_path_answers_like_the_regular_path(query):
    fast, regular = _schemas()

    got, expected = fast.execute_sync(query), regular.execute_sync(query)

    assert got.data == expected.data
    assert [(e.message, e.path) for e in got.errors or []] == [(e.message, e.path) for e in expected.errors or []]


def test_a_null_in_a_non_null_leaf_is_an_error_with_its_path():
    fast, _ = _schemas()

    result = fast.execute_sync("{ items { id required } }")

    assert result.data is None
    assert result.errors[0].path == ["items", 1, "required"]
