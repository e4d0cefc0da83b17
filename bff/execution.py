"""A faster path for the commonest field: a plain attribute holding a scalar.

graphql-core builds a resolve-info object and runs the full completion machinery for every
field. For a field Strawberry marks as basic (no resolver, no permission, no extension) whose
type is a scalar or enum, the result is just the serialized attribute; this execution
context computes that directly and hands every other case (nulls, errors, objects, lists,
arguments, field middleware) to graphql-core unchanged.

What a field needs is worked out once per field definition and kept in ``_LEAF_PLANS``,
keyed by the definition's id; the entry holds the definition itself, so the id cannot be
reused while the entry exists (schemas are built once per process: the table stays small).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Callable

from graphql import GraphQLEnumType, GraphQLField, GraphQLNonNull, GraphQLScalarType, Undefined
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bff.compiled import CompiledOperation, FieldPlan, PlanRunner, compile_operation, gather_fields

LeafPlan = tuple[Callable[[Any], Any], Callable[[Any], Any]] | None
_LEAF_PLANS: dict[int, tuple[GraphQLField, LeafPlan]] = {}
# Compiled plans of persisted operations by (schema, hash, operation name); None where the
# operation is not covered. The entry holds the schema, so its id is not reused meanwhile.
_OPERATION_PLANS: dict[tuple[int, str, str | None], tuple[Any, CompiledOperation | None]] = {}
_MAX_OPERATION_PLANS = 4096


def _leaf_plan(field_def: GraphQLField) -> LeafPlan:
    """(read the attribute, serialize it) for a basic scalar field, else None."""
    if not getattr(field_def.resolve, "_is_default", False):
        return None
    field_type = field_def.type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    if not isinstance(field_type, (GraphQLScalarType, GraphQLEnumType)):
        return None
    strawberry_field = (field_def.extensions or {}).get("strawberry-definition")
    python_name = getattr(strawberry_field, "python_name", None)
    if python_name and not getattr(strawberry_field, "base_resolver", None):
        read = attrgetter(python_name)
    else:
        resolve = field_def.resolve

        def read(source: Any) -> Any:
            return resolve(source, None)

    return read, field_type.serialize


def _plan_for(field_def: GraphQLField) -> LeafPlan:
    try:
        return _LEAF_PLANS[id(field_def)][1]
    except KeyError:
        plan = _leaf_plan(field_def)
        _LEAF_PLANS[id(field_def)] = (field_def, plan)
        return plan


def persisted_hash(context: Any) -> str | None:
    """The hash a request named its operation by (``bff.view`` records it), if it did."""
    state = getattr(getattr(context, "request", None), "state", None)
    return getattr(state, "persisted_query", None) if state is not None else None


def operation_plan(schema: Any, digest: str, operation_name: str | None) -> list[FieldPlan] | None:
    entry = _OPERATION_PLANS.get((id(schema), digest, operation_name))
    return entry[1].plan if entry is not None and entry[1] is not None else None


class BasicLeafFastPath(PlanRunner, StrawberryGraphQLCoreExecutionContext):
    """graphql-core's ``execute_fields`` with basic scalar leaves computed inline.

    The loop is graphql-core 3.3's own (results in selection order, awaitables gathered at
    the end); only a leaf that has a plan skips the per-field ``Path`` and the completion
    machinery. A leaf whose value is None or whose read fails takes the regular path, so
    null checks and error reporting are graphql-core's.
    """

    def execute_operation(self, serially=None):
        """A persisted operation runs its compiled plan (``bff.compiled``) where it has one."""
        digest = persisted_hash(self.context_value)
        if digest is None or self.abort_signal is not None or (
            self.middleware_manager and self.middleware_manager.middlewares
        ):
            return super().execute_operation(serially)
        name = self.operation.name.value if self.operation.name else None
        key = (id(self.schema), digest, name)
        entry = _OPERATION_PLANS.get(key)
        if entry is None:
            if len(_OPERATION_PLANS) >= _MAX_OPERATION_PLANS:
                _OPERATION_PLANS.pop(next(iter(_OPERATION_PLANS)))
            plan = compile_operation(self.schema, self.operation, self.fragment_definitions, _plan_for)
            entry = _OPERATION_PLANS[key] = (self.schema, None if plan is None else CompiledOperation(self, plan))
        compiled = entry[1]
        if compiled is None:
            return super().execute_operation(serially)
        self.context_value.request.state.compiled_operation = compiled  # bff.lean answers the next ones
        return self.run_plan(compiled.plan)

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        if self.middleware_manager and self.middleware_manager.middlewares:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        fields = parent_type.fields
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                field_def = fields.get(node.name.value)
                if field_def is not None and not node.arguments:
                    plan = _plan_for(field_def)
                    if plan is not None:
                        try:
                            value = plan[0](source_value)
                            if value is not None:
                                results[response_name] = plan[1](value)
                                continue
                        except Exception:  # noqa: BLE001 - the regular path reports it properly
                            pass
                result = self.execute_field(
                    parent_type, source_value, field_details_list,
                    Path(path, response_name, parent_type.name), position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        return results if not awaitable_fields else gather_fields(results, awaitable_fields)


class WithoutSuggestions(BasicLeafFastPath):
    """The same execution with "Did you mean ...?" left out of variable coercion errors.

    Suggestions name enum values and fields the client did not ask for, which is schema
    a production server does not hand out when introspection is off.
    """

    @classmethod
    def build(cls, *args: Any, **kwargs: Any):
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)
