"""The registry of event definitions: which app owns an event and what its properties hold.

Definitions are compiled once and cached per process; a registration in this process is
seen at once, one in another process within ``schema_refresh_seconds``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import fastjsonschema

from infra.i18n import Text
from tracking.errors import InvalidDefinition
from tracking.models import EventDefinition

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:\-]{0,127}")
_APP_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")

# Standard events every app may send: exposure and click of a placement (banner, tile).
BUILTIN_SCHEMAS: dict[str, dict] = {
    "$exposure": {
        "type": "object",
        "required": ["placement"],
        "properties": {"placement": {"type": "string", "minLength": 1, "maxLength": 128}},
    },
    "$click": {
        "type": "object",
        "required": ["placement"],
        "properties": {"placement": {"type": "string", "minLength": 1, "maxLength": 128}},
    },
}


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the registry says about an event name sent by an app."""

    validate: Callable[[dict], object] | None  # None: the event may not be sent
    code: str = ""
    reason: Text | None = None


def compile_schema(schema: object) -> Callable[[dict], object]:
    if not isinstance(schema, dict):
        raise InvalidDefinition("schema", Text("tracking.schema_not_object"))
    if schema.get("type", "object") != "object":
        raise InvalidDefinition("schema", Text("tracking.schema_type"))
    try:
        return fastjsonschema.compile(schema)
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        raise InvalidDefinition("schema", Text("tracking.schema_invalid", detail=str(exc))) from None


_BUILTINS = {name: compile_schema(schema) for name, schema in BUILTIN_SCHEMAS.items()}


class SchemaRegistry:
    def __init__(self, *, refresh_seconds: int) -> None:
        self.refresh_seconds = refresh_seconds
        self._validators: dict[tuple[str, str], Callable[[dict], object]] = {}
        self._owners: dict[str, set[str]] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def fresh(self) -> SchemaRegistry:
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            async with self._lock:
                if time.monotonic() - self._loaded_at > self.refresh_seconds:
                    await self._load()
        return self

    async def _load(self) -> None:
        validators: dict[tuple[str, str], Callable[[dict], object]] = {}
        owners: dict[str, set[str]] = {}
        for row in await EventDefinition.all().only("app_id", "name", "json_schema"):
            validators[(row.app_id, row.name)] = compile_schema(row.json_schema)
            owners.setdefault(row.name, set()).add(row.app_id)
        self._validators, self._owners = validators, owners
        self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def lookup(self, app_id: str, name: str) -> Lookup:
        builtin = _BUILTINS.get(name)
        if builtin is not None:
            return Lookup(builtin)
        found = self._validators.get((app_id, name))
        if found is not None:
            return Lookup(found)
        if self._owners.get(name):
            return Lookup(None, "NOT_OWN_EVENT", Text("tracking.event_of_another_app", name=repr(name)))
        return Lookup(None, "UNKNOWN_EVENT", Text("tracking.unknown_event", name=repr(name)))

    async def register(self, *, app_id: str, name: str, schema: object, description: str = "") -> EventDefinition:
        """Create or replace the definition of ``name`` owned by ``app_id`` ("" = super-app)."""
        if app_id and not _APP_ID.fullmatch(app_id):
            raise InvalidDefinition("appId", Text("tracking.definition_app_id"))
        if not _NAME.fullmatch(name) or name in BUILTIN_SCHEMAS:
            raise InvalidDefinition("name", Text("tracking.definition_name"))
        if len(description) > 500:
            raise InvalidDefinition("description", Text("tracking.definition_description", max=500))
        compile_schema(schema)
        definition, _ = await EventDefinition.update_or_create(
            app_id=app_id, name=name, defaults={"json_schema": schema, "description": description}
        )
        self.invalidate()
        return definition
