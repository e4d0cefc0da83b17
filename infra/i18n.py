"""What people read, in Simplified Chinese (the default) or English, from one catalogue.

The catalogue is ``infra/messages/<namespace>.toml``, one file per package that says things
(``ledger.toml`` holds ``ledger.*``), each message in both locales with the same named
``{placeholders}``. Code names a message by its id: ``Text("ledger.account_frozen")`` where
the message is kept and read later (an exception, a list of problems), rendered in the
reader's locale whenever it is turned into a string; ``t(...)`` where a string is wanted
now. The reader's locale is ``current_locale``, set once per request from Accept-Language.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
CATALOGUE_DIR = Path(__file__).resolve().parent / "messages"

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default=DEFAULT_LOCALE)

_MAX_HEADER = 512  # a longer Accept-Language is read only this far
_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_WEIGHT = re.compile(r"q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)")


class Text:
    """A message: its catalogue id and parameters, rendered when read, in the reader's locale.

    A parameter may itself be a ``Text`` (a state's or a step's name), rendered in the same
    locale.
    """

    __slots__ = ("id", "params")

    def __init__(self, id: str, /, **params: object) -> None:
        self.id = id
        self.params = params

    def render(self, locale: str | None = None) -> str:
        locale = locale or current_locale.get()
        entry = catalogue().get(self.id)
        if entry is None:  # tests/test_messages.py keeps this from happening
            return self.id
        template = _template(entry, locale) or self.id
        values = {k: v.render(locale) if isinstance(v, Text) else v for k, v in self.params.items()}
        try:
            return template.format_map(values)
        except (KeyError, IndexError, ValueError):
            return template

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.id!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.id, self.params) == (other.id, other.params)

    def __hash__(self) -> int:
        return hash(self.id)


def t(id: str, /, **params: object) -> str:
    """The message ``id`` in the current locale, now."""
    return Text(id, **params).render()


@cache
def catalogue() -> Mapping[str, Mapping[str, str]]:
    """Every message, ``{"ledger.account_frozen": {"zh-CN": ..., "en": ...}}``, read once."""
    entries: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.toml")):
        with path.open("rb") as file:
            for key, locales in tomllib.load(file).items():
                entries[f"{path.stem}.{key}"] = dict(locales)
    return entries


def namespace_messages(namespace: str, locale: str) -> dict[str, str]:
    """The templates of one namespace in ``locale``, keyed without the namespace (for clients)."""
    prefix = namespace + "."
    return {
        key[len(prefix):]: _template(entry, locale) or key
        for key, entry in catalogue().items()
        if key.startswith(prefix)
    }


def _template(entry: Mapping[str, str], locale: str) -> str | None:
    """The entry in ``locale``; one not yet translated shows in whatever language it has."""
    return entry.get(locale) or entry.get(DEFAULT_LOCALE) or next(iter(entry.values()), None)


def placeholders(template: str) -> set[str]:
    """The names a template fills in: ``{balance}`` gives ``balance``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def negotiate(accept_language: str | None) -> str:
    """The locale to answer in, from an Accept-Language header (RFC 9110 §12.5.4).

    Ranges are taken by weight, the first listed first among equals; ``en`` and its
    subtags (en-US, en-GB) give English, ``zh`` and its subtags (zh-CN, zh-Hans) Chinese, and
    ``*``, anything else, a malformed header or none at all give the default, Chinese. A range
    with ``q=0`` is refused: ``zh;q=0, en`` is English.
    """
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    refused: set[str] = set()
    for position, item in enumerate(accept_language[:_MAX_HEADER].split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not _RANGE.fullmatch(tag):
            continue
        weight = 1.0
        for param in params.split(";") if params else ():
            found = _WEIGHT.fullmatch(param.strip().lower())
            weight = float(found.group(1)) if found else -1.0
        if weight < 0:
            continue  # a malformed weight: the range is ignored
        locale = _locale_of(tag)
        if weight == 0:
            if locale is not None:
                refused.add(locale)
            continue
        ranked.append((-weight, position, tag))
    for _, _, tag in sorted(ranked):
        locale = _locale_of(tag)
        if tag == "*":
            return next((loc for loc in (DEFAULT_LOCALE, *LOCALES) if loc not in refused), DEFAULT_LOCALE)
        if locale is not None and locale not in refused:
            return locale
    return DEFAULT_LOCALE


def _locale_of(tag: str) -> str | None:
    language = tag.split("-", 1)[0].lower()
    return {"en": "en", "zh": "zh-CN"}.get(language)


def locale_from_environment(environ: Mapping[str, str]) -> str:
    """A command-line tool's locale, from POSIX LC_ALL, LC_MESSAGES or LANG (``en_US.UTF-8``).

    ``C`` and ``POSIX`` name no language: the default.
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            language = value.split(".", 1)[0].split("@", 1)[0]
            return DEFAULT_LOCALE if language in ("C", "POSIX") else negotiate(language.replace("_", "-"))
    return DEFAULT_LOCALE


@contextlib.contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Render in ``locale`` inside the block (a command-line tool, a background job)."""
    token = current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        current_locale.reset(token)


def yuan(fen: int) -> str:
    """An amount as people read it: 123456 fen is ``1,234.56`` (yuan, two decimals)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
