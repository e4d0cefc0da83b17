"""A persisted query answered compiled once is answered by bff.lean from then on: the same answers.

Each request by hash is sent three times: the regular path runs the first and compiles it,
the lean path answers the others. Status, body, media type and language headers must equal
the regular path's (the same operation by its text) for data, field errors, masked
unexpected errors and another caller's token; and whatever the lean path does not take
(variables that do not coerce, NUL text, query text beside the hash, deep JSON, streaming
Accept headers) must be answered by the regular path, word for word.
"""

import hashlib

import httpx
import pytest
import strawberry

from bff.context import Info
from bff.schema import MUTATIONS, QUERIES, build_schema
from infra.i18n import catalogue

ECHO = "query Echo($word: String!, $times: Int = 2) { leanEcho(word: $word, times: $times) }"
BROKEN = "query Broken { leanEcho(word: \"a\") leanBroken }"
WHO = "query Who { leanWho me { id maskedPhone } }"
SHOUT = "mutation Shout($words: [String!]!) { first: leanShout(words: $words) second: leanShout(words: [\"b\"]) }"
SHOUTED: list[str] = []  # every word a leanShout mutation has run for, in order


@strawberry.type
class LeanProbe:
    @strawberry.field
    def lean_echo(self, word: str, times: int = 2) -> list[str]:
        return [word] * max(0, min(times, 5))

    @strawberry.field
    def lean_broken(self) -> str | None:
        raise RuntimeError("internal detail that must not leave the server")

    @strawberry.field
    def lean_who(self, info: Info) -> str | None:
        principal = info.context.principal
        return None if principal is None else f"user {principal.user_id}"


@strawberry.type
class LeanMutationProbe:
    @strawberry.mutation
    def lean_shout(self, words: list[str]) -> list[str]:
        SHOUTED.extend(words)
        return [word.upper() for word in words]


@pytest.fixture
async def lean_app(settings):
    from superapp.app import create_app
    from tests.conftest import _reset_state

    await _reset_state()
    application = create_app(settings, schema=build_schema(
        settings, queries=(*QUERIES, LeanProbe), mutations=(*MUTATIONS, LeanMutationProbe)))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(lean_app):
    transport = httpx.ASGITransport(app=lean_app, client=("10.1.2.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def lean(lean_app):
    return next(r.endpoint for r in lean_app.routes if getattr(r, "path", None) == "/graphql")._lean


def _hash(query: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


def _seen(response: httpx.Response) -> tuple:
    headers = response.headers
    return (response.status_code, response.json(), headers["content-type"], headers.get("content-language"),
            headers.get("vary"))


async def _post(http, body: dict, headers: dict | None = None, token: str | None = None) -> httpx.Response:
    headers = dict(headers or {})
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.post("/graphql", json=body, headers=headers)


async def _by_text_and_hash(http, lean, query: str, variables: dict | None = None, *, headers=None, token=None,
                            lean_expected: bool = True) -> tuple[tuple, tuple]:
    """(the answer to the text, the answer to the hash once the lean path has it), the hash sent thrice."""
    body = {"extensions": _hash(query)}
    if variables is not None:
        body["variables"] = variables
    by_text = await _post(http, {"query": query, "variables": variables}, headers, token)
    await _post(http, {"query": query, **body}, headers, token)  # registers it, as an Apollo client does
    await _post(http, body, headers, token)  # the regular path runs it compiled
    before = lean.answered
    by_hash = await _post(http, body, headers, token)
    assert lean.answered == before + (1 if lean_expected else 0)
    return _seen(by_text), _seen(by_hash)


@pytest.mark.parametrize("variables", [{"word": "薪资"}, {"word": "x", "times": 4}, {"word": "y", "times": None}])
async def test_data_by_hash_equals_the_regular_answer(http, lean, variables):
    by_text, by_hash = await _by_text_and_hash(http, lean, ECHO, variables)
    assert by_hash == by_text and by_hash[0] == 200
    if variables.get("times", 2) is None:  # null for an argument typed Int!: a field error, the same on both
        assert by_hash[1]["data"] is None and by_hash[1]["errors"][0]["path"] == ["leanEcho"]
    else:
        assert by_hash[1]["data"]["leanEcho"][0] == variables["word"]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_an_unexpected_error_is_masked_in_the_readers_language(http, lean, language):
    by_text, by_hash = await _by_text_and_hash(http, lean, BROKEN, headers={"accept-language": language})
    assert by_hash == by_text
    status, body, *_ = by_hash
    assert status == 200 and body["data"] == {"leanEcho": ["a", "a"], "leanBroken": None}
    assert "internal detail" not in str(body)
    assert body["errors"][0]["message"] == catalogue()["bff.unexpected_error"][language]


async def test_each_caller_gets_their_own_answer_and_no_token_gets_unauthenticated(http, lean, lean_app):
    from tests.support import GraphQLClient, SignIn

    signer = SignIn(GraphQLClient(http), lean_app.state.runtime)
    first, second = await signer(phone="13800001111"), await signer(phone="13800002222")
    for session in (first, second):
        by_text, by_hash = await _by_text_and_hash(http, lean, WHO, token=session.access_token)
        assert by_hash == by_text
        assert by_hash[1]["data"]["leanWho"] == f"user {session.user_id}"
        assert by_hash[1]["data"]["me"]["maskedPhone"].endswith(session.phone[-4:])
    by_text, by_hash = await _by_text_and_hash(http, lean, WHO)
    assert by_hash == by_text
    assert by_hash[1]["data"] is None and by_hash[1]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_mutation_by_hash_is_answered_lean_and_runs_every_time(http, lean):
    SHOUTED.clear()
    by_text, by_hash = await _by_text_and_hash(http, lean, SHOUT, {"words": ["a", "工资"]})
    assert by_hash == by_text and by_hash[1] == {"data": {"first": ["A", "工资"], "second": ["B"]}}
    assert SHOUTED == ["a", "工资", "b"] * 4  # by text, registered, compiled, lean: each ran, in field order


async def test_graphql_response_media_type_is_kept(http, lean):
    accept = {"accept": "application/graphql-response+json"}
    by_text, by_hash = await _by_text_and_hash(http, lean, BROKEN, headers=accept)
    assert by_hash == by_text
    assert by_hash[2] == "application/graphql-response+json; charset=utf-8" and by_hash[0] == 200
    # variables that do not coerce are a request error: 400 without data, from the regular path
    await _by_text_and_hash(http, lean, ECHO, {"word": "w"}, headers=accept)
    before = lean.answered
    refused = await _post(http, {"extensions": _hash(ECHO), "variables": {"word": 5}}, accept)
    assert lean.answered == before
    assert refused.status_code == 400 and "data" not in refused.json()
    assert refused.json() == (await _post(http, {"query": ECHO, "variables": {"word": 5}}, accept)).json()


async def test_what_the_lean_path_does_not_take_is_answered_by_the_regular_path(http, lean):
    await _by_text_and_hash(http, lean, ECHO, {"word": "warm"})
    before = lean.answered
    digest = _hash(ECHO)
    cases = [
        ({"extensions": digest, "variables": {"word": 5}}, {"query": ECHO, "variables": {"word": 5}}),
        ({"extensions": digest, "variables": {}}, {"query": ECHO, "variables": {}}),
        ({"extensions": digest, "variables": {"word": "a\x00b"}}, {"query": ECHO, "variables": {"word": "a\x00b"}}),
        ({"extensions": digest, "variables": "not an object"}, {"query": ECHO, "variables": "not an object"}),
        ({"extensions": digest, "variables": {"word": "a"}, "operationName": "Other"},
         {"query": ECHO, "variables": {"word": "a"}, "operationName": "Other"}),
    ]
    for by_hash, by_text in cases:
        hashed, texted = await _post(http, by_hash), await _post(http, by_text)
        assert (hashed.status_code, hashed.json()) == (texted.status_code, texted.json()), by_hash
        assert hashed.json()["errors"], by_hash
    nul = (await _post(http, cases[2][0])).json()
    assert nul["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "word"}
    mismatch = await _post(http, {"query": BROKEN, "extensions": digest})
    assert mismatch.json()["errors"][0]["extensions"]["code"] == "BAD_PERSISTED_QUERY"
    nested: list = []
    for _ in range(300):  # past GRAPHQL_MAX_JSON_DEPTH, which is at most 256
        nested = [nested]
    deep = {"extensions": digest, "variables": {"word": "a", "x": nested}}
    too_deep = await _post(http, deep)
    assert too_deep.status_code == 400 and too_deep.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    streaming = await _post(http, {"extensions": digest, "variables": {"word": "s"}}, {"accept": "multipart/mixed"})
    assert streaming.status_code == 200
    not_json = await http.post("/graphql", content=b'{"extensions": ', headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    assert lean.answered == before  # none of them ran lean
    by_get = await http.get("/graphql", params={"extensions": '{"persistedQuery": {"version": 1, "sha256Hash": "%s"}}'
                                                % digest["persistedQuery"]["sha256Hash"],
                                                "variables": '{"word": "g"}'})
    assert by_get.json() == {"data": {"leanEcho": ["g", "g"]}}
