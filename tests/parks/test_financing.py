"""Lease financing: a tenant's administrator applies with documents; the bank's credit
officers decide from their own queue, each decision recorded; the applicant is told."""

from __future__ import annotations

import pytest

from audit import service as audit_log
from identity.roles import Role
from miniprograms.parks.service import (
    CreditOfficer, FinancingStatus, NotFound, TenantRoleRequired, TooManyPhotos, WrongState,
)
from openplatform.messages import inbox
from tests.parks.photos import png
from tests.parks.support import leased_unit

QUEUE = "{ leaseFinancingQueue { id amount months purpose status documents { renditions { name } } } }"
DECIDE = """mutation($id: ID!, $approve: Boolean!) {
  decideLeaseFinancing(applicationId: $id, approve: $approve, reason: "经营流水良好，同意授信") {
    __typename ... on LeaseFinancing { status reason } ... on ParksRefusal { code } } }"""
APPLY = """mutation($lease: ID!) { applyLeaseFinancing(leaseId: $lease, amount: 30000000, months: 12,
  purpose: "支付一年租金与押金") { __typename ... on LeaseFinancing { id status } ... on ParksRefusal { code } } }"""


async def test_an_application_is_decided_by_a_credit_officer_and_the_tenant_is_told(runtime, world):
    parks = runtime.parks
    _, lease = await leased_unit(runtime, world)
    officer = CreditOfficer(world.operator)

    applied = await parks.apply_financing(by_user_id=world.tenant_admin, lease_id=lease.id, amount=300_000_00,
                                          months=12, purpose="支付一年租金与押金", documents=[png()])
    queued = await parks.financing_queue(by=officer)
    decided = await parks.decide_financing(by=officer, application_id=applied.id, approve=True, reason="同意授信")

    assert [a.id for a in queued] == [applied.id] and len(applied.documents) == 1
    assert (decided.status, decided.reason) == (FinancingStatus.APPROVED, "同意授信") and decided.decided_at
    assert await parks.financing_queue(by=officer) == []
    [record] = await audit_log.records(action="parks.financing_approved")  # the decision is in the audit chain
    assert (record.actor, record.subject) == (f"user:{world.operator}", f"lease_financing:{applied.id}")
    assert record.detail == {"amount": 300_000_00, "months": 12, "reason": "同意授信"}
    assert [m.title for m in await inbox(user_id=world.tenant_admin)] == ["租金融资申请 ¥300,000.00：已批准"]
    with pytest.raises(WrongState):
        await parks.decide_financing(by=officer, application_id=applied.id, approve=False, reason="反悔")
    seen = await parks.financing_of(by_user_id=world.tenant_staff, enterprise_id=world.tenant.id)
    assert [a.status for a in seen] == [FinancingStatus.APPROVED]


async def test_only_the_tenants_administrators_apply_for_their_own_lease(runtime, world):
    _, lease = await leased_unit(runtime, world)

    with pytest.raises(TenantRoleRequired):  # a maker
        await runtime.parks.apply_financing(by_user_id=world.tenant_staff, lease_id=lease.id, amount=1, months=1,
                                            purpose="周转")
    with pytest.raises(NotFound):  # another enterprise's administrator
        await runtime.parks.apply_financing(by_user_id=world.other_admin, lease_id=lease.id, amount=1, months=1,
                                            purpose="周转")
    with pytest.raises(TooManyPhotos):
        await runtime.parks.apply_financing(by_user_id=world.tenant_admin, lease_id=lease.id, amount=1, months=1,
                                            purpose="周转", documents=[png()] * 10)
    with pytest.raises(NotFound):
        await runtime.parks.financing_of(by_user_id=world.other_admin, enterprise_id=world.tenant.id)


async def test_the_queue_and_decisions_are_for_credit_officers_only(gql, runtime, world, sign_in):
    _, lease = await leased_unit(runtime, world)
    tenant = await sign_in("13900001021")
    officer = await sign_in("13900009001", Role.CREDIT_OFFICER)
    operator = await sign_in("13800000003", Role.OPERATOR)

    applied = (await gql(APPLY, {"lease": str(lease.id)}, token=tenant.access_token))["data"]["applyLeaseFinancing"]
    by_tenant = await gql(QUEUE, token=tenant.access_token)
    by_operator = await gql(DECIDE, {"id": applied["id"], "approve": True}, token=operator.access_token)
    queue = await gql(QUEUE, token=officer.access_token)
    decided = await gql(DECIDE, {"id": applied["id"], "approve": False}, token=officer.access_token)

    assert applied["status"] == "SUBMITTED"
    assert by_tenant["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert by_operator["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert queue["data"]["leaseFinancingQueue"] == [{"id": applied["id"], "amount": 300_000_00, "months": 12,
                                                     "purpose": "支付一年租金与押金", "status": "SUBMITTED",
                                                     "documents": []}]
    assert decided["data"]["decideLeaseFinancing"] == {"__typename": "LeaseFinancing", "status": "REJECTED",
                                                       "reason": "经营流水良好，同意授信"}
