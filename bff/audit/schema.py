"""The tamper-evident audit log for operations staff: every operator action, newest first, a page
at a time; free text in a record's detail is shown with phone, ID and card numbers masked."""

from __future__ import annotations

from datetime import datetime

import strawberry

from audit import service as audit_log
from bff.context import Info
from bff.permissions import requires
from identity.roles import Role
from infra.masking import redact

MAX_PAGE = 200


@strawberry.type(description="One record of the chain: who did what to which subject, when, and the details.")
class AuditEntry:
    seq: int
    at: datetime
    actor: str = strawberry.field(description="`user:<id>` for a person, `system` for the server itself.")
    action: str = strawberry.field(description="What was done: `ledger.account_frozen`, `kyc.manual_opened`...")
    subject: str = strawberry.field(description="What it was done to: `account:<id>`, `content_item:<id>`...")
    detail: strawberry.scalars.JSON


@strawberry.type(description="Newest first; pass `nextBeforeSeq` as `beforeSeq` for the next (older) page.")
class AuditLogPage:
    entries: list[AuditEntry]
    next_before_seq: int | None


def _masked(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


@strawberry.type
class AuditQuery:
    @strawberry.field(extensions=requires(Role.OPERATOR),
                      description="Operators and administrators: the audit log, newest first, optionally of one "
                                  "subject or one action.")
    async def audit_log(self, info: Info, first: int = 50, before_seq: int | None = None,
                        subject: str | None = None, action: str | None = None) -> AuditLogPage:
        size = max(1, min(first, MAX_PAGE))
        rows = await audit_log.records(subject=subject or None, action=action or None, limit=size + 1,
                                       before_seq=before_seq)
        page = rows[:size]
        return AuditLogPage(
            entries=[AuditEntry(seq=r.seq, at=r.at, actor=r.actor, action=r.action, subject=r.subject,
                                detail=_masked(dict(r.detail))) for r in page],
            next_before_seq=page[-1].seq if len(rows) > size else None,
        )
