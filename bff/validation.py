"""Validation of every GraphQL document: our limits first, then graphql-core's rules, cached.

It takes the place of Strawberry's QueryDepthLimiter, MaxAliasesLimiter and
ValidationCache: those limiters walked every fragment spread again, so their cost doubled
with each fragment that spread the previous one twice (see ``bff.document_limits``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from bff.document_limits import DocumentLimits, refusal

Rules = tuple[type[ASTValidationRule], ...]


@lru_cache(maxsize=1024)
def _validate(
    schema: GraphQLSchema, document: DocumentNode, rules: Rules, limits: DocumentLimits, hide_suggestions: bool
) -> list[GraphQLError]:
    refused = refusal(document, limits)
    if refused is not None:
        return [refused]
    rules = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)  # as Strawberry's own validation
    return validate(schema, document, rules, hide_suggestions=hide_suggestions)


class BoundedValidation(SchemaExtension):
    """``extra_rules`` join the specified rules; ``hide_suggestions`` drops "Did you mean" text."""

    def __init__(self, *, limits: DocumentLimits, extra_rules: Rules = (), hide_suggestions: bool) -> None:
        self.limits = limits
        self.extra_rules = extra_rules
        self.hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = _validate(
            context.schema._schema,
            context.graphql_document,
            (*context.validation_rules, *self.extra_rules),
            self.limits,
            self.hide_suggestions,
        )
        yield
