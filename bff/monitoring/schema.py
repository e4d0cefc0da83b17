"""Operators' transaction monitoring: the held-movement queue and its decisions, and the rules.

Customers see their own held movements; only operators see the queue, decide and configure.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.ids import ParsedIds, RecordId
from bff.monitoring.types import (
    HeldMovement, MonitoringRefused, MonitoringRule, MonitoringRuleInput, ReviewStatus,
)
from bff.permissions import requires
from identity.roles import Role
from monitoring import errors
from monitoring.service import ReviewStatus as DomainReviewStatus

DecideResult = Annotated[HeldMovement | MonitoringRefused, strawberry.union("DecideHeldMovementResult")]
ConfigureResult = Annotated[MonitoringRule | MonitoringRefused, strawberry.union("ConfigureMonitoringRuleResult")]


def _refused(exc: errors.MonitoringError) -> MonitoringRefused:
    return MonitoringRefused(message=str(exc), code=exc.code, field=exc.field or None)


def _operator(info: Info) -> str:
    return f"user:{info.context.principal.user_id}"


@strawberry.type
class MonitoringQuery:
    @strawberry.field(extensions=requires(Role.OPERATOR),
                      description="Movements held by transaction monitoring, oldest first (HELD unless asked).")
    async def held_movements(self, info: Info, status: ReviewStatus = DomainReviewStatus.HELD,
                             limit: int = 100) -> list[HeldMovement]:
        reviews = await info.context.runtime.monitoring.held_queue(status=DomainReviewStatus(status.value),
                                                                   limit=limit)
        return [HeldMovement.of(review) for review in reviews]

    @strawberry.field(extensions=requires(Role.CUSTOMER),
                      description="Your own movements held for review, newest first.")
    async def my_held_movements(self, info: Info) -> list[HeldMovement]:
        reviews = await info.context.runtime.monitoring.held_of(user_id=info.context.principal.user_id)
        return [HeldMovement.of(review) for review in reviews]

    @strawberry.field(extensions=requires(Role.OPERATOR), description="The transaction-monitoring rules.")
    async def monitoring_rules(self, info: Info) -> list[MonitoringRule]:
        return [MonitoringRule.of(rule) for rule in await info.context.runtime.monitoring.rules()]


@strawberry.type
class MonitoringMutation:
    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR)],
        description="Release (post as asked) or reverse (return the reserved amount) a held movement, with a reason; "
                    "recorded in the audit log.",
    )
    async def decide_held_movement(self, info: Info, id: RecordId, release: bool, reason: str) -> DecideResult:
        try:
            review = await info.context.runtime.monitoring.decide(
                review_id=id, release=release, operator=_operator(info), reason=reason)
        except errors.MonitoringError as exc:
            return _refused(exc)
        return HeldMovement.of(review)

    @strawberry.mutation(extensions=requires(Role.OPERATOR),
                         description="Enable or disable a rule, choose its action, change thresholds (validated); "
                                     "recorded in the audit log.")
    async def configure_monitoring_rule(self, info: Info, input: MonitoringRuleInput) -> ConfigureResult:
        try:
            setting = await info.context.runtime.monitoring.configure_rule(
                operator=_operator(info), name=input.rule, enabled=input.enabled, action=input.action.value,
                thresholds={threshold.name: threshold.value for threshold in input.thresholds},
            )
        except errors.MonitoringError as exc:
            return _refused(exc)
        return MonitoringRule.of(setting)
