"""The static checks the test command runs: ruff over the whole tree, and mypy, strict and
with no explicit ``Any``, over every domain's public module (``<domain>/service.py``,
``miniprograms/<app>/service.py``), so what a service takes and gives is typed.

The configuration is pyproject.toml's ``[tool.ruff]`` and ``[tool.mypy]``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.test_architecture import DOMAINS, PUBLIC_MODULE

ROOT = Path(__file__).resolve().parent.parent


def public_modules() -> list[str]:
    return sorted(f"{domain.replace('.', '/')}/{PUBLIC_MODULE}.py" for domain in DOMAINS)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_public_service_module_is_strictly_typed():
    modules = public_modules()
    assert "ledger/service.py" in modules and len(modules) >= 8
    # mypy's own incremental cache, kept between runs (it rechecks what changed): ~25 s cold
    result = run("mypy", "--cache-dir", str(Path(tempfile.gettempdir()) / "superapp-mypy-cache"), *modules)
    assert result.returncode == 0, result.stdout + result.stderr
