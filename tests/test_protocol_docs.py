"""The protocol documents for partners and SDK writers: their JSON examples are JSON.

People paste these examples; one with comments in it fails in every JSON parser.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(ROOT.glob("*/PROTOCOL.md"))
_JSON_BLOCK = re.compile(r"^```json\n(.*?)^```", re.MULTILINE | re.DOTALL)


def json_blocks() -> list:
    return [
        pytest.param(block, id=f"{path.relative_to(ROOT)}#{number}")
        for path in DOCUMENTS
        for number, block in enumerate(_JSON_BLOCK.findall(path.read_text()), start=1)
    ]


def test_the_protocol_documents_are_found():
    assert {p.relative_to(ROOT).as_posix() for p in DOCUMENTS} >= {"tracking/PROTOCOL.md", "openplatform/PROTOCOL.md"}
    assert json_blocks(), "no ```json block found: the pattern no longer matches the documents"


@pytest.mark.parametrize("block", json_blocks())
def test_every_json_example_parses(block: str):
    orjson.loads(block)
