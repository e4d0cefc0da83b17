"""The bank's own clients register their operations at build time (web/persisted.mjs writes
web/dist/persisted-operations.json): a server that has never seen a request knows them by
hash, so every screen sends its hash alone and runs the operation's compiled plan."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bff.persisted_queries import load_registered
from bff.web import REGISTERED_OPERATIONS

OPERATIONS = Path(__file__).resolve().parent.parent / "web" / "operations"


def test_the_build_registers_every_operation_of_the_web_clients_under_its_hash():
    registered = load_registered(REGISTERED_OPERATIONS)
    assert registered, "web/ is built by scripts/bootstrap, which scripts/test runs first"
    for digest, query in registered.items():
        assert hashlib.sha256(query.encode()).hexdigest() == digest
    declared = {name for source in OPERATIONS.glob("*.graphql")
                for name in re.findall(r"^(?:query|mutation|subscription)\s+(\w+)", source.read_text(), re.M)}
    named = {re.search(r"(?:query|mutation|subscription)\s+(\w+)", q).group(1) for q in registered.values()}
    assert declared and declared <= named


async def test_a_fresh_server_answers_a_registered_operation_by_its_hash_alone(gql, sign_in, runtime):
    me = await sign_in("13900000001")
    registered = load_registered(REGISTERED_OPERATIONS)
    digest, query = next((d, q) for d, q in registered.items() if re.search(r"query Accounts\b", q))
    await runtime.redis.flushdb()  # nothing registered at run time: only what the build listed
    answer = await gql.post({"variables": {}, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
                            token=me.access_token)
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    assert answer.json()["data"]["me"]["maskedPhone"] == "139****0001"

    unknown = await gql.post({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
                             token=me.access_token)
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
