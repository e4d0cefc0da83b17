"""A faster path for the commonest field: a plain attribute holding a scalar.

graphql-core builds a resolve-info object and runs the full completion machinery for every
field. For a field Strawberry marks as basic (no resolver, no permission, no extension) whose
type is a scalar or enum, the result is just the serialized attribute; this execution
context computes that directly and hands every other case (nulls, errors, objects, lists,
arguments, field middleware) to graphql-core unchanged.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLScalarType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class BasicLeafFastPath(StrawberryGraphQLCoreExecutionContext):
    def execute_field(self, parent_type, source, field_details_list, path, position_context) -> Any:
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)
        if (
            field_def is not None
            and getattr(field_def.resolve, "_is_default", False)
            and not node.arguments
            and not (self.middleware_manager and self.middleware_manager.middlewares)
        ):
            field_type = field_def.type
            if isinstance(field_type, GraphQLNonNull):
                field_type = field_type.of_type
            if isinstance(field_type, (GraphQLScalarType, GraphQLEnumType)):
                try:
                    value = field_def.resolve(source, None)
                    if value is not None:
                        return field_type.serialize(value)
                except Exception:  # noqa: BLE001 - the regular path reports it properly
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
