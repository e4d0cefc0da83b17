"""What a newcomer reads and types first: scripts/serve's help and the README's names."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SCHEMA = (ROOT / "schema.graphql").read_text()
_OPTION = re.compile(r"--[a-z][a-z-]+")


def _serve_options() -> set[str]:
    """The options `superapp serve` really takes, from its own parser."""
    shown = subprocess.run([sys.executable, "-m", "superapp.cli", "serve", "--help"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    return set(_OPTION.findall(shown)) - {"--help"}


def test_serve_help_prints_usage_without_installing_anything(tmp_path):
    # given a checkout with no virtualenv and no data yet
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    for flag in ("--help", "-h"):
        # when a newcomer asks the script for help
        shown = subprocess.run([str(tmp_path / "scripts" / "serve"), flag], cwd=tmp_path,
                               env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60)
        # then it prints its usage and leaves the checkout as it was
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith("usage: ./scripts/serve")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["scripts"]
    # and the options it lists are the ones `superapp serve` takes (--no-migrate it passes itself)
    assert set(_OPTION.findall(shown.stdout)) - {"--help"} == _serve_options() - {"--no-migrate"}


def test_readme_names_the_serve_options_and_where_superapp_lives():
    assert ".venv/bin/superapp" in README
    commands = README[README.index("## Commands"):]
    commands = commands[:commands.index("\n## ", 1)]
    assert _serve_options() <= set(_OPTION.findall(commands))
    top = README[:README.index("## Layout")]
    assert {"--host", "--port"} <= set(_OPTION.findall(top))


def test_readme_names_the_account_opening_fields_as_the_schema_does():
    sentence = re.search(r"`accountOpening\(id\)` reads (.*?)\(who", README, re.S).group(1)
    named = re.findall(r"`(\w+)`", sentence)
    fields = set(re.findall(r"^  (\w+)", re.search(r"^type KycApplication \{(.*?)^\}", SCHEMA, re.S | re.M).group(1),
                            re.M))
    assert "state" in named and set(named) <= fields
