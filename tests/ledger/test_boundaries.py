"""Only the ledger writes money: no other package touches its tables or its models."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLES = re.compile(r"\bledger_(account|posting|journal_entry|payment_pin)\b")
MODELS = re.compile(r"^\s*(from ledger\.models import|import ledger\.models)", re.MULTILINE)
OUTSIDE = [
    path for path in ROOT.rglob("*.py")
    if path.relative_to(ROOT).parts[0] not in {"ledger", "tests", "bench", ".venv", "build"}
]


def test_no_other_package_names_the_ledger_tables():
    offenders = [str(p.relative_to(ROOT)) for p in OUTSIDE if TABLES.search(p.read_text())]
    assert offenders == []


def test_only_the_ledger_api_layer_reads_its_models():
    offenders = [
        str(p.relative_to(ROOT)) for p in OUTSIDE
        if MODELS.search(p.read_text()) and p.relative_to(ROOT).parts[:2] != ("bff", "ledger")
    ]
    assert offenders == []
