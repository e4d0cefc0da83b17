"""The tracked events that shape profiles, as the app's SDK sends them, and their parsing."""

from __future__ import annotations

import re

from content.profile import Action, Signal

EVENT_PREFIX = "content_"
EVENTS = {f"{EVENT_PREFIX}{action.value}": action for action in Action}
_ITEM_ID = r"^[1-9][0-9]{0,18}$"
SCHEMA = {
    "type": "object",
    "properties": {"itemId": {"type": "string", "pattern": _ITEM_ID},
                   "dwellMs": {"type": "integer", "minimum": 0, "maximum": 86_400_000}},
    "required": ["itemId"],
}
_ID = re.compile(_ITEM_ID)


def parse(*, name: str, user_id: str, properties: dict, event_ms: int) -> Signal | None:
    """A signal, or None for what cannot be one (an unknown user id form, say)."""
    action = EVENTS.get(name)
    item, user = properties.get("itemId"), user_id
    if action is None or not isinstance(item, str) or not _ID.match(item) or not user.isdigit():
        return None
    dwell = properties.get("dwellMs") if action is Action.DWELL else 0
    return Signal(int(user), int(item), action, event_ms, dwell if isinstance(dwell, int) else 0)
