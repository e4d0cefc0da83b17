"""Every id a root field takes is declared, so that ``bff.ids.ParsedIds`` parses it at the edge."""

from __future__ import annotations

from graphql import GraphQLField, GraphQLInputObjectType, get_named_type
from strawberry.permission import PermissionExtension
from strawberry.schema.name_converter import NameConverter

from bff.ids import ParsedIds, id_sites
from superapp.schema import build_schema

NOT_PARSED = {
    ("submitLiveness", "challengeId"),  # a challenge is named by a random token, not a row
    ("cardMovement", "id"),  # a card movement is named by its request id (the client's key), not a row
}


def test_every_id_argument_is_parsed_at_the_edge_after_the_permission_check(settings):
    schema = build_schema(settings)
    unparsed, outside_the_permission_check = [], []
    for root, core in ((schema.query, schema._schema.query_type), (schema.mutation, schema._schema.mutation_type)):
        for field in root.__strawberry_definition__.fields:
            name = NameConverter().from_field(field)
            declared = {site.graphql_name for site in id_sites(field)}
            typed_id = _id_arguments(core.fields[name])
            unparsed += [f"{name}.{arg}" for arg in typed_id - declared if (name, arg) not in NOT_PARSED]
            # the last extension listed runs first: ParsedIds must come before the permissions
            kinds = [type(e) for e in field.extensions]
            if declared and (ParsedIds not in kinds or kinds.index(ParsedIds) > kinds.index(PermissionExtension)):
                outside_the_permission_check.append(name)
    assert unparsed == []
    assert outside_the_permission_check == []


def _id_arguments(field: GraphQLField) -> set[str]:
    """Arguments typed ID or [ID] or naming an app or its version, and ID fields of input-object arguments."""
    found = set()
    for name, argument in field.args.items():
        named = get_named_type(argument.type)
        if named.name == "ID" or name in ("appId", "version"):
            found.add(name)
        elif isinstance(named, GraphQLInputObjectType):
            found |= {inner for inner, f in named.fields.items() if get_named_type(f.type).name == "ID"}
    return found
