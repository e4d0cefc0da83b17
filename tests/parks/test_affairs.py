"""Park affairs: the park defines each kind of application as data (a JSON Schema form and a
workflow of named steps with approvers); tenants apply; every decision has who, when, why."""

from __future__ import annotations

import pytest

from miniprograms.parks.service import AffairStatus, InvalidInput, NotFound, ParkRoleRequired, WrongState
from openplatform.messages import inbox
from tests.parks.support import leased_unit

PARKING_FORM = {
    "type": "object",
    "required": ["plate", "months"],
    "properties": {
        "plate": {"type": "string", "pattern": "^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$"},
        "months": {"type": "integer", "minimum": 1, "maximum": 12},
    },
    "additionalProperties": False,
}


async def _parking_permit(runtime, world):
    await leased_unit(runtime, world)
    return await runtime.parks.define_affair_type(
        by_user_id=world.manager, park_id=world.park.id, code="parking_permit", name="停车证",
        form_schema=PARKING_FORM, steps=[{"name": "物业审核", "approvers": [world.technician]},
                                         {"name": "园区主任审批", "approvers": [world.manager]}])


async def test_an_application_goes_through_each_named_step_with_reasons(runtime, world):
    parks = runtime.parks
    kind = await _parking_permit(runtime, world)

    applied = await parks.apply_affair(by_user_id=world.tenant_staff, enterprise_id=world.tenant.id, type_id=kind.id,
                                       form={"plate": "粤B12345", "months": 6})
    queued = await parks.affair_queue(by_user_id=world.technician, park_id=world.park.id)
    first = await parks.decide_affair(by_user_id=world.technician, application_id=applied.id, approve=True,
                                      reason="车位充足")
    done = await parks.decide_affair(by_user_id=world.manager, application_id=applied.id, approve=True,
                                     reason="同意办理")

    assert (applied.status, applied.step_name) == (AffairStatus.IN_REVIEW, "物业审核")
    assert [a.id for a in queued] == [applied.id]
    assert (first.status, first.step_name) == (AffairStatus.IN_REVIEW, "园区主任审批")
    assert done.status is AffairStatus.APPROVED and done.step_name is None
    assert [(d.step_name, d.by_user_id, d.approved, d.reason) for d in done.decisions] == [
        ("物业审核", world.technician, True, "车位充足"), ("园区主任审批", world.manager, True, "同意办理")]
    seen = await parks.affairs_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id)
    assert [(a.type_name, a.status) for a in seen] == [("停车证", AffairStatus.APPROVED)]
    assert [m.title for m in await inbox(user_id=world.tenant_staff)] == [
        "停车证申请：园区主任审批通过", "停车证申请：物业审核通过"]
    with pytest.raises(WrongState):
        await parks.decide_affair(by_user_id=world.manager, application_id=applied.id, approve=False, reason="反悔")


async def test_a_rejection_ends_it_and_a_new_type_needs_no_code(runtime, world):
    parks = runtime.parks
    await leased_unit(runtime, world)
    decoration = await parks.define_affair_type(
        by_user_id=world.manager, park_id=world.park.id, code="decoration", name="装修许可", max_attachments=2,
        form_schema={"type": "object", "required": ["scope", "days"],
                     "properties": {"scope": {"type": "string", "minLength": 2}, "days": {"type": "integer"}}},
        steps=[{"name": "园区主任审批", "approvers": [world.manager]}])

    applied = await parks.apply_affair(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id,
                                       type_id=decoration.id, form={"scope": "更换隔断墙", "days": 10})
    rejected = await parks.decide_affair(by_user_id=world.manager, application_id=applied.id, approve=False,
                                         reason="施工方资质材料不全")

    assert rejected.status is AffairStatus.REJECTED
    assert rejected.decisions[0].reason == "施工方资质材料不全"
    assert [t.code for t in await parks.affair_types(park_id=world.park.id)] == ["decoration"]


async def test_forms_that_break_the_schema_and_strangers_are_refused(runtime, world):
    parks = runtime.parks
    kind = await _parking_permit(runtime, world)

    for form in ({"plate": "ABC", "months": 6}, {"plate": "粤B12345", "months": 13}, {"plate": "粤B12345"},
                 {"plate": "粤B12345", "months": 1, "extra": True}, ["not", "an", "object"]):
        with pytest.raises(InvalidInput) as refused:
            await parks.apply_affair(by_user_id=world.tenant_staff, enterprise_id=world.tenant.id, type_id=kind.id,
                                     form=form)
        assert refused.value.field == "form"
    with pytest.raises(NotFound):  # an enterprise that leases nothing in this park
        await parks.apply_affair(by_user_id=world.other_admin, enterprise_id=world.other_tenant.id, type_id=kind.id,
                                 form={"plate": "粤B12345", "months": 1})
    applied = await parks.apply_affair(by_user_id=world.tenant_staff, enterprise_id=world.tenant.id,
                                       type_id=kind.id, form={"plate": "粤B12345", "months": 1})
    with pytest.raises(ParkRoleRequired):  # the manager decides the second step, not the first
        await parks.decide_affair(by_user_id=world.manager, application_id=applied.id, approve=True, reason="好")
    with pytest.raises(NotFound):  # another park's manager
        await parks.decide_affair(by_user_id=world.rival_manager, application_id=applied.id, approve=True, reason="好")
    with pytest.raises(InvalidInput):  # a decision without a reason
        await parks.decide_affair(by_user_id=world.technician, application_id=applied.id, approve=True, reason=" ")
    with pytest.raises(NotFound):
        await parks.affairs_of(by_user_id=world.other_admin, enterprise_id=world.tenant.id)


@pytest.mark.parametrize(("schema", "steps", "field"), [
    ({"type": "array"}, None, "formSchema"),
    ({"type": "object", "properties": {"a": {"type": "no-such-type"}}}, None, "formSchema"),
    ({"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}, None, "formSchema"),
    ({"type": "object"}, [], "steps"),
    ({"type": "object"}, [{"name": "审批", "approvers": [999]}], "steps"),  # not the park's staff
])
async def test_a_type_with_a_broken_form_or_workflow_is_refused(runtime, world, schema, steps, field):
    with pytest.raises(InvalidInput) as refused:
        await runtime.parks.define_affair_type(
            by_user_id=world.manager, park_id=world.park.id, code="broken", name="坏的", form_schema=schema,
            steps=steps if steps is not None else [{"name": "审批", "approvers": [world.manager]}])
    assert refused.value.field == field
    with pytest.raises(NotFound):
        await runtime.parks.define_affair_type(
            by_user_id=world.rival_manager, park_id=world.park.id, code="ok", name="好的",
            form_schema={"type": "object"}, steps=[{"name": "审批", "approvers": [world.manager]}])
