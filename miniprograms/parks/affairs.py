"""Park affairs: applications whose types the park defines as data, not code.

A type is a JSON Schema form (checked when defined, compiled, and applied to every form)
plus a workflow of named steps, each with the park staff who may decide it. An application
moves through the steps in order; each decision is recorded with who, when and a reason;
a rejection ends it; the applicant hears of every decision in their inbox.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import fastjsonschema
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from infra.i18n import Text, t
from miniprograms.parks import access, errors, photos
from miniprograms.parks.estate import clean_photo, keep_photo, text
from miniprograms.parks.leasing import Tell
from miniprograms.parks.models import AffairApplication, AffairDecision, AffairType, Lease, ParkStaff
from miniprograms.parks.vocabulary import AffairStatus, ParkRole, PhotoOwner

MAX_SCHEMA_BYTES = 16 * 1024
MAX_FORM_BYTES = 16 * 1024
MAX_STEPS = 8
MAX_ATTACHMENTS = 9
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")


@dataclass(frozen=True, slots=True)
class AffairStep:
    name: str
    approvers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AffairTypeView:
    id: int
    park_id: int
    code: str
    name: str
    form_schema: dict
    steps: tuple[AffairStep, ...]
    max_attachments: int

    @classmethod
    def of(cls, row: AffairType) -> AffairTypeView:
        return cls(row.id, row.park_id, row.code, row.name, row.form_schema,
                   tuple(AffairStep(s["name"], tuple(s["approvers"])) for s in row.steps), row.max_attachments)


@dataclass(frozen=True, slots=True)
class AffairDecisionView:
    step: int
    step_name: str
    by_user_id: int
    approved: bool
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AffairApplicationView:
    id: int
    type_id: int
    type_name: str
    park_id: int
    enterprise_id: int
    applicant_user_id: int
    form: dict
    status: AffairStatus
    step_name: str | None  # the step now deciding, while in review
    decisions: tuple[AffairDecisionView, ...]
    created_at: datetime


@lru_cache(maxsize=256)
def _validator(schema_json: str):
    return fastjsonschema.compile(json.loads(schema_json))


def _checked_schema(schema: object):
    """The form schema: an object schema of at most 16 KB that compiles."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise errors.InvalidInput(Text("parks.form_schema_object"), field="formSchema")
    encoded = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    if len(encoded.encode()) > MAX_SCHEMA_BYTES:
        raise errors.InvalidInput(Text("parks.form_schema_size", most_kb=MAX_SCHEMA_BYTES // 1024), field="formSchema")
    try:
        _validator(encoded)
    except (fastjsonschema.JsonSchemaDefinitionException, re.error, ValueError, TypeError, RecursionError):
        raise errors.InvalidInput(Text("parks.form_schema_invalid"), field="formSchema") from None
    return schema, encoded


async def _checked_steps(park_id: int, steps: object) -> list[dict]:
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise errors.InvalidInput(Text("parks.steps_count", most=MAX_STEPS), field="steps")
    staff = set(await ParkStaff.filter(park_id=park_id).values_list("user_id", flat=True))
    checked = []
    for step in steps:
        if not isinstance(step, dict):
            raise errors.InvalidInput(Text("parks.steps_count", most=MAX_STEPS), field="steps")
        approvers = step.get("approvers")
        if (not isinstance(approvers, list) or not approvers
                or not all(isinstance(a, int) and not isinstance(a, bool) and a in staff for a in approvers)):
            raise errors.InvalidInput(Text("parks.step_approvers"), field="steps")
        checked.append({"name": text(step.get("name"), "steps", most=40), "approvers": sorted(set(approvers))})
    return checked


async def define_type(*, by_user_id: int, park_id: int, code: str, name: str, form_schema: object, steps: object,
                      max_attachments: int = 0) -> AffairTypeView:
    """A park's manager adds (or, by the same code, replaces) a kind of application."""
    await access.require_park_role(park_id=park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise errors.InvalidInput(Text("parks.affair_code"), field="code")
    schema, _ = _checked_schema(form_schema)
    checked_steps = await _checked_steps(park_id, steps)
    if isinstance(max_attachments, bool) or not isinstance(max_attachments, int) \
            or not 0 <= max_attachments <= MAX_ATTACHMENTS:
        raise errors.InvalidInput(Text("parks.number_range", least=0, most=MAX_ATTACHMENTS), field="maxAttachments")
    values = dict(name=text(name, "name", most=60), form_schema=schema, steps=checked_steps,
                  max_attachments=max_attachments, created_by_user_id=by_user_id)
    try:
        row, created = await AffairType.get_or_create(park_id=park_id, code=code, defaults=values)
    except IntegrityError:  # defined at the same moment by another request
        row, created = await AffairType.get(park_id=park_id, code=code), False
    if not created:
        await row.update_from_dict(values).save()
    return AffairTypeView.of(row)


async def types_of(*, park_id: int) -> list[AffairTypeView]:
    return [AffairTypeView.of(r) for r in await AffairType.filter(park_id=park_id).order_by("id")]


async def apply(*, by_user_id: int, enterprise_id: int, type_id: int, form: object, attachments: list[bytes],
                limits: photos.PhotoLimits, tell: Tell) -> AffairApplicationView:
    """A member of an enterprise leasing in the park applies with the type's form filled in."""
    kind = await AffairType.get_or_none(id=type_id)
    if kind is None:
        raise errors.NotFound("affair_type")
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    if not await Lease.exists(park_id=kind.park_id, tenant_enterprise_id=enterprise_id):
        raise errors.NotFound("affair_type")  # only the park's tenants apply to it
    encoded = json.dumps(form, ensure_ascii=False) if isinstance(form, dict) else None
    if encoded is None or len(encoded.encode()) > MAX_FORM_BYTES:
        raise errors.InvalidInput(Text("parks.form_invalid", detail="{}"), field="form")
    try:
        _validator(json.dumps(kind.form_schema, sort_keys=True, ensure_ascii=False))(form)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise errors.InvalidInput(Text("parks.form_invalid", detail=exc.name), field="form") from None
    if len(attachments) > kind.max_attachments:
        raise errors.TooManyPhotos(most=kind.max_attachments)
    cleaned = [await clean_photo(data, limits=limits) for data in attachments]
    async with in_transaction():
        row = await AffairApplication.create(affair_type_id=kind.id, park_id=kind.park_id, enterprise_id=enterprise_id,
                                             applicant_user_id=by_user_id, form=form)
        for clean in cleaned:
            await keep_photo(owner_kind=PhotoOwner.AFFAIR, owner_id=row.id, clean=clean, by_user_id=by_user_id)
    for approver in kind.steps[0]["approvers"]:
        await tell(user_id=approver, topic="parks.affair", title=t("parks.affair_to_decide_title", name=kind.name),
                   body=t("parks.affair_to_decide_body", name=kind.name, step=kind.steps[0]["name"]))
    return await _view(row, kind)


async def decide(*, by_user_id: int, application_id: int, approve: bool, reason: str, tell: Tell
                 ) -> AffairApplicationView:
    """An approver of the step now deciding approves (on to the next step, or approved at the
    last) or rejects (the end), always with a reason."""
    row = await AffairApplication.get_or_none(id=application_id)
    if row is None:
        raise errors.NotFound("affair")
    if not await ParkStaff.exists(park_id=row.park_id, user_id=by_user_id):  # others: as for any park
        await access.require_park_role(park_id=row.park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    reason = text(reason, "reason", most=300)
    async with in_transaction():
        row = await AffairApplication.select_for_update().get(id=row.id)
        kind = await AffairType.get(id=row.affair_type_id)
        if row.status is not AffairStatus.IN_REVIEW:
            raise errors.WrongState(row.status.value)
        step = kind.steps[row.step]
        if by_user_id not in step["approvers"]:
            raise errors.ParkRoleRequired("approver")
        await AffairDecision.create(application_id=row.id, step=row.step, step_name=step["name"],
                                    by_user_id=by_user_id, approved=bool(approve), reason=reason)
        if not approve:
            row.status = AffairStatus.REJECTED
        elif row.step + 1 == len(kind.steps):
            row.status = AffairStatus.APPROVED
        else:
            row.step += 1
        await row.save(update_fields=["status", "step"])
    outcome = Text("parks.affair_approved") if approve else Text("parks.affair_rejected")
    await tell(user_id=row.applicant_user_id, topic="parks.affair",
               title=t("parks.affair_decided_title", name=kind.name, step=step["name"], outcome=outcome),
               body=reason)
    if row.status is AffairStatus.IN_REVIEW:
        for approver in kind.steps[row.step]["approvers"]:
            await tell(user_id=approver, topic="parks.affair", title=t("parks.affair_to_decide_title", name=kind.name),
                       body=t("parks.affair_to_decide_body", name=kind.name, step=kind.steps[row.step]["name"]))
    return await _view(row, kind)


async def _view(row: AffairApplication, kind: AffairType | None = None) -> AffairApplicationView:
    kind = kind or await AffairType.get(id=row.affair_type_id)
    decisions = await AffairDecision.filter(application_id=row.id).order_by("step")
    return AffairApplicationView(
        row.id, kind.id, kind.name, row.park_id, row.enterprise_id, row.applicant_user_id, row.form, row.status,
        kind.steps[row.step]["name"] if row.status is AffairStatus.IN_REVIEW else None,
        tuple(AffairDecisionView(d.step, d.step_name, d.by_user_id, d.approved, d.reason, d.at) for d in decisions),
        row.created_at)


async def applications_of(*, by_user_id: int, enterprise_id: int) -> list[AffairApplicationView]:
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    rows = await AffairApplication.filter(enterprise_id=enterprise_id).order_by("-id").limit(100)
    return [await _view(r) for r in rows]


async def queue_of(*, by_user_id: int, park_id: int) -> list[AffairApplicationView]:
    """Applications of the park waiting for a step this user decides."""
    if not await ParkStaff.exists(park_id=park_id, user_id=by_user_id):
        await access.require_park_role(park_id=park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    waiting = []
    for row in await AffairApplication.filter(park_id=park_id, status=AffairStatus.IN_REVIEW).order_by("id").limit(200):
        kind = await AffairType.get(id=row.affair_type_id)
        if by_user_id in kind.steps[row.step]["approvers"]:
            waiting.append(await _view(row, kind))
    return waiting
