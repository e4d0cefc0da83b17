"""A checked event as it waits in the Redis Stream for the worker: ``StreamRecord``.

Ingest builds one per accepted event; the worker reads them back. On the stream a record is
a JSON object with short keys (they are most of an entry's bytes); this module is the only
place that knows them. PostgreSQL reads the same JSON directly (``RECORDSET_COLUMNS``).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from tracking.vouching import VouchedBy

# The JSON keys of a record and their PostgreSQL types, for json_to_recordset. Entries written
# before ``v`` existed have none: they are stored as VouchedBy.UNVERIFIED.
RECORDSET_COLUMNS = (
    "id text, t text, n text, a text, u text, v text, an text, s text, p text, r text, pr jsonb, c jsonb,"
    " ca bigint, sa bigint, ra bigint, ea bigint, ip text"
)


@dataclass(frozen=True, slots=True)
class StreamRecord:
    event_id: str
    kind: str  # track | page | identify
    name: str
    app_id: str  # "" is the super-app itself
    user_id: str | None  # only a vouched-for user, see tracking.vouching
    vouched_by: VouchedBy
    anonymous_id: str
    session_id: str | None
    page: str | None
    referrer: str | None
    properties: dict
    context: dict
    device_created_ms: int | None
    device_sent_ms: int | None
    received_ms: int
    event_ms: int  # received minus the time the device held the event
    ip_hash: str | None

    @property
    def visitor(self) -> str:
        """The person behind the event: the user when vouched for, else the device."""
        return f"u:{self.user_id}" if self.user_id else f"a:{self.anonymous_id}"

    def to_json(self) -> bytes:
        return orjson.dumps({
            "id": self.event_id, "t": self.kind, "n": self.name, "a": self.app_id, "u": self.user_id,
            "v": self.vouched_by.value, "an": self.anonymous_id, "s": self.session_id, "p": self.page,
            "r": self.referrer, "pr": self.properties, "c": self.context, "ca": self.device_created_ms,
            "sa": self.device_sent_ms, "ra": self.received_ms, "ea": self.event_ms, "ip": self.ip_hash,
        })

    @classmethod
    def from_json(cls, raw: bytes) -> StreamRecord:
        r = orjson.loads(raw)
        return cls(
            event_id=r["id"], kind=r["t"], name=r["n"], app_id=r["a"], user_id=r["u"],
            vouched_by=VouchedBy(r.get("v", VouchedBy.UNVERIFIED)), anonymous_id=r["an"], session_id=r["s"],
            page=r["p"], referrer=r["r"], properties=r["pr"], context=r["c"], device_created_ms=r["ca"],
            device_sent_ms=r["sa"], received_ms=r["ra"], event_ms=r["ea"], ip_hash=r["ip"],
        )
