"""Transaction monitoring as operators see it: rules, held movements and decisions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from bff.errors import Error
from bff.ledger.types import Fen
from monitoring.service import (
    HeldReview, MonitoringErrorCode as DomainErrorCode, ReviewStatus as DomainReviewStatus, RuleSetting, SPECS, Verdict,
)

ReviewStatus = strawberry.enum(DomainReviewStatus, name="HeldMovementStatus")
MonitoringErrorCode = strawberry.enum(DomainErrorCode, name="MonitoringErrorCode")


@strawberry.enum(name="MonitoringAction", description="What a rule does when it triggers.")
class MonitoringAction(Enum):
    STEP_UP = Verdict.STEP_UP.value
    HOLD = Verdict.HOLD.value
    BLOCK = Verdict.BLOCK.value


@strawberry.type(description="One threshold of a monitoring rule, with its allowed range.")
class MonitoringThreshold:
    name: str
    value: int
    minimum: int
    maximum: int


@strawberry.type(description="A transaction-monitoring rule as operators have configured it.")
class MonitoringRule:
    name: str
    description: str
    enabled: bool
    action: MonitoringAction
    thresholds: list[MonitoringThreshold]

    @classmethod
    def of(cls, setting: RuleSetting) -> MonitoringRule:
        spec = SPECS[setting.name]
        return cls(
            name=setting.name, description=str(spec.description), enabled=setting.enabled,
            action=MonitoringAction(setting.action.value),
            thresholds=[MonitoringThreshold(name=name, value=value, minimum=spec.bounds[name].minimum,
                                            maximum=spec.bounds[name].maximum)
                        for name, value in setting.thresholds.items()],
        )


@strawberry.type(description="A movement a monitoring rule held for review, and the decision taken on it.")
class HeldMovement:
    id: strawberry.ID
    customer_id: strawberry.ID
    from_account_id: strawberry.ID
    amount: Fen
    kind: str
    rule: str
    reason: str
    status: ReviewStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    entry_id: strawberry.ID | None

    @classmethod
    def of(cls, review: HeldReview) -> HeldMovement:
        return cls(
            id=strawberry.ID(str(review.id)), customer_id=strawberry.ID(str(review.user_id)),
            from_account_id=strawberry.ID(str(review.from_account_id)), amount=Fen(review.amount), kind=review.kind,
            rule=review.rule, reason=str(review.reason), status=review.status, created_at=review.created_at,
            decided_at=review.decided_at, decided_by=review.decided_by, decision_reason=review.decision_reason,
            entry_id=strawberry.ID(str(review.entry_id)) if review.entry_id is not None else None,
        )


@strawberry.input(description="A rule's new setting; thresholds not named keep their values.")
class MonitoringRuleInput:
    rule: str
    enabled: bool
    action: MonitoringAction
    thresholds: list[MonitoringThresholdInput] = strawberry.field(default_factory=list)


@strawberry.input
class MonitoringThresholdInput:
    name: str
    value: int


@strawberry.type(description="An operator's rule change or decision was refused; `code` says why, `field` where.")
class MonitoringRefused(Error):
    code: MonitoringErrorCode
    field: str | None = None
