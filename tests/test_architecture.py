"""The import structure: one bottom (infra), domains above it, the transport (bff) above
them, and the composition root (superapp) on top; no circles between top-level packages.

A first-party mini-program ``miniprograms/<app>/`` counts as two packages: its server side
(``miniprograms.<app>``, a domain with its own ``service.py``) and its GraphQL
(``miniprograms.<app>.graphql``, on the transport's floor, which may use ``bff``).

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
           "clearing", "audit", "content", "marketing", "monitoring"}
TRANSPORT = "bff"
ROOT_PACKAGE = "superapp"
# Each package may import the packages on its own floor or below (a domain may use other
# domains' public modules); bench/ and tests/ are outside the house.
MINIPROGRAMS = "miniprograms"
APPS = {f"{MINIPROGRAMS}.{path.parent.name}" for path in (ROOT / MINIPROGRAMS).glob("*/__init__.py")}
DOMAINS |= APPS
APP_TRANSPORT = "graphql"  # the subpackage miniprograms/<app>/graphql/
FLOOR = {INFRA: 0, **{d: 1 for d in DOMAINS}, TRANSPORT: 2, **{f"{a}.{APP_TRANSPORT}": 2 for a in APPS},
         ROOT_PACKAGE: 3}
FRAMEWORKS = ("starlette", "strawberry", "uvicorn")


def package_of(module: str) -> str | None:
    """The package a dotted module name belongs to, or None outside the house."""
    parts = module.split(".")
    if parts[0] == MINIPROGRAMS:
        if len(parts) < 2:
            return None
        app = f"{MINIPROGRAMS}.{parts[1]}"
        if len(parts) > 2 and parts[2] == APP_TRANSPORT:
            app = f"{app}.{APP_TRANSPORT}"
        return app if app in FLOOR else None
    return parts[0] if parts[0] in FLOOR else None


def _files(package: str) -> list[Path]:
    folder = ROOT / package.replace(".", "/")
    paths = sorted(folder.rglob("*.py"))
    if package in APPS:  # the app's GraphQL is a package of its own
        paths = [p for p in paths if APP_TRANSPORT not in p.relative_to(folder).with_suffix("").parts[:1]]
    return paths


def _modules() -> dict[str, list[tuple[str, Path, int]]]:
    """Each project module's imports: {package: [(imported module, file, line)]}."""
    found: dict[str, list[tuple[str, Path, int]]] = defaultdict(list)
    for package in FLOOR:
        for path in _files(package):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                    if node.module in FLOOR or node.module == MINIPROGRAMS:  # `from ledger import service`
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
            target = package_of(name)
            if target is not None and target != package:
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
        if (target := package_of(name)) is not None and FLOOR[target] > FLOOR[package]
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
        if (target := package_of(name)) in DOMAINS
        and target != package
        and name != f"{target}.{PUBLIC_MODULE}"
    ]
    assert not offending, "cross-domain imports of models or private modules:\n" + "\n".join(offending)


@pytest.mark.parametrize("package", sorted(DOMAINS))
def test_every_domain_has_its_public_module(package):
    assert (ROOT / package.replace(".", "/") / f"{PUBLIC_MODULE}.py").is_file()


def test_package_of_reads_mini_program_names():
    for app in APPS:
        assert package_of(f"{app}.service") == app
        assert package_of(f"{app}.graphql.schema") == f"{app}.graphql"
    assert package_of("miniprograms.not_an_app.service") is None
    assert package_of("ledger.service") == "ledger"
    assert package_of("json") is None


def test_the_transport_never_imports_a_mini_program():
    """A mini-program's GraphQL uses bff: bff importing it back would be a circle. Its roots
    are stitched into the schema by the composition root (superapp/schema.py)."""
    offending = [
        f"{path}:{line} imports {name}"
        for name, path, line in IMPORTS[TRANSPORT]
        if name.split(".")[0] == MINIPROGRAMS
    ]
    assert not offending, "\n".join(offending)
