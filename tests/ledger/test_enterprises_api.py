"""Enterprise and merchant customers: operators open them (GB 32100 code checked), with a
settlement account; administrators manage makers and checkers; roles are per enterprise."""

import pytest

from identity.roles import Role
from ledger import errors
from ledger.models import Account
from ledger.service import (
    AccountKind, EnterpriseRole, MerchantCategory, get_enterprise, merchants, require_enterprise_role,
)

OPEN = """mutation($input: OpenEnterpriseInput!) { openEnterprise(input: $input) {
  __typename
  ... on EnterpriseOpened { enterprise { id name creditCode merchantCategory myRoles
                                         account { id accountNumber balance available status } } }
  ... on InvalidCreditCode { reason }
  ... on EnterpriseExists { enterpriseId }
  ... on InvalidInput { field }
  ... on Error { message } } }"""
ADD = """mutation($id: ID!, $phone: String!, $role: EnterpriseRole!) {
  addEnterpriseMember(enterpriseId: $id, phone: $phone, role: $role) {
    __typename
    ... on EnterpriseMemberChanged { members { maskedPhone role } }
    ... on EnterpriseRoleRequired { roles }
    ... on Error { message } } }"""
REMOVE = ADD.replace("addEnterpriseMember", "removeEnterpriseMember")
MINE = "{ myEnterprises { name myRoles } }"
ONE = "query($id: ID!) { enterprise(id: $id) { __typename ... on Enterprise { name } ... on Error { message } } }"
CCB = "911100001000044477"
TENCENT = "91440300708461136T"


@pytest.fixture
async def people(sign_in):
    """An operator, the future administrator, a maker, a checker, and a stranger."""
    return {name: await sign_in(phone, *roles) for name, phone, roles in (
        ("operator", "13800000003", (Role.OPERATOR,)), ("admin", "13900000101", ()), ("maker", "13900000102", ()),
        ("checker", "13900000103", ()), ("stranger", "13900000104", ()),
    )}


async def opened(gql, people, name="建设银行", code=CCB, **extra):
    result = await gql(OPEN, {"input": {"name": name, "creditCode": code, "administratorPhone": "13900000101",
                                        **extra}}, token=people["operator"].access_token)
    return result["data"]["openEnterprise"]


async def test_an_operator_opens_an_enterprise_with_its_account_and_first_administrator(gql, people):
    result = await opened(gql, people, name="中国建设银行股份有限公司", code=CCB.lower())
    enterprise = result["enterprise"]
    assert result["__typename"] == "EnterpriseOpened"
    assert (enterprise["name"], enterprise["creditCode"], enterprise["merchantCategory"]) == (
        "中国建设银行股份有限公司", CCB, None)
    assert enterprise["account"]["balance"] == enterprise["account"]["available"] == 0
    assert len(enterprise["account"]["accountNumber"]) == 19
    row = await Account.get(id=int(enterprise["account"]["id"]))
    assert (row.kind, row.owner_user_id) == (AccountKind.ENTERPRISE, None)
    mine = (await gql(MINE, token=people["admin"].access_token))["data"]["myEnterprises"]
    assert mine == [{"name": "中国建设银行股份有限公司", "myRoles": ["ADMINISTRATOR"]}]
    # the operator's retry is the same enterprise; the code under another name is refused
    again = await opened(gql, people, name="中国建设银行股份有限公司", code=CCB)
    assert again["enterprise"]["id"] == enterprise["id"]
    other = await opened(gql, people, name="Someone else", code=CCB)
    assert other == {"__typename": "EnterpriseExists", "enterpriseId": enterprise["id"],
                     "message": "该统一社会信用代码的企业已开立"}


async def test_a_merchant_is_an_enterprise_with_a_category_and_a_merchant_account(gql, people):
    result = await opened(gql, people, name="深圳市停车场管理有限公司", code=TENCENT, merchantCategory="PARKING")
    assert result["enterprise"]["merchantCategory"] == "PARKING"
    found = await merchants(category=MerchantCategory.PARKING)
    assert [m.name for m in found] == ["深圳市停车场管理有限公司"]
    assert (await Account.get(id=found[0].account_id)).kind is AccountKind.MERCHANT


@pytest.mark.parametrize("code, reason", [
    ("911100001000044478", "CHECK_CHARACTER"),  # the last character altered
    ("911100001000044747", "CHECK_CHARACTER"),  # two characters swapped
    ("91110000100004447", "LENGTH"),
    ("9111000010000444I7", "CHARACTERS"),
])
async def test_a_wrong_credit_code_is_refused_and_nothing_is_opened(gql, people, code, reason):
    result = await opened(gql, people, code=code)
    assert (result["__typename"], result["reason"]) == ("InvalidCreditCode", reason)
    assert await Account.filter(kind=AccountKind.ENTERPRISE).count() == 0


async def test_only_operators_open_enterprises(gql, people):
    result = await gql(OPEN, {"input": {"name": "建设银行", "creditCode": CCB}}, token=people["admin"].access_token)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await Account.filter(kind=AccountKind.ENTERPRISE).count() == 0


async def test_the_administrator_appoints_a_maker_and_a_checker(gql, people):
    enterprise = (await opened(gql, people))["enterprise"]
    admin = people["admin"].access_token
    for phone, role in (("13900000102", "MAKER"), ("13900000103", "CHECKER")):
        changed = (await gql(ADD, {"id": enterprise["id"], "phone": phone, "role": role}, token=admin))["data"]
        assert changed["addEnterpriseMember"]["__typename"] == "EnterpriseMemberChanged"
    assert changed["addEnterpriseMember"]["members"] == [
        {"maskedPhone": "139****0101", "role": "ADMINISTRATOR"}, {"maskedPhone": "139****0102", "role": "MAKER"},
        {"maskedPhone": "139****0103", "role": "CHECKER"},
    ]
    eid = int(enterprise["id"])
    maker, checker = people["maker"].user_id, people["checker"].user_id
    # payroll asks the ledger before a maker submits and a checker approves
    assert await require_enterprise_role(enterprise_id=eid, user_id=checker, roles={EnterpriseRole.CHECKER}) \
        is EnterpriseRole.CHECKER
    with pytest.raises(errors.EnterpriseRoleRequired):
        await require_enterprise_role(enterprise_id=eid, user_id=maker, roles={EnterpriseRole.CHECKER})
    with pytest.raises(errors.NotEnterpriseMember):
        await require_enterprise_role(enterprise_id=eid, user_id=people["stranger"].user_id,
                                      roles={EnterpriseRole.MAKER})


async def test_a_maker_cannot_manage_members(gql, people):
    enterprise = (await opened(gql, people))["enterprise"]
    await gql(ADD, {"id": enterprise["id"], "phone": "13900000102", "role": "MAKER"}, token=people["admin"].access_token)
    refused = (await gql(ADD, {"id": enterprise["id"], "phone": "13900000104", "role": "CHECKER"},
                         token=people["maker"].access_token))["data"]["addEnterpriseMember"]
    assert refused == {"__typename": "EnterpriseRoleRequired", "roles": ["ADMINISTRATOR"],
                       "message": "this needs the enterprise role administrator"}
    assert await require_enterprise_role(enterprise_id=int(enterprise["id"]), user_id=people["maker"].user_id,
                                         roles={EnterpriseRole.MAKER}) is EnterpriseRole.MAKER
    with pytest.raises(errors.NotEnterpriseMember):
        await require_enterprise_role(enterprise_id=int(enterprise["id"]), user_id=people["stranger"].user_id,
                                      roles={EnterpriseRole.CHECKER})


async def test_an_administrator_of_one_enterprise_has_no_say_in_another(gql, people):
    ours = (await opened(gql, people))["enterprise"]
    theirs = (await gql(OPEN, {"input": {"name": "腾讯", "creditCode": TENCENT, "administratorPhone": "13900000104"}},
                        token=people["operator"].access_token))["data"]["openEnterprise"]["enterprise"]
    admin = people["admin"].access_token
    refused = (await gql(ADD, {"id": theirs["id"], "phone": "13900000101", "role": "ADMINISTRATOR"},
                         token=admin))["data"]["addEnterpriseMember"]
    unknown = (await gql(ADD, {"id": "99999", "phone": "13900000101", "role": "MAKER"},
                         token=admin))["data"]["addEnterpriseMember"]
    seen = (await gql(ONE, {"id": theirs["id"]}, token=admin))["data"]["enterprise"]
    assert refused["__typename"] == seen["__typename"] == "NotEnterpriseMember"
    assert unknown["__typename"] == "EnterpriseNotFound"
    assert (await gql(ONE, {"id": ours["id"]}, token=admin))["data"]["enterprise"]["__typename"] == "Enterprise"
    assert (await gql(MINE, token=admin))["data"]["myEnterprises"] == [{"name": "建设银行", "myRoles": ["ADMINISTRATOR"]}]


async def test_the_last_administrator_stays(gql, people):
    enterprise = (await opened(gql, people))["enterprise"]
    variables = {"id": enterprise["id"], "phone": "13900000101", "role": "ADMINISTRATOR"}
    refused = (await gql(REMOVE, variables, token=people["admin"].access_token))["data"]["removeEnterpriseMember"]
    assert refused["__typename"] == "LastAdministrator"
    assert (await get_enterprise(enterprise_id=int(enterprise["id"]))).name == "建设银行"
    # with a second administrator appointed by an operator, the first may step down
    await gql(ADD, {**variables, "phone": "13900000103"}, token=people["operator"].access_token)
    stepped = (await gql(REMOVE, variables, token=people["admin"].access_token))["data"]["removeEnterpriseMember"]
    assert (stepped["__typename"], stepped["members"]) == ("EnterpriseMemberChanged", [])
    listed = await gql("query($id: ID!) { enterpriseMembers(enterpriseId: $id) { __typename"
                       " ... on EnterpriseMembers { members { maskedPhone role } } } }", {"id": enterprise["id"]},
                       token=people["checker"].access_token)
    assert listed["data"]["enterpriseMembers"]["members"] == [{"maskedPhone": "139****0103", "role": "ADMINISTRATOR"}]
