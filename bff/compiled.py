"""Compiled plans for persisted operations: fields collected once, executed without graphql-core's walk.

An operation that arrives by its persisted hash has been parsed and validated (both cached)
before it gets here. The first time it runs, its selections are compiled into a plan: for
each object type reached, the flat list of fields to run, with fragments inlined, each
field's definition, resolver, argument needs and return-type shape looked up once. Later
runs execute the plan directly: no field collection, no per-field type dispatch, basic
scalar leaves read inline.

Queries and mutations are compiled; a mutation's root fields run one after the other, each
awaited with its sub-fields before the next starts, as graphql-core's ``execute_fields_serially``
runs them. What the plan does not cover makes ``compile_operation`` answer None, and the
operation then runs through graphql-core as before: subscriptions, directives (``@skip``,
``@include``, ``@defer``...), a response key selected twice unless both selections are plain,
introspection, field middleware. Interfaces and unions are compiled once for each possible
object type: the runtime type picks its field list, found as graphql-core finds it
(``resolve_type``, then ``ensure_valid_runtime_type``), and fragments apply where
graphql-core's ``does_fragment_condition_match`` says they do. A field selected twice under
one key is merged when both are plain (no arguments, no sub-selection), as codegen's repeated
``__typename`` is.
Completion follows graphql-core 3.3's ``Executor`` step by step (null checks, list items,
``is_type_of``, leaf coercion) and reports errors through its own ``located_error`` and
``collected_errors``, so data, errors, their paths and their order are graphql-core's.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationType,
    Undefined,
    located_error,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.executor import invalid_return_type_error
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path, inspect, is_iterable
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from graphql.type import is_abstract_type, is_enum_type, is_object_type, is_scalar_type

_LEAF, _NON_NULL, _LIST, _OBJECT, _ABSTRACT = range(5)
_COMPILED_ROOTS = (OperationType.QUERY, OperationType.MUTATION)


class FieldPlan:
    __slots__ = ("key", "name", "definition", "nodes", "details", "shape", "has_args", "leaf")

    def __init__(self, key, name, definition, nodes, shape, leaf) -> None:
        self.key = key
        self.name = name
        self.definition = definition
        self.nodes = nodes
        self.details = [FieldDetails(node, None) for node in nodes]  # for graphql-core's own completion
        # (kind, GraphQL type, ...): (_LEAF, t) | (_NON_NULL, t, inner) | (_LIST, t, item) | (_OBJECT, t, fields)
        # | (_ABSTRACT, t, {object type name: (_OBJECT, object type, fields)})
        self.shape = shape
        self.has_args = bool(definition.args or nodes[0].arguments)
        self.leaf = leaf  # (read, serialize) for a basic scalar field, else None


async def gather_fields(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    """``results`` with its awaitable entries (named in ``pending``) awaited together, in place."""
    awaited = await gather_with_cancel(*(results[key] for key in pending))
    results.update(zip(pending, awaited, strict=True))
    return results


class Unsupported(Exception):
    """Raised while compiling: the operation runs through graphql-core instead."""


def compile_operation(schema, operation, fragments, leaf_plan) -> list[FieldPlan] | None:
    """The root fields' plan of a query or mutation, or None when any part of it is not covered."""
    if operation.operation not in _COMPILED_ROOTS or operation.directives:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    try:
        return _fields(schema, root, operation.selection_set, fragments, leaf_plan, depth=0)
    except (Unsupported, RecursionError):
        return None


def _fields(schema, parent: GraphQLObjectType, selection_set, fragments, leaf_plan, depth: int) -> list[FieldPlan]:
    if depth > 64:
        raise Unsupported()
    plans: list[FieldPlan] = []
    keys: set[str] = set()
    _collect(schema, parent, selection_set, fragments, leaf_plan, depth, plans, keys, set())
    return plans


def _collect(schema, parent, selection_set, fragments, leaf_plan, depth, plans, keys, spread) -> None:
    for selection in selection_set.selections:
        if selection.directives:
            raise Unsupported()
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            name = selection.name.value
            if name in ("__schema", "__type"):
                raise Unsupported()
            if key in keys:
                _merge(plans, key, selection)
                continue
            definition = schema.get_field(parent, name)
            if definition is None:
                raise Unsupported()
            keys.add(key)
            shape = _shape(schema, definition.type, selection, fragments, leaf_plan, depth)
            leaf = None if selection.arguments or name == "__typename" else leaf_plan(definition)
            plans.append(FieldPlan(key, name, definition, [selection], shape, leaf))
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is not None and not _applies(schema, condition.name.value, parent):
                continue
            _collect(schema, parent, selection.selection_set, fragments, leaf_plan, depth, plans, keys, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in spread or fragment.directives or fragment.variable_definitions:
                raise Unsupported()
            if not _applies(schema, fragment.type_condition.name.value, parent):
                continue
            _collect(schema, parent, fragment.selection_set, fragments, leaf_plan, depth, plans, keys, spread | {name})
        else:
            raise Unsupported()


def _merge(plans: list[FieldPlan], key: str, selection: FieldNode) -> None:
    """A second selection of ``key``: one field with both nodes, as graphql-core collects it, when both are plain."""
    existing = next(plan for plan in plans if plan.key == key)
    first = existing.nodes[0]
    if (
        selection.name.value != existing.name or selection.arguments or first.arguments
        or selection.selection_set is not None or first.selection_set is not None
    ):
        raise Unsupported()
    existing.nodes.append(selection)
    existing.details.append(FieldDetails(selection, None))


def _applies(schema, condition: str, parent: GraphQLObjectType) -> bool:
    """graphql-core's ``does_fragment_condition_match``: the type itself, or an abstract type it belongs to."""
    conditional_type = schema.get_type(condition)
    if conditional_type is None:
        raise Unsupported()
    if conditional_type is parent:
        return True
    return is_abstract_type(conditional_type) and schema.is_sub_type(conditional_type, parent)


def _shape(schema, field_type, node: FieldNode, fragments, leaf_plan, depth: int) -> tuple:
    if isinstance(field_type, GraphQLNonNull):
        return (_NON_NULL, field_type, _shape(schema, field_type.of_type, node, fragments, leaf_plan, depth))
    if isinstance(field_type, GraphQLList):
        return (_LIST, field_type, _shape(schema, field_type.of_type, node, fragments, leaf_plan, depth))
    if is_scalar_type(field_type) or is_enum_type(field_type):
        return (_LEAF, field_type)
    if is_object_type(field_type) and node.selection_set is not None:
        return (_OBJECT, field_type, _fields(schema, field_type, node.selection_set, fragments, leaf_plan, depth + 1))
    if is_abstract_type(field_type) and node.selection_set is not None:  # the runtime type picks its plan
        return (_ABSTRACT, field_type, {
            possible.name: (_OBJECT, possible, _fields(schema, possible, node.selection_set, fragments, leaf_plan, depth + 1))
            for possible in schema.get_possible_types(field_type)
        })
    raise Unsupported()


class CompiledOperation:
    """A persisted query's plan with what its executor is built from, kept to run it again without a document.

    Taken from the executor that first ran the plan (``bff.execution``): the schema, the
    operation and its fragments, the resolvers and flags Strawberry built it with. ``run``
    makes a fresh executor for each request, with its own context, variables and errors.
    """

    __slots__ = ("executor_class", "schema", "fragment_definitions", "fragments", "operation", "plan", "name",
                 "field_resolver", "type_resolver", "subscribe_field_resolver", "is_awaitable", "is_async_iterable",
                 "hide_suggestions")

    def __init__(self, executor: Any, plan: list[FieldPlan]) -> None:
        self.executor_class = type(executor)
        self.schema = executor.schema
        self.fragment_definitions = executor.fragment_definitions
        self.fragments = executor.fragments
        self.operation = executor.operation
        self.plan = plan
        self.name = executor.operation.name.value if executor.operation.name else None
        self.field_resolver = executor.field_resolver
        self.type_resolver = executor.type_resolver
        self.subscribe_field_resolver = executor.subscribe_field_resolver
        self.is_awaitable = executor.is_awaitable
        self.is_async_iterable = executor.is_async_iterable
        self.hide_suggestions = executor.hide_suggestions

    def run(self, context: Any, raw_variables: dict[str, Any] | None, extensions: dict[str, Any] | None):
        """An ExecutionResult (or an awaitable one); the coercion errors as a list when the variables do not fit."""
        values = get_variable_values(
            self.schema, self.operation.variable_definitions or (), raw_variables or {},
            max_errors=50, hide_suggestions=self.hide_suggestions,
        )
        if isinstance(values, list):
            return values
        executor = self.executor_class(
            self.schema, self.fragment_definitions, self.fragments, None, context, self.operation, values,
            self.field_resolver, self.type_resolver, self.subscribe_field_resolver, False, None,
            self.is_awaitable, self.is_async_iterable, hide_suggestions=self.hide_suggestions,
            operation_extensions=extensions,
        )
        return executor.run_plan(self.plan)


class PlanRunner:
    """Mixed into the execution context: runs a compiled plan with its state (errors, variables)."""

    def run_plan(self: Any, plan: list[FieldPlan]):
        """``execute_operation`` for a compiled plan: an ExecutionResult, or an awaitable one."""
        try:
            if self.operation.operation is OperationType.MUTATION:
                result = self._plan_fields_serially(plan, self.schema.mutation_type, self.root_value)
            else:
                result = self._plan_fields(plan, self.schema.query_type, self.root_value, None)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        if self.is_awaitable(result):

            async def await_result():
                try:
                    data = await result
                except GraphQLError as error:
                    self.collected_errors.add(error, None)
                    return self.build_response(None)
                return self.build_response(data)

            return await_result()
        return self.finish(self.build_response(result))

    def _plan_fields(self: Any, plan: list[FieldPlan], parent: GraphQLObjectType, source: Any, path: Path | None):
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        pending: list[str] = []
        parent_name = parent.name
        try:
            for field in plan:
                leaf = field.leaf
                if leaf is not None:
                    try:
                        value = leaf[0](source)
                        if value is not None:
                            results[field.key] = leaf[1](value)
                            continue
                    except Exception:  # noqa: BLE001 - the regular path reports it properly
                        pass
                if field.name == "__typename":
                    results[field.key] = parent_name
                    continue
                result = self._plan_field(field, parent, source, Path(path, field.key, parent_name))
                results[field.key] = result
                if is_awaitable(result):
                    pending.append(field.key)
        except Exception:
            if pending:
                self.settle_in_background([results[key] for key in pending])
            raise
        return results if not pending else gather_fields(results, pending)

    def _plan_fields_serially(self: Any, plan: list[FieldPlan], parent: GraphQLObjectType, source: Any):
        """A mutation's root fields in order, each one finished (sub-fields too) before the next starts."""
        results: dict[str, Any] = {}
        for index, field in enumerate(plan):
            result = self._plan_root_field(field, parent, source)
            if self.is_awaitable(result):
                return self._plan_rest_serially(plan, index, parent, source, results, result)
            results[field.key] = result
        return results

    async def _plan_rest_serially(self: Any, plan, index: int, parent, source, results, pending):
        results[plan[index].key] = await pending
        for field in plan[index + 1:]:
            result = self._plan_root_field(field, parent, source)
            results[field.key] = (await result) if self.is_awaitable(result) else result
        return results

    def _plan_root_field(self: Any, field: FieldPlan, parent: GraphQLObjectType, source: Any):
        if field.name == "__typename":
            return parent.name
        return self._plan_field(field, parent, source, Path(None, field.key, parent.name))

    def _plan_field(self: Any, field: FieldPlan, parent: GraphQLObjectType, source: Any, path: Path):
        definition = field.definition
        return_type = definition.type
        resolve = definition.resolve or self.field_resolver
        info = self.build_resolve_info(definition, field.nodes, parent, path)
        try:
            args = (
                get_argument_values(definition, field.nodes[0], self.variable_values, None, self.hide_suggestions)
                if field.has_args else {}
            )
            result = resolve(source, info, **args)
            if self.is_awaitable(result):
                return self._plan_awaited(field, info, path, result)
            completed = self._plan_complete(field.shape, field, info, path, result)
            if self.is_awaitable(completed):
                return self._plan_await_completed(return_type, field, path, completed)
        except Exception as raw_error:
            self._plan_error(raw_error, return_type, field, path)
            return None
        return completed

    async def _plan_awaited(self: Any, field: FieldPlan, info, path: Path, result: Awaitable[Any]):
        try:
            resolved = await result
            completed = self._plan_complete(field.shape, field, info, path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self._plan_error(raw_error, field.definition.type, field, path)
            completed = None
        return completed

    async def _plan_await_completed(self: Any, item_type, field: FieldPlan, path: Path, completed):
        try:
            return await completed
        except Exception as raw_error:
            self._plan_error(raw_error, item_type, field, path)
            return None

    def _plan_error(self: Any, raw_error: Exception, return_type, field: FieldPlan, path: Path) -> None:
        error = located_error(raw_error, field.nodes, path.as_list())
        if self.error_propagation and isinstance(return_type, GraphQLNonNull):
            raise error
        self.collected_errors.add(error, path)

    def _plan_complete(self: Any, shape: tuple, field: FieldPlan, info, path: Path, result: Any):
        if isinstance(result, Exception):
            raise result
        kind = shape[0]
        if kind == _NON_NULL:
            completed = self._plan_complete(shape[2], field, info, path, result)
            if completed is None:
                raise TypeError(f"Cannot return null for non-nullable field {info.parent_type}.{info.field_name}.")
            return completed
        if result is None or result is Undefined:
            return None
        if kind == _LEAF:
            leaf_type = shape[1]
            coerced = leaf_type.coerce_output_value(result)
            if coerced is Undefined or coerced is None:
                raise TypeError(
                    f"Expected `{inspect(leaf_type)}.coerce_output_value({inspect(result)})` to return"
                    f" non-nullable value, returned: {inspect(coerced)}"
                )
            return coerced
        if kind == _LIST:
            return self._plan_list(shape, field, info, path, result)
        if kind == _ABSTRACT:
            return self._plan_abstract(shape, field, info, path, result)
        return self._plan_object(shape, field, info, path, result)

    def _plan_abstract(self: Any, shape: tuple, field: FieldPlan, info, path: Path, result: Any):
        """graphql-core's ``complete_abstract_value``, then the runtime type's own plan."""
        return_type = shape[1]
        resolve_type = return_type.resolve_type or self.type_resolver
        runtime_type = resolve_type(result, info, return_type)
        if self.is_awaitable(runtime_type):

            async def await_runtime_type():
                resolved = await self.with_abort_signal(runtime_type)
                object_type = self.ensure_valid_runtime_type(resolved, return_type, field.details, info, result)
                value = self._plan_object(shape[2][object_type.name], field, info, path, result)
                return (await value) if self.is_awaitable(value) else value

            return await_runtime_type()
        object_type = self.ensure_valid_runtime_type(runtime_type, return_type, field.details, info, result)
        return self._plan_object(shape[2][object_type.name], field, info, path, result)

    def _plan_object(self: Any, shape: tuple, field: FieldPlan, info, path: Path, result: Any):
        object_type = shape[1]
        if object_type.is_type_of:
            is_type_of = object_type.is_type_of(result, info)
            if self.is_awaitable(is_type_of):

                async def execute_subfields_async():
                    if not await is_type_of:
                        raise _invalid_return_type(object_type, result, field)
                    fields = self._plan_fields(shape[2], object_type, result, path)
                    return (await fields) if self.is_awaitable(fields) else fields

                return execute_subfields_async()
            if not is_type_of:
                raise _invalid_return_type(object_type, result, field)
        return self._plan_fields(shape[2], object_type, result, path)

    def _plan_list(self: Any, shape: tuple, field: FieldPlan, info, path: Path, result: Any):
        if self.is_async_iterable(result):  # graphql-core's own completion, selections and all
            return self.complete_value(shape[1], field.details, info, path, result, None)
        if not is_iterable(result):
            raise GraphQLError(_NOT_ITERABLE.format(info.parent_type, info.field_name))
        is_awaitable = self.is_awaitable
        item_shape = shape[2]
        item_type = item_shape[1]
        completed_results: list[Any] = []
        pending: list[int] = []
        try:
            for index, item in enumerate(result):
                item_path = path.add_key(index, None)
                if is_awaitable(item):
                    completed_results.append(self._plan_awaited_item(item_shape, item_type, field, info, item_path, item))
                    pending.append(index)
                    continue
                try:
                    completed = self._plan_complete(item_shape, field, info, item_path, item)
                    if is_awaitable(completed):
                        completed_results.append(self._plan_await_completed(item_type, field, item_path, completed))
                        pending.append(index)
                    else:
                        completed_results.append(completed)
                except Exception as raw_error:
                    self._plan_error(raw_error, item_type, field, item_path)
                    completed_results.append(None)
        except Exception:
            if pending:
                self.settle_in_background([completed_results[index] for index in pending])
            raise
        if not pending:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(pending) == 1:
                completed_results[pending[0]] = await completed_results[pending[0]]
            else:
                awaited = await gather_with_cancel(*(completed_results[index] for index in pending))
                for index, value in zip(pending, awaited, strict=True):
                    completed_results[index] = value
            return completed_results

        return get_completed_results()

    async def _plan_awaited_item(self: Any, item_shape, item_type, field: FieldPlan, info, item_path: Path, item):
        try:
            resolved = await item
            completed = self._plan_complete(item_shape, field, info, item_path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self._plan_error(raw_error, item_type, field, item_path)
            completed = None
        return completed


# graphql-core's own wording for a resolver's programming error, so compiled and regular execution
# answer alike; no one reads it: MaskErrors (bff.schema) shows the catalogue's bff.unexpected_error.
_NOT_ITERABLE = "Expected Iterable, but did not find one for field '{}.{}'."


def _invalid_return_type(object_type: GraphQLObjectType, result: Any, field: FieldPlan) -> GraphQLError:
    return invalid_return_type_error(object_type, result, field.details)
