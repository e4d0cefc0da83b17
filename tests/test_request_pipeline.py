"""The one layer before every route: its access log line, and the masking that log relies on."""

import json
import tempfile

from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from infra import masking

_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

# Fragments that make the masking patterns match, or nearly match, mixed with plain text.
_PIECES = st.sampled_from([
    "13812345678", "110101199003077777", "6222020200112233445", "Bearer ", "bearer\t", "rt_",
    "RT_", "refresh_token=", "Refresh-Token: ", "eyJhbGciOi", ".", "eyJ", "abcdefghij", "/graphql",
    "请求", " ", "0", "9", "ſ", "K",
])


@hypothesis_settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=12).map("".join))
def test_redact_skips_only_text_no_pattern_could_match(text):
    assert masking.redact(text) == masking._substitute(text)


def test_redact_still_masks_what_it_masked():
    text = "login 13812345678 with Bearer eyJhbGciOiJI.eyJzdWIiOiIx.c2lnbmF0dXJl and rt_abcdefghijkl"
    assert masking.redact(text) == "login 138****5678 with Bearer [token] and rt_[token]"
    assert masking.redact("request") == "request"


async def test_every_request_writes_one_access_line_with_its_fields(environ, capfd, start_app):
    environ["LOG_LEVEL"] = "INFO"
    gql, _ = await start_app()
    capfd.readouterr()
    response = await gql.http.get("/healthz", headers={"x-request-id": "trace-access-0001"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "bff.access"]
    assert len(access) == 1
    (line,) = access
    assert {key: line[key] for key in ("level", "msg", "method", "path", "status", "request_id")} == {
        "level": "INFO", "msg": "request", "method": "GET", "path": "/healthz", "status": 200,
        "request_id": "trace-access-0001",
    }
    assert isinstance(line["ms"], float) and line["ts"].endswith("Z")


async def test_a_json_answer_names_its_language_and_the_request_id(client):
    response = await client.get("/healthz", headers={"accept-language": "en-US,en;q=0.9"})
    assert response.headers["content-language"] == "en"
    assert response.headers["vary"] == "Accept-Language"
    assert len(response.headers["x-request-id"]) == 32
