"""Every bridge API is documented in miniprogram_runtime/PROTOCOL.md with the arguments its
handler reads and the fields its result holds, read from the handler's source."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest

from miniprogram_runtime.apis import BRIDGE_APIS

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "miniprogram_runtime" / "PROTOCOL.md"


def sections() -> dict[str, str]:
    parts = re.split(r"^### `(\w+)`$", PROTOCOL.read_text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _constant(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_args(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "args"


def read_by(handler) -> tuple[set[str], set[str]]:
    """The argument names a handler reads and the keys of the results it returns."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    args, results = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            reads = node.func.attr in ("text", "number") or (node.func.attr == "get" and _is_args(node.func.value))
            if reads and (name := _constant(node.args[0])):
                args.add(name)
        elif isinstance(node, ast.Subscript) and _is_args(node.value) and (name := _constant(node.slice)):
            args.add(name)
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            results |= {key for k in node.value.keys if k is not None and (key := _constant(k))}
    return args, results


def test_the_readme_links_the_protocol_and_every_documented_api_exists():
    assert "miniprogram_runtime/PROTOCOL.md" in (ROOT / "README.md").read_text()
    assert set(sections()) == set(BRIDGE_APIS)


@pytest.mark.parametrize("api", sorted(BRIDGE_APIS))
def test_each_api_documents_its_arguments_and_result(api):
    section = sections().get(api)
    assert section is not None, f"{api} has no section in {PROTOCOL.name}"
    documented = set(re.findall(r"`(\w+)`", section))
    args, results = read_by(BRIDGE_APIS[api].handler)
    assert args <= documented, f"{api}: arguments not documented: {sorted(args - documented)}"
    assert results <= documented, f"{api}: result fields not documented: {sorted(results - documented)}"
    assert results, f"{api}: no result read from its handler"
