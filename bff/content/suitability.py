"""The risk questionnaire in GraphQL: customers read it and submit their own answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from bff.content.types import ContentErrorCode
from bff.errors import Error, InvalidInput
from content import service as content


@strawberry.type(description="One option of a risk question: answer with its `number`.")
class RiskQuestionOption:
    number: int
    text: str


@strawberry.type
class RiskQuestion:
    id: str
    text: str
    options: list[RiskQuestionOption]

    @classmethod
    def of(cls, question: content.Question) -> RiskQuestion:
        return cls(id=question.id, text=str(question.text), options=[
            RiskQuestionOption(number=n, text=str(option.text)) for n, option in enumerate(question.options, 1)])


@strawberry.type(description="The suitability questionnaire: answer every question, naming this version.")
class RiskQuestionnaire:
    version: str
    valid_for_days: int = strawberry.field(description="How long an assessment holds; after it, only R1 products.")
    questions: list[RiskQuestion]


@strawberry.type(description=(
    "Your risk assessment: tolerance C1 to C5 reaches products up to R1 to R5, until `validUntil`."))
class RiskAssessment:
    tolerance: str = strawberry.field(description="C1 to C5")
    highest_risk_level: str = strawberry.field(description="The riskiest products you may be shown: R1 to R5")
    level_name: str
    score: int
    questionnaire_version: str
    assessed_at: datetime
    valid_until: datetime

    @classmethod
    def of(cls, found: content.Assessment) -> RiskAssessment:
        return cls(tolerance=f"C{found.tolerance}", highest_risk_level=f"R{found.tolerance}",
                   level_name=str(found.level_name), score=found.score, questionnaire_version=found.version,
                   assessed_at=found.assessed_at, valid_until=found.valid_until)


@strawberry.input(description="The option you chose for one question.")
class RiskAnswerInput:
    question_id: str
    option: int = strawberry.field(description="The option's number, from 1")


@strawberry.type(description="The questionnaire was refused; `questionId` names the question at fault.")
class RiskQuestionnaireRefused(Error):
    code: ContentErrorCode
    field: str | None = None
    question_id: str | None = None


SubmitRiskResult = Annotated[RiskAssessment | RiskQuestionnaireRefused | InvalidInput,
                             strawberry.union("SubmitRiskQuestionnaireResult")]


def questionnaire(found: content.RiskQuestionnaire) -> RiskQuestionnaire:
    return RiskQuestionnaire(version=found.version, valid_for_days=found.valid_for.days,
                             questions=[RiskQuestion.of(q) for q in found.questions])


async def submit(service: content.ContentService, *, user_id: int, questionnaire_version: str,
                 answers: list[RiskAnswerInput]) -> SubmitRiskResult:
    """Any number of answers is safe: scoring stops at the first unknown or repeated question."""
    try:
        found = await service.submit_risk_questionnaire(
            user_id=user_id, version=questionnaire_version[:32],
            answers=[content.RiskAnswer(a.question_id, a.option) for a in answers])
    except content.RiskAnswerError as exc:
        return RiskQuestionnaireRefused(message=str(exc), code=exc.code, field=exc.field, question_id=exc.question)
    return RiskAssessment.of(found)
