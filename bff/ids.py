"""Ids from the client, parsed once at the edge.

An argument typed ``RecordId`` is an ``ID`` in the schema and an ``int`` in Python (a row of
ours: 1 to PostgreSQL's bigint); ``MiniAppId`` and ``TrackingAppId`` are strings an app id
can be, ``MiniAppVersion`` a semantic version (an app's versions are named by one). Inside
input objects, ``record_id_field`` declares a record id. A field taking any of them carries
the ``ParsedIds`` extension, listed before ``requires(...)`` so that the permission check
runs first; it parses every declared id before the resolver runs. A malformed id never
reaches a domain or the database: the field answers ``InvalidInput`` naming the argument
when its result can hold one, else a top-level error with code ``INVALID_INPUT`` and the
argument's name in ``extensions.field``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.union import StrawberryUnion

from bff.errors import InvalidInput
from infra.i18n import Text
from miniprogram_host.semver import is_semver

MAX_RECORD_ID = 2**63 - 1  # every id column is a PostgreSQL bigint
_RECORD_ID = re.compile(r"[1-9][0-9]{0,18}")
_MINI_APP_ID = re.compile(r"[A-Za-z0-9_.\-]{1,32}")  # the host's app_id columns hold 32
_TRACKING_APP_ID = re.compile(r"[A-Za-z0-9_.\-]{0,64}")  # as /track/batch takes them; "" is the super-app
_PARSE = "bff.ids.parse"


def parse_record_id(raw: object) -> int | None:
    """The id as an int, or None when it cannot be a row of ours."""
    if not isinstance(raw, str) or not _RECORD_ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_RECORD_ID else None


def _matching(pattern: re.Pattern[str]) -> Callable[[object], str | None]:
    def parse(raw: object) -> str | None:
        return raw if isinstance(raw, str) and pattern.fullmatch(raw) else None

    return parse


def parse_mini_app_version(raw: object) -> str | None:
    """The version name when it is a semantic version (what an upload must carry), else None."""
    return raw if isinstance(raw, str) and is_semver(raw) else None


def parse_session_id(raw: object) -> uuid.UUID | None:
    """A login session's id (a UUID, as ``me.sessions`` shows it), or None."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class IdKind:
    parse: Callable[[object], Any]  # the parsed value, or None when malformed
    message: Callable[[str], Text]  # what the caller reads, given the argument's name


_RECORD = IdKind(parse_record_id, lambda field: Text("bff.not_an_id", field=field))
_MINI_APP = IdKind(_matching(_MINI_APP_ID), lambda field: Text("bff.not_an_app_id", field=field))
_TRACKING_APP = IdKind(_matching(_TRACKING_APP_ID), lambda field: Text("bff.not_an_app_id", field=field))
_VERSION = IdKind(parse_mini_app_version, lambda field: Text("bff.not_a_version", field=field))
_SESSION = IdKind(parse_session_id, lambda field: Text("bff.not_a_session_id", field=field))


def _id(kind: IdKind, graphql_type: Any = None) -> Any:
    return strawberry.argument(graphql_type=graphql_type, metadata={_PARSE: kind})


RecordId = Annotated[int, _id(_RECORD, strawberry.ID)]
OptionalRecordId = Annotated[int | None, _id(_RECORD, strawberry.ID | None)]
OptionalRecordIds = Annotated[list[int] | None, _id(_RECORD, list[strawberry.ID] | None)]
MiniAppId = Annotated[str, _id(_MINI_APP)]
OptionalMiniAppId = Annotated[str | None, _id(_MINI_APP)]
MiniAppVersion = Annotated[str, _id(_VERSION)]
TrackingAppId = Annotated[str, _id(_TRACKING_APP)]
SessionId = Annotated[uuid.UUID, _id(_SESSION, strawberry.ID)]
OptionalTrackingAppId = Annotated[str | None, _id(_TRACKING_APP)]


def record_id_field(*, many: bool = False, **options: Any) -> Any:
    """An input-object field holding one record id (or, with ``many``, a list of them)."""
    graphql_type = options.pop("graphql_type", list[strawberry.ID] if many else strawberry.ID)
    return strawberry.field(graphql_type=graphql_type, metadata={_PARSE: _RECORD}, **options)


class MalformedId(Exception):
    def __init__(self, field: str, kind: IdKind) -> None:
        super().__init__(kind.message(field))
        self.field = field


@dataclass(frozen=True)
class Site:
    """Where an id sits: an argument, or a field of an input-object argument."""

    argument: str
    attribute: str | None
    graphql_name: str
    kind: IdKind


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, (StrawberryOptional, StrawberryList)):
        type_ = type_.of_type
    return type_


def _kind(declared: Any) -> IdKind | None:
    return (getattr(declared, "metadata", None) or {}).get(_PARSE)


def id_sites(field: StrawberryField) -> Iterator[Site]:
    """The field's arguments, and fields of its input-object arguments, declared as ids."""
    names = NameConverter()  # the schema's naming: camelCase
    for argument in field.arguments:
        if kind := _kind(argument):
            yield Site(argument.python_name, None, names.from_argument(argument), kind)
            continue
        input_type = _unwrap(argument.type)
        if has_object_definition(input_type):
            for inner in input_type.__strawberry_definition__.fields:
                if kind := _kind(inner):
                    yield Site(argument.python_name, inner.python_name, names.from_field(inner), kind)


def _parsed(raw: Any, site: Site) -> Any:
    if raw is None:
        return None
    if isinstance(raw, list):
        return [_parsed(item, site) for item in raw]
    value = site.kind.parse(raw)
    if value is None:
        raise MalformedId(site.graphql_name, site.kind)
    return value


class ParsedIds(FieldExtension):
    """Parses the field's declared ids before its resolver runs."""

    def apply(self, field: StrawberryField) -> None:
        self.sites = tuple(id_sites(field))
        result = field.type
        self.typed = isinstance(result, StrawberryUnion) and InvalidInput in result.types

    async def resolve_async(self, next_: AsyncExtensionResolver, source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            for site in self.sites:
                if site.argument not in kwargs:
                    continue  # left out: the resolver's default applies
                if site.attribute is None:
                    kwargs[site.argument] = _parsed(kwargs[site.argument], site)
                    continue
                holders = kwargs[site.argument]
                for holder in holders if isinstance(holders, list) else [holders]:
                    if holder is not None:
                        setattr(holder, site.attribute, _parsed(getattr(holder, site.attribute), site))
        except MalformedId as bad:
            if self.typed:
                return InvalidInput(message=str(bad), field=bad.field)
            raise GraphQLError(str(bad), extensions={"code": "INVALID_INPUT", "field": bad.field}) from None
        return await next_(source, info, **kwargs)
