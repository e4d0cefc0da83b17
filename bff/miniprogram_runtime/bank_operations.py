"""The transport's half of ``bankGraphql``: checking a first-party package's operations at
upload, and running one as the customer when the bridge lets it through.

The host and the runtime know no GraphQL; ``attach`` hands them these two functions once
the schema is built (the app's lifespan, and ``seed-demo``, which uploads packages).
"""

from __future__ import annotations

import io
from contextvars import ContextVar

import strawberry
from graphql import (
    DocumentNode, FieldNode, GraphQLError, GraphQLSchema, ListTypeNode, NamedTypeNode, NonNullTypeNode,
    OperationDefinitionNode, OperationType, TypeInfo, TypeInfoVisitor, TypeNode, Visitor, parse, validate, visit,
)
from starlette.datastructures import Headers, UploadFile
from starlette.requests import Request

from bff.context import Context
from bff.services import Runtime
from identity.roles import Role
from identity.tokens import Principal
from infra.i18n import Text
from miniprogram_runtime.context import BankCall
from miniprogram_runtime.errors import InvalidArguments

MAX_TOKENS = 10_000
PIN_VARIABLE = "pin"
MAX_CHOSEN_FILES = 9
_MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
# Fields that show a card's number, even masked: a mini-program, the bank's own too, knows a
# card only by its token (getAccountSummary), so an operation selecting one is refused at upload.
CARD_NUMBER_FIELDS = frozenset({("Account", "maskedCardNumber"), ("CardMovement", "maskedCardNumber")})
CUSTOMER_ONLY = frozenset({Role.CUSTOMER})  # of the token's roles, the only one an operation keeps
# The bridge request being served, so an operation runs with it as its request (client IP,
# language); set by the bridge route for the length of the call.
current_request: ContextVar[Request | None] = ContextVar("bank_operation_request", default=None)


def operation_check(schema: strawberry.Schema):
    """Checks one file of bank operations: every definition a named query or mutation, all
    valid against the schema. Returns (names, problems)."""

    def check(document: str) -> tuple[list[str], list[str]]:
        try:
            parsed = parse(document, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            return [], [error.message]
        names, problems = [], []
        for definition in parsed.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if definition.name is None:
                problems.append("every operation must have a name")
            elif definition.operation is OperationType.SUBSCRIPTION:
                problems.append(f"{definition.name.value}: subscriptions cannot run through the bridge")
            else:
                names.append(definition.name.value)
        problems.extend(error.message for error in validate(schema._schema, parsed))
        if not problems:
            problems.extend(f"{name}: a mini-program never reads a card's number, even masked; "
                            "getAccountSummary gives its card token" for name in _card_number_fields(schema._schema, parsed))
        if not names and not problems:
            problems.append("the file holds no operation")
        return (names if not problems else []), problems

    return check


def _card_number_fields(schema: GraphQLSchema, document: DocumentNode) -> list[str]:
    """The card-number fields the document selects, as ``Type.field``."""
    info, found = TypeInfo(schema), []

    class Selections(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = info.get_parent_type()
            if parent is not None and (parent.name, node.name.value) in CARD_NUMBER_FIELDS:
                found.append(f"{parent.name}.{node.name.value}")

    visit(document, TypeInfoVisitor(info, Selections()))
    return found


class OperationRunner:
    """Runs a declared operation through the whole schema (limits, masking, metrics) as the
    customer alone: no operator role rides along from the token."""

    def __init__(self, schema: strawberry.Schema, runtime: Runtime) -> None:
        self._schema = schema
        self._runtime = runtime
        self._takes_pin: dict[tuple[str, str], bool] = {}
        self._uploads: dict[tuple[str, str], dict[str, bool]] = {}

    async def __call__(self, call: BankCall) -> tuple[dict | None, list[dict]]:
        request = current_request.get()
        if request is None:
            raise RuntimeError("bank operations run only inside a bridge request")
        variables = dict(call.variables)
        if call.pin is not None and self._takes_pin_variable(call.document, call.operation):
            variables[PIN_VARIABLE] = call.pin
        for name, is_list in self._upload_variables(call.document, call.operation).items():
            if variables.get(name) is not None:
                variables[name] = await self._chosen_files(call, name, variables[name], is_list)
        token_roles = getattr(request.scope.get("principal"), "roles", frozenset())
        customer = Principal(call.user_id, call.session_id, token_roles & CUSTOMER_ONLY)
        context = Context(request=request, response=None, runtime=self._runtime, principal=customer)
        result = await self._schema.execute(call.document, variable_values=variables, context_value=context,
                                            operation_name=call.operation)
        return result.data, [error.formatted for error in result.errors or ()]

    async def _chosen_files(self, call: BankCall, name: str, value: object, is_list: bool):
        """An ``Upload`` variable's value from the page: ``{"fileId": ...}`` of an image this
        customer chose for this app in the container (chooseImage), or a list of them. The page
        never sends file bytes here; what runs gets the container's cleaned image."""
        field = f"variables.{name}"
        wanted = value if is_list else [value]
        if not isinstance(wanted, list) or len(wanted) > MAX_CHOSEN_FILES or not all(
                isinstance(w, dict) and set(w) == {"fileId"} for w in wanted):
            raise InvalidArguments(Text("miniprogram_runtime.chosen_files", max=MAX_CHOSEN_FILES), field=field)
        files = []
        for w in wanted:
            found = await self._runtime.miniprogram_runtime.chosen_image(app_id=call.app_id, user_id=call.user_id,
                                                                          file=w["fileId"])
            if found is None:
                raise InvalidArguments(Text("miniprogram_runtime.chosen_file_unknown", file=str(w["fileId"])[:24]),
                                       field=field)
            data, kind = found
            files.append(UploadFile(io.BytesIO(data), size=len(data), filename=f"{w['fileId']}.{kind}",
                                    headers=Headers({"content-type": _MEDIA_TYPES[kind]})))
        return files if is_list else files[0]

    def _upload_variables(self, document: str, operation: str) -> dict[str, bool]:
        """The operation's variables of type Upload, each with whether it is a list of them."""
        key = (document, operation)
        found = self._uploads.get(key)
        if found is None:
            found = {}
            for d in parse(document).definitions:
                if isinstance(d, OperationDefinitionNode) and d.name is not None and d.name.value == operation:
                    for v in d.variable_definitions or ():
                        named, is_list = _named(v.type)
                        if named == "Upload":
                            found[v.variable.name.value] = is_list
            self._uploads[key] = found
        return found

    def _takes_pin_variable(self, document: str, operation: str) -> bool:
        key = (document, operation)
        found = self._takes_pin.get(key)
        if found is None:
            found = any(
                isinstance(d, OperationDefinitionNode) and d.name is not None and d.name.value == operation
                and any(v.variable.name.value == PIN_VARIABLE for v in d.variable_definitions or ())
                for d in parse(document).definitions
            )
            self._takes_pin[key] = found
        return found


def _named(node: TypeNode) -> tuple[str, bool]:
    """A variable type's named type, and whether a list is around it (``[Upload!]!``)."""
    is_list = False
    while not isinstance(node, NamedTypeNode):
        is_list = is_list or isinstance(node, ListTypeNode)
        assert isinstance(node, (ListTypeNode, NonNullTypeNode))
        node = node.type
    return node.name.value, is_list


def attach(runtime: Runtime, schema: strawberry.Schema) -> None:
    """Give the host its upload check and the bridge its runner."""
    runtime.miniprograms.operation_check = operation_check(schema)
    runtime.miniprogram_runtime.bridge.services.bank_operations = OperationRunner(schema, runtime)
