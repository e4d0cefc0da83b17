"""A GraphQL document costs work in proportion to its size, never to its fragments' expansion."""

from graphql import ASTValidationRule, FieldNode, FragmentSpreadNode, InlineFragmentNode, Visitor, parse, visit

from bff.document_limits import measure
from superapp.schema import build_schema
from infra.settings import Settings


def doubling_fragments(count: int) -> str:
    """Each fragment spreads the previous one twice: `count` fragments stand for 2**count fields."""
    lines = [f"{{ ...F{count - 1} }}", "fragment F0 on Query { __typename }"]
    lines += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, count)]
    return "\n".join(lines)


def written_selections(document) -> int:
    class Count(Visitor):
        total = 0

        def enter(self, node, *args):
            if isinstance(node, (FieldNode, FragmentSpreadNode, InlineFragmentNode)):
                Count.total += 1

    visit(document, Count())
    return Count.total


def counting_rule():
    """A validation rule that records every node graphql-core's validation visits."""
    visited: list[str] = []

    class CountingRule(ASTValidationRule):
        def enter(self, node, *args):
            visited.append(node.kind)

    return CountingRule, visited


async def test_fragment_explosion_is_refused_before_any_validation_rule_runs(environ):
    # given the schema with a rule that counts what validation visits
    rule, visited = counting_rule()
    schema = build_schema(Settings.from_env(environ), validation_rules=(rule,))
    # when an anonymous query under 1 KB stands for 2**20 fields through its fragments
    query = doubling_fragments(20)
    assert len(query) < 1000
    result = await schema.execute(query)
    # then it is refused with a typed error naming the limit, and no rule ever ran
    error = result.errors[0]
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "setting": "GRAPHQL_MAX_SELECTIONS", "limit": 3000}
    assert result.data is None
    assert visited == []
    # while an ordinary query still goes through every rule
    assert (await schema.execute("{ __typename }")).data == {"__typename": "Query"}
    assert visited


def test_measuring_a_document_is_linear_in_its_size():
    for count in (8, 16, 32, 64):
        document = parse(doubling_fragments(count))
        cost = measure(document)
        # the expansion is counted exactly (2**(count-1) fields, and the spreads leading to them) ...
        assert cost.selections == 2 ** (count - 1) + (2 ** count - 1)
        # ... by looking at each written selection at most twice
        assert cost.visits <= 2 * written_selections(document)


async def test_fragment_explosion_over_http_gets_the_typed_error(gql):
    result = await gql(doubling_fragments(16))
    assert result.get("data") is None
    assert result["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_too_many_fragments_are_refused(gql, settings):
    count = settings.max_fragments + 1
    query = "{ __typename } " + " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(count))
    result = await gql(query)
    assert result["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX", "setting": "GRAPHQL_MAX_FRAGMENTS", "limit": settings.max_fragments,
    }


async def test_depth_counts_through_fragments(environ, start_app):
    environ["GRAPHQL_MAX_DEPTH"] = "1"
    gql, _ = await start_app()
    result = await gql("query Deep { me { ...Devices } } fragment Devices on User { sessions { id } }")
    assert result["errors"][0]["message"] == "'Deep' exceeds maximum operation depth of 1"
    assert result["errors"][0]["extensions"]["setting"] == "GRAPHQL_MAX_DEPTH"


async def test_aliases_count_every_time_their_fragment_is_spread(gql, settings):
    aliases = " ".join(f"a{i}: __typename" for i in range(8))
    spreads = " ".join(["...Named"] * 4)
    result = await gql(f"{{ {spreads} }} fragment Named on Query {{ {aliases} }}")
    assert result["errors"][0]["message"] == f"32 aliases found. Allowed: {settings.max_aliases}"


async def test_unknown_and_cyclic_fragments_are_validation_errors_not_crashes(gql):
    unknown = await gql("{ ...Nowhere }")
    assert unknown["errors"][0]["message"] == "Unknown fragment 'Nowhere'."
    cyclic = await gql("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert "Cannot spread fragment 'A' within itself" in cyclic["errors"][0]["message"]
