"""The message catalogue (infra/messages/*.toml) and the code agree, both ways.

Every message the code names (``Text("ns.key", ...)``, ``t(...)`` in Python; ``text('key')`` and
``data-i18n="key"`` in the container) exists in zh-CN and in English with the same
placeholders, and is given exactly those; no entry is left unused; and no English sentence
is left where people read it (an error's message, a problem's text, a refusal's reason).
The code is read with ``ast``, never run.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.db import DOMAINS

from infra.i18n import LOCALES, catalogue, negotiate, placeholders

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("infra", *DOMAINS, "bff", "superapp")
# Developer tools (the CLI, GraphiQL, start-up configuration) speak English and are not scanned.
DEVELOPER_TOOLS = re.compile(
    # start-up refusals of the embedded or configured Redis are configuration errors, like settings'
    r"(^superapp/|/cli\.py$|/commands\.py$|/config\.py$|^infra/settings\.py$|/migrations/|^bff/ide\.py$"
    r"|^infra/embedded_redis\.py$|^infra/redis_durability\.py$)"
)
CONTAINER_JS = ROOT / "static" / "container.js"
CONTAINER_HTML = ROOT / "static" / "container.html"
CONTAINER_NAMESPACE = "container"
# Exceptions that never reach a customer, a partner or an operator: programming errors and
# start-up configuration errors.
NOT_READ_BY_PEOPLE = {
    "TypeError", "RuntimeError", "AssertionError", "NotImplementedError", "KeyError", "SystemExit", "ValueError",
    "SettingsError", "ModelFileMismatch", "InsideCallersTransaction",
    "Counter", "Histogram", "Gauge",  # metric help texts
    "PersistedQueryError",  # Apollo's persisted-query protocol: client libraries read these messages
    "HTTPException",  # GraphQL-over-HTTP transport failures, read by client libraries
    "FaceRejected",  # its code is what is kept and shown; the text is for `superapp face verify`
    "CallbackRefused",  # answers to the card network's machines: they act on the code (CNET-V1 is English)
    "InDoubt",  # why a movement is in doubt, kept for the log; the customer sees PENDING
    "InternalService",  # the name of a part of the bank acting, for logs and audit
}
# Records kept as written, like log lines: the trail of an account opening's states.
AUDIT_RECORDS = {("kyc/journey.py", "_move"), ("kyc/journey.py", "_open")}
MESSAGE_HELPERS = {"fail", "bad", "problem", "_problem", "error_response", "_refuse"}
MESSAGE_KEYWORDS = {"message", "reason"}


@dataclass(frozen=True)
class Use:
    id: str
    params: frozenset[str] | None  # None: the call passes **kwargs, so its names are not known here
    where: str


def _python_files() -> list[Path]:
    return [p for package in PACKAGES for p in sorted((ROOT / package.replace(".", "/")).rglob("*.py"))]


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def _is_message_call(node: ast.Call) -> bool:
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
    return name in ("Text", "t")


def _python_uses() -> tuple[list[Use], list[str]]:
    uses, unreadable = [], []
    for path in _python_files():
        if path == ROOT / "infra" / "i18n.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and _is_message_call(node)):
                continue
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                unreadable.append(_where(path, node))
                continue
            spread = any(k.arg is None for k in node.keywords)
            params = None if spread else frozenset(k.arg for k in node.keywords)
            uses.append(Use(first.value, params, _where(path, node)))
    return uses, unreadable


def _container_uses() -> list[Use]:
    uses = []
    for path, pattern in ((CONTAINER_JS, r"\btext\(\s*'([A-Za-z0-9_.]+)'(\s*\))?"),
                          (CONTAINER_JS, r"\btextInto\([^,]+,\s*'([A-Za-z0-9_.]+)'"),
                          (CONTAINER_HTML, r'data-i18n="([A-Za-z0-9_.]+)"()')):
        source = path.read_text()
        for found in re.finditer(pattern, source):
            line = source.count("\n", 0, found.start()) + 1
            bare = found.lastindex == 2 and found.group(2) is not None  # text('key') with no parameters
            uses.append(Use(f"{CONTAINER_NAMESPACE}.{found.group(1)}", frozenset() if bare else None,
                            f"{path.relative_to(ROOT)}:{line}"))
    return uses


def _web_uses() -> list[Use]:
    """The web app's t('key', ...) calls (web/src): the H5 app speaks from the catalogue's h5
    namespace; the consoles (web/src/console) from console, then h5 (sign-in, the language switch)."""
    known = catalogue()
    uses = []
    for path in sorted((ROOT / "web" / "src").rglob("*.ts*")):
        if "generated" in path.parts:
            continue
        in_console = "console" in path.relative_to(ROOT / "web" / "src").parts
        source = path.read_text()
        for found in re.finditer(r"\bt\(\s*'([A-Za-z0-9_.]+)'(\s*\))?", source):
            line = source.count("\n", 0, found.start()) + 1
            bare = found.group(2) is not None
            key = found.group(1)
            namespace = "console" if in_console and f"console.{key}" in known else "h5"
            uses.append(Use(f"{namespace}.{key}", frozenset() if bare else None, f"{path.relative_to(ROOT)}:{line}"))
    return uses


USES, UNREADABLE = _python_uses()
USES += _container_uses()
USES += _web_uses()
CATALOGUE = catalogue()


def test_message_ids_are_written_out_so_this_test_can_see_them():
    assert not UNREADABLE, "give Text()/t() the message id as a string literal: " + ", ".join(UNREADABLE)


def test_every_message_is_in_both_locales_with_the_same_placeholders():
    problems = []
    for key, entry in CATALOGUE.items():
        missing = [locale for locale in LOCALES if not entry.get(locale)]
        if missing or set(entry) - set(LOCALES):
            problems.append(f"{key}: needs exactly {', '.join(LOCALES)} (has {', '.join(entry)})")
            continue
        names = {locale: placeholders(entry[locale]) for locale in LOCALES}
        if len({frozenset(n) for n in names.values()}) != 1:
            problems.append(f"{key}: placeholders differ: {names}")
        for name in set().union(*names.values()):
            if not name.isidentifier():
                problems.append(f"{key}: {{{name}}} is not a plain name (write a literal brace as {{{{ }}}})")
    assert not problems, "\n".join(problems)


def test_every_message_the_code_names_exists_and_gets_its_placeholders():
    problems = []
    for use in USES:
        entry = CATALOGUE.get(use.id)
        if entry is None:
            problems.append(f"{use.where}: {use.id} is not in infra/messages/")
            continue
        wanted = placeholders(entry.get("en", ""))
        if use.params is not None and use.params != wanted:
            problems.append(f"{use.where}: {use.id} takes {sorted(wanted)}, given {sorted(use.params)}")
    assert not problems, "\n".join(problems)


def test_no_catalogue_entry_is_unused():
    used = {use.id for use in USES}
    unused = sorted(set(CATALOGUE) - used)
    assert not unused, "messages nothing names (delete them, or name them): " + ", ".join(unused)


def _prose(node: ast.AST) -> str | None:
    """The English sentence a literal holds, if it holds one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    else:
        return None
    return text if re.search(r"[A-Za-z]{2,}[,;:.!?'\")]?\s+\(?[A-Za-z]{2,}", text) else None


def _call_name(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)


def _english_left(path: Path) -> list[str]:
    found = []
    relative = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        literals: list[ast.AST] = []
        if isinstance(node, ast.Assign):  # message = "..." or code, status, message = ..., ..., "..."
            for target in node.targets:
                names = [target] if isinstance(target, ast.Name) else getattr(target, "elts", [])
                values = [node.value] if isinstance(target, ast.Name) else getattr(node.value, "elts", [])
                literals += [v for n, v in zip(names, values, strict=False) if getattr(n, "id", None) in MESSAGE_KEYWORDS]
        elif isinstance(node, ast.Dict):
            literals += [v for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and k.value in MESSAGE_KEYWORDS]
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name in NOT_READ_BY_PEOPLE or (relative, name) in AUDIT_RECORDS or _is_message_call(node):
                continue
            literals += [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
            if name is not None and (name[:1].isupper() or name in MESSAGE_HELPERS):
                literals += node.args
        found += [f"{_where(path, literal)}: {text!r}" for literal in literals if (text := _prose(literal))]
    return found


def test_no_english_sentence_is_left_where_people_read_it():
    left = []
    for path in _python_files():
        if not DEVELOPER_TOOLS.search(str(path.relative_to(ROOT))):
            left += _english_left(path)
    assert not left, (
        "English text where a person reads it: add a message to infra/messages/<package>.toml "
        "and name it with Text()/t() (README, \"Messages and languages\"):\n" + "\n".join(sorted(left))
    )


@pytest.mark.parametrize(("header", "locale"), [
    (None, "zh-CN"), ("", "zh-CN"), ("en", "en"), ("en-US", "en"), ("en-GB,en;q=0.9", "en"), ("EN-us", "en"),
    ("zh", "zh-CN"), ("zh-CN", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("zh-TW", "zh-CN"),
    ("fr-FR, en;q=0.8", "en"), ("fr-FR, de", "zh-CN"), ("*", "zh-CN"),
    ("en;q=0.5, zh;q=0.8", "zh-CN"), ("zh;q=0.8, en;q=0.9", "en"), ("zh;q=0, *", "en"), ("zh;q=0, en;q=0", "zh-CN"),
    ("en;q=2, zh", "zh-CN"), ("en;q=abc", "zh-CN"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("da, en-gb;q=0.8, en;q=0.7", "en"),
    ("<script>, en", "en"), ("en" + ", x" * 10_000, "en"),
])
def test_the_language_is_negotiated_as_rfc_9110_says(header, locale):
    assert negotiate(header) == locale
