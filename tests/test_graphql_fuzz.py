"""Property: no query or mutation the committed schema allows is an internal error, for any role.

Operations are generated from ``schema.graphql`` by hypothesis-graphql and sent over HTTP as
each role (anonymous, and signed in as every ``identity.roles.Role``). Whatever the arguments,
the server answers an expected result or a typed error: never a 5xx, never an error it masks as
unexpected, never an error in the log. The run is derandomized (the same examples every time)
and keeps no example database; ``FUZZ_EXAMPLES`` raises the number of examples per role for a
longer hunt (``FUZZ_EXAMPLES=5000 ./scripts/test tests/test_graphql_fuzz.py``).

Left out: ``logout`` (it would end the session the role is fuzzed with; it takes no arguments)
and subscriptions (hypothesis-graphql generates none, and they need a websocket).
"""

from __future__ import annotations

import base64
import io
import logging
import os
import tempfile
from datetime import timezone
from pathlib import Path

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis_graphql import from_schema, nodes
from PIL import Image

from identity.roles import Role
from tests.ledger.support import funded_account
from tests.miniprogram_host.helpers import SUBMIT, developer_app, package, upload

# Hypothesis caches what it reads of our modules under its home directory: keep that out of the tree.
_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

SCHEMA = graphql.build_schema((Path(__file__).parents[1] / "schema.graphql").read_text())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))  # per role: ~3 s each on a quiet 2-core machine
MASKED = "Unexpected error."
LEFT_OUT = {"logout"}

# Values of the world the fixture builds (its app id, a version, a phone...), so that some
# operations reach real rows instead of stopping at "not found". Filled per test.
KNOWN_TEXT: list[str] = []
_known = st.integers(min_value=0, max_value=63).map(lambda i: KNOWN_TEXT[i % len(KNOWN_TEXT)] if KNOWN_TEXT else "")
_text = st.one_of(st.text(), st.text(), _known)

_json_leaves = st.one_of(
    st.none().map(lambda _: nodes.Null), st.booleans().map(nodes.Boolean), st.integers().map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float), st.text().map(nodes.String),
)
_json_keys = st.from_regex(r"[A-Za-z_$][A-Za-z0-9_]{0,8}", fullmatch=True)


def _json_object(fields: dict) -> graphql.ObjectValueNode:
    return nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in fields.items()])


CUSTOM_SCALARS = {
    "String": _text.map(nodes.String),
    # ids are text or numbers; the world's rows have small ids (tables restart at 1 per test)
    "ID": st.one_of(_text.map(nodes.String), st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
                    st.integers(1, 8).map(nodes.Int)),
    "DateTime": st.one_of(st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()), st.text())
    .map(nodes.String),
    "Date": st.one_of(st.dates().map(str), st.text()).map(nodes.String),
    "Fen": st.integers().map(nodes.Int),  # unbounded, unlike Int: amounts past bigint are a case to answer
    # areas in m² (parks): any decimal, NaN and infinities included, or any text
    "Decimal": st.one_of(st.decimals().map(str), st.text()).map(nodes.String),
    "JSON": st.recursive(
        _json_leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(nodes.List),
            st.dictionaries(_json_keys, inner, max_size=4).map(_json_object),
        ),
        max_leaves=8,
    ),
    # A file is sent as a multipart part; a client can still put any literal where one belongs.
    "Upload": st.text().map(nodes.String),
}
ROOT_FIELDS = sorted(
    name for root in (SCHEMA.query_type, SCHEMA.mutation_type) for name in root.fields if name not in LEFT_OUT
)
# One root field per operation: small documents cost a fraction of many-field ones to generate
# and run, so more fields are reached per second, and a failure names its field.
OPERATIONS = st.one_of([from_schema(SCHEMA, fields=[name], custom_scalars=CUSTOM_SCALARS) for name in ROOT_FIELDS])

ROLES = {"anonymous": None, "customer": (), **{r.value: (r,) for r in Role if r is not Role.CUSTOMER}}


def _icon() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


class ErrorRecords(logging.Handler):
    """Every log record at ERROR or above, from any logger, while the fuzz runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
async def caller(request, client, gql, sign_in, runtime):
    """A small world (a developer's app with a version in review, a customer's funded account), the role's token."""
    app = await developer_app(gql, sign_in, phone="13900000101")
    assert (await upload(client, app, package(app.app_id, "1.0.0"))).status_code == 201
    await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)
    customer = await sign_in("13900000001")
    await funded_account(runtime, customer.user_id, 10_000)
    KNOWN_TEXT[:] = [app.app_id, "1.0.0", "5.0.0", customer.phone, "finance", "location", "api.partner.example.com",
                     "https://partner.example.com/hook", _icon(), "$page", "Asia/Shanghai"]
    roles = ROLES[request.param]
    if roles is None:
        token = None
    elif request.param == "developer":
        token = app.developer.access_token
    elif request.param == "customer":
        token = customer.access_token
    else:
        token = (await sign_in("13900000200", *roles)).access_token
    errors = ErrorRecords()
    logging.getLogger().addHandler(errors)
    yield token, errors
    logging.getLogger().removeHandler(errors)


@pytest.mark.parametrize("caller", list(ROLES), indirect=True)
@settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(document=OPERATIONS)
async def test_no_generated_operation_is_an_internal_error(caller, gql, document):
    token, errors = caller
    errors.records.clear()
    response = await gql.post({"query": document}, token=token)
    logged = [f"{r.name}: {r.getMessage()}\n{logging.Formatter().formatException(r.exc_info) if r.exc_info else ''}"
              for r in errors.records]
    # the document goes into each message: Hypothesis prints it only as print_ast(DocumentNode)
    assert response.status_code < 500, (document, response.text, logged)
    masked = [e for e in response.json().get("errors") or [] if e.get("message") == MASKED]
    assert not masked, (document, masked, logged)
    assert not logged, (document, logged)
