"""Every API change shows up in review: the committed SDL must match the code."""

from pathlib import Path

from superapp.schema import build_schema

SDL = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_code(settings):
    assert SDL.read_text() == build_schema(settings).as_str() + "\n", (
        "schema.graphql is stale: run `superapp export-schema` and commit the file"
    )
