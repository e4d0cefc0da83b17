"""Persisted operations run compiled plans; their answers and errors equal graphql-core's.

A schema made to fail in every way a field can (resolver errors, nulls in non-null places,
in lists and list items, async and sync resolvers, arguments and defaults) is queried with
operations hypothesis-graphql generates, and with hand-written ones using fragments; each
runs once as a persisted operation (compiled where covered) and once through graphql-core,
and data and errors must be equal. Then the real app's `me` by hash over HTTP.
"""

import asyncio
import gc
import inspect
import hashlib
import tempfile
from collections.abc import AsyncGenerator
from types import SimpleNamespace
from typing import Annotated

import pytest
import strawberry
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis_graphql import from_schema

from bff.execution import operation_plan
from bff.schema import build_schema

_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

# When a null propagates while a sibling's async resolver has not started, graphql-core's
# settle_in_background cancels the sibling before it starts and the resolver's coroutine is
# collected unawaited; the compiled path mirrors it, so both warn alike (16 of 200 generated
# examples on each, measured). The warning says nothing about the answers compared here.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@strawberry.type
class Leaf:
    n: int
    name: str
    maybe: str | None

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError(f"leaf {self.n} failed")

    @strawberry.field
    def must(self) -> str:
        return None if self.n % 3 == 0 else f"must {self.n}"  # type: ignore[return-value]

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        if self.n % 4 == 1:
            raise RuntimeError("later failed")
        return self.n

    @strawberry.field
    def echo(self, times: int = 2, word: str | None = "x") -> list[str | None]:
        return [word if i % 2 == 0 else None for i in range(max(0, min(times, 5)))]

    @strawberry.field
    def strict_echo(self, times: int = 3) -> list[str]:
        return ["y" if i != 1 else None for i in range(max(0, min(times, 5)))]  # type: ignore[misc]


def _leaf(n: int) -> Leaf:
    return Leaf(n=n, name=f"leaf {n}", maybe=None if n % 2 else f"maybe {n}")


@strawberry.type
class Node:
    id: int

    @strawberry.field
    def leaves(self) -> list[Leaf | None]:
        return [None if i % 3 == 2 else _leaf(self.id + i) for i in range(4)]

    @strawberry.field
    async def strict_leaves(self) -> list[Leaf]:
        return [_leaf(self.id), None, _leaf(self.id + 1)] if self.id % 2 else [_leaf(self.id)]  # type: ignore[list-item]

    @strawberry.field
    async def child(self) -> "Node | None":
        return Node(id=self.id + 1) if self.id < 6 else None

    @strawberry.field
    def required_child(self) -> "Node":
        if self.id % 3 == 0:
            raise ValueError("no required child")
        return Node(id=self.id + 2)

    @strawberry.field
    def not_iterable(self) -> list[int] | None:
        return 5  # type: ignore[return-value]


@strawberry.interface
class Thing:
    label: str


@strawberry.type
class Red(Thing):
    shade: int

    @strawberry.field
    def broken(self) -> str:
        if self.shade % 2:
            raise ValueError(f"red {self.shade} is broken")
        return None if self.shade % 4 == 2 else "fine"  # type: ignore[return-value]


@strawberry.type
class Blue(Thing):
    depth: int

    @strawberry.field
    async def deeper(self) -> "Blue | None":
        return Blue(label=f"deeper {self.depth}", depth=self.depth + 1) if self.depth < 3 else None


Colour = Annotated[Red | Blue, strawberry.union("Colour")]


def _thing(n: int) -> Thing | None:
    return None if n % 5 == 4 else (Red(label=f"red {n}", shade=n) if n % 2 else Blue(label=f"blue {n}", depth=n))


@strawberry.type
class PlanQuery:
    @strawberry.field
    def things(self, count: int = 5) -> list[Thing | None]:
        return [_thing(n) for n in range(max(0, min(count, 6)))]

    @strawberry.field
    async def colour(self, n: int = 1) -> Colour | None:  # type: ignore[valid-type]
        if n < 0:
            return _leaf(n)  # type: ignore[return-value]  # a value of no possible type: graphql-core's error
        return _thing(n)  # type: ignore[return-value]

    @strawberry.field
    async def strict_colours(self, count: int = 3) -> list[Colour]:  # type: ignore[valid-type]
        return [_thing(n) for n in range(max(0, min(count, 6)))]  # type: ignore[misc]

    @strawberry.field
    def node(self, id: int = 1) -> Node | None:
        return Node(id=id) if id >= 0 else None

    @strawberry.field
    async def nodes(self, count: int = 3) -> list[Node]:
        return [Node(id=i) for i in range(max(0, min(count, 4)))]

    @strawberry.field
    def required(self, id: int = 3) -> Node:
        if id % 3 == 0:
            raise ValueError("required failed")
        return Node(id=id)

    @strawberry.field
    def leaf(self, n: int = 0) -> Leaf:
        return _leaf(n)


@strawberry.type
class PlanMutation:
    @strawberry.mutation
    async def record(self, info: strawberry.Info, word: str = "m") -> list[str]:
        """What was recorded before this field, then its word: mutations run one after the other."""
        before = list(info.context.log)
        await asyncio.sleep(0)  # run side by side, a later field would not see this one's word
        info.context.log.append(word)
        return [*before, word]

    @strawberry.mutation
    def record_or_fail(self, info: strawberry.Info, word: str = "f") -> Node:
        if word.startswith("f"):
            raise ValueError(f"{word} refused")  # non-null: the whole answer is null, later fields never run
        info.context.log.append(word)
        return Node(id=len(info.context.log))


@strawberry.type
class PlanSubscription:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[int, None]:
        yield 1


@pytest.fixture(scope="module")
def schema():
    from tests.conftest import test_environ
    from infra.settings import Settings

    return build_schema(Settings.from_env(test_environ()), queries=(PlanQuery,), mutations=(PlanQuery, PlanMutation),
                        subscriptions=(PlanSubscription,))


def _context(digest: str | None):
    state = SimpleNamespace(persisted_query=digest) if digest else SimpleNamespace()
    return SimpleNamespace(request=SimpleNamespace(state=state, scope={}), principal=None, log=[])


async def _both(schema, query: str, variables: dict | None = None):
    """The regular answer, the compiled one twice, and the hash; the lean run (bff.lean) checked on the way."""
    digest = hashlib.sha256(query.encode()).hexdigest()
    regular = await schema.execute(query, variable_values=variables, context_value=_context(None))
    first = _context(digest)
    compiled = await schema.execute(query, variable_values=variables, context_value=first)
    again = await schema.execute(query, variable_values=variables, context_value=_context(digest))
    kept = getattr(first.request.state, "compiled_operation", None)
    if kept is not None:  # what bff.lean runs for the next requests: masked as the extensions mask
        lean = kept.run(_context(digest), variables, None)
        lean = (await lean) if inspect.isawaitable(lean) else lean
        errors = schema.masked(lean.errors or [])
        assert (lean.data, [error.formatted for error in errors]) == _answer(regular), query
    for _ in range(20):  # let what graphql-core settles in the background finish here
        await asyncio.sleep(0)
    gc.collect()  # and the coroutines it dropped warn under this module's filter, not later
    return regular, compiled, again, digest


@pytest.fixture(scope="module")
def loop():
    """One loop for every generated example (hypothesis calls the test synchronously)."""
    running = asyncio.new_event_loop()
    yield running
    running.close()


def _answer(result):
    return result.data, [error.formatted for error in result.errors or ()]


FRAGMENTS = [
    """query WithFragments { nodes { ...NodeParts } required(id: 4) { ... on Node { id leaves { ...LeafParts } } } }
    fragment NodeParts on Node { id child { id child { id strictLeaves { ...LeafParts } } } requiredChild { id } }
    fragment LeafParts on Leaf { n name maybe fails must later echo(times: 3) strictEcho }""",
    "query Required { required { id } leaf { n } }",
    "query Items { node(id: 1) { strictLeaves { n later } leaves { must later } notIterable } }",
    "query Nested { node { leaves { echo(word: null) } requiredChild { requiredChild { requiredChild { id } } } } }",
    "query Named { a: node(id: 2) { id } b: node(id: -1) { id } __typename leaf { __typename n } }",
    """query Things { things(count: 6) { __typename label ... on Red { shade broken __typename } ...BlueParts } }
    fragment BlueParts on Blue { depth deeper { label deeper { ... on Thing { label } depth } } }""",
    """query Colours { colour { ... on Red { shade } ... on Blue { depth } } strictColours(count: 5) { ...ColourParts }
      wrong: colour(n: -1) { __typename } none: colour(n: 4) { ... on Thing { label } } }
    fragment ColourParts on Colour { __typename ... on Thing { label } ... on Red { broken } }""",
    "query OnQuery { ... on Query { leaf { n } } things(count: 2) { ... on Blue { depth } } }",
    'mutation InOrder { a: record(word: "a") b: record(word: "b") __typename c: record(word: "c") node { id } }',
    'mutation Stops { a: record(word: "a") b: recordOrFail(word: "f1") { id } c: record(word: "c") }',
    'mutation Goes { a: recordOrFail(word: "x") { id child { id } } b: record }',
    """mutation WithParts { a: recordOrFail(word: "y") { ...NodeParts } things { label } b: required { id } }
    fragment NodeParts on Node { id leaves { n later } requiredChild { id } }""",
]


@pytest.mark.parametrize("query", FRAGMENTS)
async def test_hand_written_operations_answer_the_same_compiled(schema, query):
    regular, compiled, again, digest = await _both(schema, query)
    assert _answer(compiled) == _answer(regular)
    assert _answer(again) == _answer(regular)
    name = query.split("{")[0].split()[1]
    assert operation_plan(schema._schema, digest, name) is not None  # it did run compiled


async def test_a_compiled_mutation_runs_its_fields_one_after_the_other(schema):
    query = 'mutation Serial { a: record(word: "a") b: record(word: "b") c: record(word: "c") }'
    regular, compiled, again, digest = await _both(schema, query)
    assert operation_plan(schema._schema, digest, "Serial") is not None
    assert compiled.data == again.data == regular.data == {"a": ["a"], "b": ["a", "b"], "c": ["a", "b", "c"]}


async def test_variables_reach_the_compiled_plan(schema):
    query = "query V($id: Int!, $times: Int) { node(id: $id) { id leaves { echo(times: $times) } } }"
    for variables in ({"id": 2, "times": 4}, {"id": -1}, {"id": 5, "times": None}):
        regular, compiled, _, _ = await _both(schema, query, variables)
        assert _answer(compiled) == _answer(regular)


async def test_what_the_plan_does_not_cover_runs_through_graphql_core(schema):
    query = "query Skipped($no: Boolean!) { node { id @skip(if: $no) } }"
    regular, compiled, _, digest = await _both(schema, query, {"no": True})
    assert _answer(compiled) == _answer(regular) == ({"node": {}}, [])
    assert operation_plan(schema._schema, digest, "Skipped") is None


@hypothesis_settings(
    max_examples=150, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=from_schema(
    """type Leaf { n: Int! name: String! maybe: String fails: String must: String! later: Int!
         echo(times: Int! = 2, word: String = "x"): [String]! strictEcho(times: Int! = 3): [String!]! }
       type Node { id: Int! leaves: [Leaf]! strictLeaves: [Leaf!]! child: Node requiredChild: Node! notIterable: [Int!] }
       interface Thing { label: String! }
       type Red implements Thing { label: String! shade: Int! broken: String! }
       type Blue implements Thing { label: String! depth: Int! deeper: Blue }
       union Colour = Red | Blue
       type Query { node(id: Int! = 1): Node nodes(count: Int! = 3): [Node!]! required(id: Int! = 3): Node! leaf(n: Int! = 0): Leaf!
         things(count: Int! = 5): [Thing]! colour(n: Int! = 1): Colour strictColours(count: Int! = 3): [Colour!]! }
       type Mutation { node(id: Int! = 1): Node required(id: Int! = 3): Node! things(count: Int! = 5): [Thing]!
         record(word: String! = "m"): [String!]! recordOrFail(word: String! = "f"): Node! }""",
    fields=["node", "nodes", "required", "leaf", "things", "colour", "strictColours", "record", "recordOrFail"],
))
def test_generated_operations_answer_the_same_compiled(schema, loop, data):
    regular, compiled, again, _ = loop.run_until_complete(_both(schema, data))
    assert _answer(compiled) == _answer(regular), data
    assert _answer(again) == _answer(regular), data


ME = "query Me { me { id maskedPhone roles createdAt } }"


def _persisted(query: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


async def test_me_by_hash_answers_as_me_by_text(gql, sign_in, app):
    session = await sign_in()
    by_text = await gql.post({"query": ME}, token=session.access_token)
    registered = await gql.post({"query": ME, "extensions": _persisted(ME)}, token=session.access_token)
    by_hash = await gql.post({"extensions": _persisted(ME)}, token=session.access_token)
    signed_out_text = await gql.post({"query": ME})
    signed_out_hash = await gql.post({"extensions": _persisted(ME)})
    assert by_text.json()["data"]["me"]["maskedPhone"].endswith(session.phone[-4:])
    assert registered.json() == by_text.json() == by_hash.json()
    assert signed_out_hash.json() == signed_out_text.json()
    assert signed_out_hash.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    digest = _persisted(ME)["persistedQuery"]["sha256Hash"]
    endpoint = next(r.endpoint for r in app.routes if getattr(r, "path", None) == "/graphql")
    assert operation_plan(endpoint.schema._schema, digest, "Me") is not None  # it ran compiled


def test_every_operation_the_clients_register_runs_compiled():
    """The H5 app's and consoles' queries and mutations (web/operations) and the bank's mini-program packages'."""
    from pathlib import Path

    from graphql import FragmentDefinitionNode, OperationDefinitionNode, OperationType, parse

    from bff.compiled import compile_operation
    from bff.execution import _plan_for
    from infra.settings import Settings
    from superapp.schema import build_schema as build_app_schema
    from tests.conftest import test_environ

    root = Path(__file__).resolve().parent.parent
    schema = build_app_schema(Settings.from_env(test_environ()))._schema
    documents = sorted(root.glob("web/operations/*.graphql")) + sorted(root.glob("miniprograms/*/package/operations.graphql"))
    counted, not_compiled = {OperationType.QUERY: 0, OperationType.MUTATION: 0}, []
    for path in documents:
        document = parse(path.read_text())
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.operation in counted:
                counted[definition.operation] += 1
                if compile_operation(schema, definition, fragments, _plan_for) is None:
                    not_compiled.append(f"{path.relative_to(root)}: {definition.name.value}")
    assert counted[OperationType.QUERY] >= 39 and counted[OperationType.MUTATION] >= 59 and len(documents) >= 12
    assert not_compiled == []


async def test_the_h5_home_by_hash_answers_as_by_text(gql, sign_in, app):
    """The home's unions (Home | Error, ContentItem | HomePlacement) run compiled, then lean."""
    from pathlib import Path

    from graphql import DocumentNode, parse, print_ast

    document = parse((Path(__file__).resolve().parent.parent / "web/operations/home.graphql").read_text())
    home = print_ast(DocumentNode(definitions=tuple(
        d for d in document.definitions if d.name.value in ("Home", "FeedItem"))))
    session = await sign_in()
    variables = {"dpr": 2.0}
    by_text = await gql.post({"query": home, "variables": variables}, token=session.access_token)
    registered = await gql.post({"query": home, "variables": variables, "extensions": _persisted(home)},
                                token=session.access_token)
    by_hash = [await gql.post({"variables": variables, "extensions": _persisted(home)}, token=session.access_token)
               for _ in range(2)]
    assert by_text.json()["data"]["home"]["__typename"] == "Home"
    assert registered.json() == by_text.json() == by_hash[0].json() == by_hash[1].json()
    endpoint = next(r.endpoint for r in app.routes if getattr(r, "path", None) == "/graphql")
    assert operation_plan(endpoint.schema._schema, _persisted(home)["persistedQuery"]["sha256Hash"], "Home") is not None
