"""The import structure: one bottom (infra), domains above it, the transport (bff) above
them, and the composition root (superapp) on top; no circles between top-level packages.

Imports are read from the source with ``ast`` (inside functions too), so a lazy import
cannot hide an arrow.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INFRA = "infra"
DOMAINS = {"identity", "ledger", "kyc", "tracking", "miniprogram_host", "miniprogram_runtime", "openplatform",
           "clearing"}
TRANSPORT = "bff"
ROOT_PACKAGE = "superapp"
# Each package may import the packages on its own floor or below (a domain may use other
# domains' public modules); bench/ and tests/ are outside the house.
FLOOR = {INFRA: 0, **{d: 1 for d in DOMAINS}, TRANSPORT: 2, ROOT_PACKAGE: 3}
FRAMEWORKS = ("starlette", "strawberry", "uvicorn")


def _modules() -> dict[str, list[tuple[str, Path, int]]]:
    """Each project module's imports: {package: [(imported module, file, line)]}."""
    found: dict[str, list[tuple[str, Path, int]]] = defaultdict(list)
    for package in FLOOR:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                    if node.module in FLOOR:  # `from ledger import service`
                        names = [f"{node.module}.{alias.name}" for alias in node.names]
                else:
                    continue
                for name in names:
                    found[package].append((name, path.relative_to(ROOT), node.lineno))
    return found


IMPORTS = _modules()


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for package, imports in IMPORTS.items():
        for name, _, _ in imports:
            target = name.split(".")[0]
            if target in FLOOR and target != package:
                graph[package].add(target)
    return graph


def test_no_circle_between_top_level_packages():
    graph = _package_graph()
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in trail:
                circles.append(trail[trail.index(nxt):] + [nxt])
            elif len(trail) < len(FLOOR):
                visit(nxt, trail + [nxt])

    for start in FLOOR:
        visit(start, [start])
    assert not circles, "import circles between packages: " + "; ".join(" -> ".join(c) for c in circles)


def test_no_import_runs_back_up():
    upward = [
        f"{path}:{line} ({package}) imports {name}"
        for package, imports in IMPORTS.items()
        for name, path, line in imports
        if name.split(".")[0] in FLOOR and FLOOR[name.split(".")[0]] > FLOOR[package]
    ]
    assert not upward, "imports that run back up:\n" + "\n".join(upward)


def test_domains_and_infra_know_no_web_framework():
    offending = [
        f"{path}:{line} imports {name}"
        for package, imports in IMPORTS.items()
        if package in DOMAINS or package == INFRA
        for name, path, line in imports
        if name.split(".")[0] in FRAMEWORKS
    ]
    assert not offending, "\n".join(offending)


def test_the_walk_sees_lazy_imports():
    """The checker itself: export-schema imports the schema inside its function body."""
    assert ("bff.schema", Path("superapp/cli.py")) in {(name, path) for name, path, _ in IMPORTS[ROOT_PACKAGE]}


PUBLIC_MODULE = "service"


def test_domains_use_each_other_only_through_the_public_module():
    offending = [
        f"{path}:{line} imports {name}"
        for package, imports in IMPORTS.items()
        if package in DOMAINS
        for name, path, line in imports
        if (target := name.split(".")[0]) in DOMAINS
        and target != package
        and name != f"{target}.{PUBLIC_MODULE}"
    ]
    assert not offending, "cross-domain imports of models or private modules:\n" + "\n".join(offending)


@pytest.mark.parametrize("package", sorted(DOMAINS))
def test_every_domain_has_its_public_module(package):
    assert (ROOT / package / f"{PUBLIC_MODULE}.py").is_file()
