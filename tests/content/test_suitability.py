"""The risk questionnaire: fixed questions in both languages, scored into C1..C5 by documented bands,
each answer checked, the customer's own only, and an assessment that expires back to R1."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from content.models import RiskAssessment
from content.service import ContentKind
from content.suitability import BANDS, QUESTIONS, VALID_FOR, VERSION
from identity.models import User
from identity.roles import Role
from tests.content.risk import SUBMIT, answers_scoring, as_input, assess
from tests.content.support import draft, published

QUESTIONNAIRE = """{ riskQuestionnaire { version validForDays questions { id text options { number text } } } }"""
MINE = """{ myRiskAssessment { tolerance highestRiskLevel score } }"""
FEED = """{ feed(first: 20) { ... on FeedPage { items { id product { riskLevel } } } } }"""


async def test_the_questionnaire_is_fixed_versioned_and_reads_in_chinese_or_english(gql, sign_in):
    alice = await sign_in("13900006001")
    chinese = (await gql(QUESTIONNAIRE, token=alice.access_token))["data"]["riskQuestionnaire"]
    assert chinese["version"] == VERSION and chinese["validForDays"] == VALID_FOR.days == 365
    assert [q["id"] for q in chinese["questions"]] == ["age", "income_share", "experience", "horizon",
                                                       "loss_tolerance", "goal"]
    assert [len(q["options"]) for q in chinese["questions"]] == [len(q.points) for q in QUESTIONS]
    assert chinese["questions"][0] == {"id": "age", "text": "您的年龄", "options": [
        {"number": 1, "text": "18–30 岁"}, {"number": 2, "text": "31–50 岁"}, {"number": 3, "text": "51–60 岁"},
        {"number": 4, "text": "60 岁以上"}]}
    response = await gql.post({"query": QUESTIONNAIRE}, token=alice.access_token, headers={"accept-language": "en"})
    english = response.json()["data"]["riskQuestionnaire"]
    assert english["questions"][4]["text"] == "The largest loss on your investment you could bear"
    assert english["questions"][4]["options"][0]["text"] == "no loss at all"


@pytest.mark.parametrize(("total", "tolerance"), [
    (14, 1), (20, 1), (21, 2), (40, 2), (41, 3), (60, 3), (61, 4), (80, 4), (81, 5), (100, 5)])
async def test_each_score_band_gives_its_tolerance_on_both_sides_of_its_bounds(gql, sign_in, total, tolerance):
    assert BANDS == (20, 40, 60, 80)
    bob = await sign_in("13900006011")
    found = await assess(gql, bob, total)
    assert found["__typename"] == "RiskAssessment", found
    assert (found["score"], found["tolerance"], found["highestRiskLevel"]) == (total, f"C{tolerance}", f"R{tolerance}")
    assert found["levelName"] == ["保守型", "稳健型", "平衡型", "成长型", "进取型"][tolerance - 1]
    assert found["questionnaireVersion"] == VERSION
    assessed, until = datetime.fromisoformat(found["assessedAt"]), datetime.fromisoformat(found["validUntil"])
    assert until - assessed == VALID_FOR


async def test_whoever_accepts_no_loss_is_conservative_whatever_the_total(gql, sign_in):
    carol = await sign_in("13900006021")
    bold = answers_scoring(100) | {"loss_tolerance": 1}  # 70 points, yet no loss at all
    found = (await gql(SUBMIT, {"v": VERSION, "a": as_input(bold)}, token=carol.access_token))
    found = found["data"]["submitRiskQuestionnaire"]
    assert (found["score"], found["tolerance"]) == (70, "C1")


@pytest.mark.parametrize(("change", "code", "question"), [
    (lambda a: a + [{"questionId": "salary", "option": 1}], "UNKNOWN_QUESTION", "salary"),
    (lambda a: a[:2] + a[3:], "MISSING_ANSWER", "experience"),
    (lambda a: a + a[:1], "DUPLICATE_ANSWER", "age"),
    (lambda a: [x | {"option": 6} if x["questionId"] == "horizon" else x for x in a], "OPTION_OUT_OF_RANGE",
     "horizon"),
    (lambda a: [x | {"option": 0} if x["questionId"] == "goal" else x for x in a], "OPTION_OUT_OF_RANGE", "goal"),
])
async def test_each_answer_is_checked_and_a_refusal_names_its_question(gql, sign_in, change, code, question):
    dave = await sign_in("13900006031")
    answers = change(as_input(answers_scoring(50)))
    refused = (await gql(SUBMIT, {"v": VERSION, "a": answers}, token=dave.access_token))["data"]
    assert refused["submitRiskQuestionnaire"]["code"] == code
    assert refused["submitRiskQuestionnaire"]["questionId"] == question
    assert refused["submitRiskQuestionnaire"]["field"] == "answers"
    assert await RiskAssessment.filter(user_id=dave.user_id).count() == 0


async def test_missing_answers_are_named_in_the_readers_language_and_old_versions_are_refused(gql, sign_in):
    erin = await sign_in("13900006041")
    partial = as_input(answers_scoring(50))[:-1]
    body = {"query": SUBMIT, "variables": {"v": VERSION, "a": partial}}
    english = (await gql.post(body, token=erin.access_token, headers={"accept-language": "en"})).json()
    assert english["data"]["submitRiskQuestionnaire"]["message"] == "please answer: What you invest for"
    chinese = (await gql(SUBMIT, {"v": VERSION, "a": partial}, token=erin.access_token))["data"]
    assert chinese["submitRiskQuestionnaire"]["message"] == "请回答这道题：您的投资目标"
    outdated = await gql(SUBMIT, {"v": "2019.1", "a": as_input(answers_scoring(50))}, token=erin.access_token)
    assert outdated["data"]["submitRiskQuestionnaire"] | {"message": None} == {
        "__typename": "RiskQuestionnaireRefused", "code": "QUESTIONNAIRE_OUTDATED", "field": "questionnaireVersion",
        "questionId": None, "message": None}


async def test_only_customers_submit_and_only_their_own(gql, sign_in, runtime):
    frank, grace = await sign_in("13900006051"), await sign_in("13900006052")
    staff = await runtime.identity.ensure_user(phone="13900006053", roles=[Role.OPERATOR])
    await User.filter(id=staff.id).update(roles=[Role.OPERATOR.value])  # an operator who is not a customer
    operator = await sign_in("13900006053")
    answers = {"v": VERSION, "a": as_input(answers_scoring(90))}
    wrong_role = await gql(SUBMIT, answers, token=operator.access_token)
    assert wrong_role["data"] is None and wrong_role["errors"][0]["extensions"]["code"] == "FORBIDDEN", wrong_role
    assert (await gql(QUESTIONNAIRE, token=operator.access_token))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(SUBMIT, answers))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await RiskAssessment.all().count() == 0

    # the mutation takes no customer: frank's answers are frank's, and grace stays unassessed
    assert (await gql(SUBMIT, answers, token=frank.access_token))["data"]["submitRiskQuestionnaire"]["tolerance"] == "C5"
    assert set(await RiskAssessment.all().values_list("user_id", flat=True)) == {frank.user_id}
    assert (await gql(MINE, token=grace.access_token))["data"]["myRiskAssessment"] is None
    assert (await gql(MINE, token=frank.access_token))["data"]["myRiskAssessment"] == {
        "tolerance": "C5", "highestRiskLevel": "R5", "score": 90}
    stored = await RiskAssessment.get(user_id=frank.user_id)
    assert stored.questionnaire_version == VERSION and stored.answers == answers_scoring(90)


async def test_an_r4_product_shows_after_an_r4_assessment_and_hides_again_when_it_expires(gql, sign_in, runtime):
    author = (await sign_in("13900006061", Role.OPERATOR)).user_id
    hana = await sign_in("13900006062")
    r4 = await published(runtime, author, draft(ContentKind.PRODUCT_CARD, risk_level=4, topics=("fund",)))
    r1 = await published(runtime, author, draft(ContentKind.PRODUCT_CARD, risk_level=1, topics=("fund",)))

    async def shown():
        return {int(i["id"]) for i in (await gql(FEED, token=hana.access_token))["data"]["feed"]["items"]}

    assert await shown() == {r1}  # unassessed: R1 only
    assert (await assess(gql, hana, 60))["tolerance"] == "C3"
    assert await shown() == {r1}
    assert (await assess(gql, hana, 61))["tolerance"] == "C4"  # the latest assessment counts
    assert await shown() == {r1, r4}
    assert (await gql(MINE, token=hana.access_token))["data"]["myRiskAssessment"]["highestRiskLevel"] == "R4"

    # a year and a day pass: the assessment has expired, and hana counts as unassessed again
    for row in await RiskAssessment.filter(user_id=hana.user_id):
        row.assessed_at -= VALID_FOR + timedelta(days=1)
        row.valid_until -= VALID_FOR + timedelta(days=1)
        await row.save()
    assert await shown() == {r1}
    assert (await gql(MINE, token=hana.access_token))["data"]["myRiskAssessment"] is None
    assert await runtime.content.item_for(user_id=hana.user_id, item_id=r4) is None
