"""Operators configure the rules: thresholds validated, each change audited and in force at once."""

from audit import service as audit_log
from identity.roles import Role
from ledger import errors
from tests.monitoring.support import acting, operator, two_accounts

CONFIGURE = """mutation($input: MonitoringRuleInput!) { configureMonitoringRule(input: $input) { __typename
  ... on MonitoringRule { name enabled action thresholds { name value minimum maximum } }
  ... on MonitoringRefused { code field message } } }"""
RULES = "{ monitoringRules { name description enabled action thresholds { name value } } }"


def rule(name, action="HOLD", enabled=True, **thresholds):
    return {"input": {"rule": name, "enabled": enabled, "action": action,
                      "thresholds": [{"name": k, "value": v} for k, v in thresholds.items()]}}


async def test_operators_see_the_six_rules_with_their_defaults(gql, sign_in):
    staff = await operator(sign_in)
    rules = (await gql(RULES, token=staff.access_token))["data"]["monitoringRules"]
    assert [r["name"] for r in rules] == ["velocity", "amount_above_history", "new_device_large", "wrong_pins",
                                          "just_under_step_up", "many_payees"]
    assert rules[0]["description"] == "短时间内交易次数过多"
    assert {t["name"]: t["value"] for t in rules[0]["thresholds"]} == {"max_movements": 30, "window_seconds": 600}


async def test_a_rule_change_is_audited_and_applies_to_the_next_movement(gql, sign_in, runtime):
    staff = await operator(sign_in)
    changed = (await gql(CONFIGURE, rule("velocity", "BLOCK", max_movements=1),
                         token=staff.access_token))["data"]["configureMonitoringRule"]
    assert changed["action"] == "BLOCK"
    assert {t["name"]: t["value"] for t in changed["thresholds"]} == {"max_movements": 1, "window_seconds": 600}
    [record] = await audit_log.records(action="monitoring.rule_changed")
    assert (record.actor, record.subject) == (f"user:{staff.user_id}", "rule:velocity")
    assert record.detail["before"]["thresholds"]["max_movements"] == 30
    assert record.detail["after"] == {"enabled": True, "action": "block",
                                      "thresholds": {"max_movements": 1, "window_seconds": 600}}
    assert (await audit_log.verify()).intact
    alice = await sign_in("13900000301")
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 100_00)
    await runtime.ledger.transfer(by=by, from_account_id=source.id, to_account_id=target.id, amount=1_00,
                                  idempotency_key="cfg-0001")
    try:
        await runtime.ledger.transfer(by=by, from_account_id=source.id, to_account_id=target.id, amount=1_00,
                                      idempotency_key="cfg-0002")
    except errors.MovementBlocked as blocked:
        assert blocked.rule == "velocity"
    else:
        raise AssertionError("the second movement should have been blocked")


async def test_bad_rule_changes_are_typed_errors_and_change_nothing(gql, sign_in):
    staff = await operator(sign_in)
    for variables, code, text in (
        (rule("velocity", max_movements=-5), "INVALID_THRESHOLD", "阈值“max_movements”必须是1到10000之间的整数"),
        (rule("velocity", window_seconds=0), "INVALID_THRESHOLD", None),
        (rule("just_under_step_up", band_percent=90), "INVALID_THRESHOLD", None),
        (rule("no_such_rule"), "UNKNOWN_RULE", "没有名为“no_such_rule”的风控规则"),
        (rule("velocity", speed=3), "UNKNOWN_THRESHOLD", None),
    ):
        refused = (await gql(CONFIGURE, variables, token=staff.access_token))["data"]["configureMonitoringRule"]
        assert (refused["__typename"], refused["code"]) == ("MonitoringRefused", code), variables
        if text:
            assert refused["message"] == text
    english = (await gql.post({"query": CONFIGURE, "variables": rule("velocity", window_seconds=0)},
                              token=staff.access_token, headers={"Accept-Language": "en"})).json()
    assert english["data"]["configureMonitoringRule"]["message"] == (
        'the threshold "window_seconds" must be a whole number from 1 to 2592000')
    rules = (await gql(RULES, token=staff.access_token))["data"]["monitoringRules"]
    assert {t["name"]: t["value"] for t in rules[0]["thresholds"]} == {"max_movements": 30, "window_seconds": 600}
    assert await audit_log.records(action="monitoring.rule_changed") == []


async def test_only_operators_configure_rules(gql, sign_in):
    customer = await sign_in("13900000311")
    reviewer = await sign_in("13900000312", Role.REVIEWER)
    for session in (customer, reviewer):
        answer = await gql(CONFIGURE, rule("velocity", enabled=False), token=session.access_token)
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        listed = await gql(RULES, token=session.access_token)
        assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await audit_log.records(action="monitoring.rule_changed") == []
