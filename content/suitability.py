"""The risk questionnaire of the appropriateness rule: fixed questions, a score, a tolerance.

A customer answers every question of the current version once (an option by its number,
1 to the question's count); the points of the chosen options add up to 6..100 and the total
falls in one band: C1 <= 20 < C2 <= 40 < C3 <= 60 < C4 <= 80 < C5, a C-n customer reaching
R1..R-n products. Whoever accepts no loss at all is C1 whatever the total. An assessment
holds for ``VALID_FOR``; after that, or before any, the customer counts as unassessed (R1
only). Every submission is kept with its version, answers and time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from content.errors import ContentErrorCode, RiskAnswerError
from content.models import RiskAssessment
from infra.i18n import Text

VERSION = "2026.1"  # a new set of questions or points is a new version; old answers stay as given
VALID_FOR = timedelta(days=365)
BANDS = (20, 40, 60, 80)  # the highest total of C1, C2, C3 and C4; above the last, C5
NO_LOSS = ("loss_tolerance", 1)  # "I accept no loss": C1 whatever the total


@dataclass(frozen=True, slots=True)
class Option:
    text: Text
    points: int


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: Text
    options: tuple[Option, ...]  # answered by number: option n is options[n - 1]

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(o.points for o in self.options)


QUESTIONS = (
    Question("age", Text("content.risk_q_age"), (
        Option(Text("content.risk_q_age_1"), 9), Option(Text("content.risk_q_age_2"), 10),
        Option(Text("content.risk_q_age_3"), 5), Option(Text("content.risk_q_age_4"), 1))),
    Question("income_share", Text("content.risk_q_income_share"), (  # of the household's yearly income
        Option(Text("content.risk_q_income_share_1"), 2), Option(Text("content.risk_q_income_share_2"), 5),
        Option(Text("content.risk_q_income_share_3"), 8), Option(Text("content.risk_q_income_share_4"), 10))),
    Question("experience", Text("content.risk_q_experience"), (
        Option(Text("content.risk_q_experience_1"), 0), Option(Text("content.risk_q_experience_2"), 4),
        Option(Text("content.risk_q_experience_3"), 8), Option(Text("content.risk_q_experience_4"), 12),
        Option(Text("content.risk_q_experience_5"), 16))),
    Question("horizon", Text("content.risk_q_horizon"), (
        Option(Text("content.risk_q_horizon_1"), 2), Option(Text("content.risk_q_horizon_2"), 6),
        Option(Text("content.risk_q_horizon_3"), 10), Option(Text("content.risk_q_horizon_4"), 14))),
    Question("loss_tolerance", Text("content.risk_q_loss_tolerance"), (
        Option(Text("content.risk_q_loss_tolerance_1"), 0), Option(Text("content.risk_q_loss_tolerance_2"), 8),
        Option(Text("content.risk_q_loss_tolerance_3"), 16), Option(Text("content.risk_q_loss_tolerance_4"), 23),
        Option(Text("content.risk_q_loss_tolerance_5"), 30))),
    Question("goal", Text("content.risk_q_goal"), (
        Option(Text("content.risk_q_goal_1"), 1), Option(Text("content.risk_q_goal_2"), 7),
        Option(Text("content.risk_q_goal_3"), 14), Option(Text("content.risk_q_goal_4"), 20))),
)
LEVEL_NAMES = (Text("content.risk_tolerance_1"), Text("content.risk_tolerance_2"), Text("content.risk_tolerance_3"),
               Text("content.risk_tolerance_4"), Text("content.risk_tolerance_5"))  # C1..C5
_BY_ID = {q.id: q for q in QUESTIONS}


@dataclass(frozen=True, slots=True)
class RiskAnswer:
    question: str
    option: int  # 1-based


@dataclass(frozen=True, slots=True)
class Assessment:
    """A customer's assessment: C1..C5 as 1..5, reaching products up to R<tolerance>."""

    tolerance: int
    score: int
    version: str
    assessed_at: datetime
    valid_until: datetime

    @property
    def level_name(self) -> Text:
        return LEVEL_NAMES[self.tolerance - 1]

    @classmethod
    def of(cls, row: RiskAssessment) -> Assessment:
        return cls(row.tolerance, row.score, row.questionnaire_version, row.assessed_at, row.valid_until)


def tolerance_for(score: int) -> int:
    return 1 + sum(score > most for most in BANDS)


def score(answers: Sequence[RiskAnswer]) -> tuple[int, dict[str, int]]:
    """The total and the answers by question, or the first problem, naming its question."""
    chosen: dict[str, int] = {}
    for answer in answers:
        question = _BY_ID.get(answer.question)
        if question is None:
            named = answer.question[:64]
            raise RiskAnswerError(ContentErrorCode.UNKNOWN_QUESTION,
                                  Text("content.risk_unknown_question", question=named), question=named)
        if question.id in chosen:
            raise RiskAnswerError(ContentErrorCode.DUPLICATE_ANSWER,
                                  Text("content.risk_duplicate_answer", question=question.text), question=question.id)
        if not 1 <= answer.option <= len(question.options):
            raise RiskAnswerError(ContentErrorCode.OPTION_OUT_OF_RANGE, Text(
                "content.risk_option_range", question=question.text, most=len(question.options)), question=question.id)
        chosen[question.id] = answer.option
    for question in QUESTIONS:
        if question.id not in chosen:
            raise RiskAnswerError(ContentErrorCode.MISSING_ANSWER,
                                  Text("content.risk_missing_answer", question=question.text), question=question.id)
    return sum(_BY_ID[q].options[n - 1].points for q, n in chosen.items()), chosen


async def submit(*, user_id: int, version: str, answers: Sequence[RiskAnswer], now: datetime | None = None) -> Assessment:
    if version != VERSION:
        raise RiskAnswerError(ContentErrorCode.QUESTIONNAIRE_OUTDATED,
                              Text("content.risk_questionnaire_outdated", version=VERSION), question=None)
    total, chosen = score(answers)
    tolerance = 1 if chosen[NO_LOSS[0]] == NO_LOSS[1] else tolerance_for(total)
    now = now or datetime.now(UTC)
    row = await RiskAssessment.create(user_id=user_id, questionnaire_version=version, answers=chosen, score=total,
                                      tolerance=tolerance, assessed_at=now, valid_until=now + VALID_FOR)
    return Assessment.of(row)


async def current(*, user_id: int, now: datetime | None = None) -> Assessment | None:
    """The customer's latest assessment while it holds; None when there is none or it expired."""
    row = await RiskAssessment.filter(user_id=user_id).order_by("-id").first()
    if row is None or row.valid_until <= (now or datetime.now(UTC)):
        return None
    return Assessment.of(row)
