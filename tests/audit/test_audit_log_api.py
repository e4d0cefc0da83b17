"""The audit log over GraphQL (`auditLog`): operations staff and administrators read every
operator action newest first, a page at a time, of one subject or action; numbers in free text
come back masked; customers, developers and reviewers are refused."""

from __future__ import annotations

from identity.roles import Role
from tests.ledger.support import funded_account

FREEZE = """mutation($id: ID!, $frozen: Boolean!, $reason: String) {
  setAccountFrozen(id: $id, frozen: $frozen, reason: $reason) { __typename } }"""
LOG = """query($first: Int!, $before: Int, $subject: String, $action: String) {
  auditLog(first: $first, beforeSeq: $before, subject: $subject, action: $action) {
    entries { seq actor action subject detail } nextBeforeSeq } }"""


async def test_an_operator_pages_through_the_log_newest_first(gql, sign_in, runtime):
    customer = await sign_in("13900000001")
    operator = await sign_in("13900000009", Role.OPERATOR)
    wallet = await funded_account(runtime, customer.user_id, 10_00)
    other = await funded_account(runtime, customer.user_id, 0, name="second")
    for account, frozen, reason in ((wallet, True, "客户 13912345678 来电报失"), (wallet, False, "核实后解冻"),
                                    (other, True, "法院冻结令")):
        answer = await gql(FREEZE, {"id": str(account.id), "frozen": frozen, "reason": reason},
                           token=operator.access_token)
        assert answer["data"]["setAccountFrozen"]["__typename"] == "AccountUpdated", answer

    first = (await gql(LOG, {"first": 2}, token=operator.access_token))["data"]["auditLog"]
    rest = (await gql(LOG, {"first": 2, "before": first["nextBeforeSeq"]}, token=operator.access_token))
    of_wallet = await gql(LOG, {"first": 10, "subject": f"account:{wallet.id}"}, token=operator.access_token)
    frozen = await gql(LOG, {"first": 10, "action": "ledger.account_frozen"}, token=operator.access_token)

    assert [e["detail"]["reason"] for e in first["entries"]] == ["法院冻结令", "核实后解冻"]
    assert [e["seq"] for e in first["entries"]] == [3, 2] and first["nextBeforeSeq"] == 2
    [oldest] = rest["data"]["auditLog"]["entries"]
    assert rest["data"]["auditLog"]["nextBeforeSeq"] is None
    assert oldest["actor"] == f"user:{operator.user_id}" and oldest["action"] == "ledger.account_frozen"
    assert oldest["detail"] == {"from": "active", "to": "frozen", "reason": "客户 139****5678 来电报失"}
    assert [e["seq"] for e in of_wallet["data"]["auditLog"]["entries"]] == [2, 1]
    assert [e["subject"] for e in frozen["data"]["auditLog"]["entries"]] == [f"account:{other.id}",
                                                                            f"account:{wallet.id}"]


async def test_administrators_read_it_and_no_one_else(gql, sign_in):
    admin = await sign_in("13900000008", Role.ADMIN)
    assert (await gql(LOG, {"first": 5}, token=admin.access_token))["data"]["auditLog"]["entries"] == []
    for phone, roles in (("13900000001", ()), ("13900000101", (Role.DEVELOPER,)), ("13900000909", (Role.REVIEWER,)),
                         ("13900000707", (Role.CREDIT_OFFICER,))):
        session = await sign_in(phone, *roles)
        refused = await gql(LOG, {"first": 5}, token=session.access_token)
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", (roles, refused)
    anonymous = await gql(LOG, {"first": 5})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
