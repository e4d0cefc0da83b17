"""Refuse text holding U+0000 before an operation runs.

PostgreSQL's text and jsonb cannot store the NUL character: a name, an app id or a JSON
schema holding one would fail inside the database, an internal error. No value of ours
needs it, so an operation carrying one, in its variables or in a string literal of the
document, is answered with one typed error (code ``INVALID_INPUT``, the argument or variable
in ``extensions.field``) and nothing runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

MESSAGE = "text may not contain the NUL character (U+0000)"


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False


def _variables_with_nul(variables: dict[str, Any] | None) -> Iterator[str]:
    for name, value in (variables or {}).items():
        if holds_nul(value):
            yield name


class _LiteralWithNul(Visitor):
    """Finds the first string literal holding NUL and the argument it belongs to."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_argument(self, *_: Any) -> None:
        self.names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_object_field(self, *_: Any) -> None:
        self.names.pop()

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        if "\x00" in node.value:
            self.found = self.names[-1] if self.names else ""
            return Visitor.BREAK
        return None


def _literal_with_nul(query: str | None, document: DocumentNode | None) -> str | None:
    # A NUL can reach a literal only through an escape (\u0000, \u{0}): most documents have none.
    if document is None or query is None or "\\u" not in query:
        return None
    finder = _LiteralWithNul()
    visit(document, finder)
    return finder.found


class RefuseNulText(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        field = next(_variables_with_nul(context.variables), None)
        if field is None:
            field = _literal_with_nul(context.query, context.graphql_document)
        if field is not None:
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(MESSAGE, extensions={"code": "INVALID_INPUT", "field": field})]
            )
        yield
