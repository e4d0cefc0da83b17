"""Answering the risk questionnaire as a customer does, and answer sets that add up to a chosen score."""

from __future__ import annotations

from itertools import product

from content.suitability import NO_LOSS, QUESTIONS, VERSION

SUBMIT = """mutation($v: String!, $a: [RiskAnswerInput!]!) { submitRiskQuestionnaire(questionnaireVersion: $v, answers: $a) {
  __typename ... on RiskAssessment { tolerance highestRiskLevel levelName score questionnaireVersion assessedAt validUntil }
  ... on RiskQuestionnaireRefused { code field questionId message } } }"""


def answers_scoring(total: int) -> dict[str, int]:
    """Options (by number) whose points add up to ``total``, without the no-loss answer (it caps at C1)."""
    for options in product(*(range(1, len(q.points) + 1) for q in QUESTIONS)):
        chosen = {q.id: n for q, n in zip(QUESTIONS, options, strict=True)}
        if chosen[NO_LOSS[0]] != NO_LOSS[1] and sum(q.points[n - 1] for q, n in zip(QUESTIONS, options, strict=True)) == total:
            return chosen
    raise AssertionError(f"no answers add up to {total}")


def as_input(chosen: dict[str, int]) -> list[dict]:
    return [{"questionId": q, "option": n} for q, n in chosen.items()]


async def assess(gql, session, total: int) -> dict:
    answer = await gql(SUBMIT, {"v": VERSION, "a": as_input(answers_scoring(total))}, token=session.access_token)
    return answer["data"]["submitRiskQuestionnaire"]
