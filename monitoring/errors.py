"""What can go wrong when operators configure rules or decide held movements, with stable codes."""

from __future__ import annotations

from enum import Enum

from infra.i18n import Text


class MonitoringErrorCode(str, Enum):
    UNKNOWN_RULE = "UNKNOWN_RULE"
    UNKNOWN_THRESHOLD = "UNKNOWN_THRESHOLD"
    INVALID_THRESHOLD = "INVALID_THRESHOLD"
    INVALID_ACTION = "INVALID_ACTION"
    INVALID_REASON = "INVALID_REASON"
    REVIEW_NOT_FOUND = "REVIEW_NOT_FOUND"
    REVIEW_ALREADY_DECIDED = "REVIEW_ALREADY_DECIDED"
    RELEASE_REFUSED = "RELEASE_REFUSED"


class MonitoringError(Exception):
    code: MonitoringErrorCode
    field = ""

    def __init__(self, message: Text) -> None:
        super().__init__(message)


class UnknownRule(MonitoringError):
    code = MonitoringErrorCode.UNKNOWN_RULE
    field = "rule"

    def __init__(self, rule: str) -> None:
        super().__init__(Text("monitoring.unknown_rule", rule=rule[:64]))


class UnknownThreshold(MonitoringError):
    code = MonitoringErrorCode.UNKNOWN_THRESHOLD
    field = "thresholds"

    def __init__(self, rule: str, threshold: str) -> None:
        super().__init__(Text("monitoring.unknown_threshold", rule=rule, threshold=threshold[:64]))


class InvalidThreshold(MonitoringError):
    code = MonitoringErrorCode.INVALID_THRESHOLD
    field = "thresholds"

    def __init__(self, threshold: str, *, minimum: int, maximum: int) -> None:
        super().__init__(Text("monitoring.invalid_threshold", threshold=threshold, minimum=minimum, maximum=maximum))
        self.threshold = threshold
        self.minimum = minimum
        self.maximum = maximum


class InvalidAction(MonitoringError):
    code = MonitoringErrorCode.INVALID_ACTION
    field = "action"

    def __init__(self, action: str) -> None:
        super().__init__(Text("monitoring.invalid_action"))
        self.action = str(action)[:32]


class InvalidReason(MonitoringError):
    code = MonitoringErrorCode.INVALID_REASON
    field = "reason"

    def __init__(self, most: int) -> None:
        super().__init__(Text("monitoring.reason_length", most=most))


class ReviewNotFound(MonitoringError):
    code = MonitoringErrorCode.REVIEW_NOT_FOUND
    field = "id"

    def __init__(self) -> None:
        super().__init__(Text("monitoring.review_not_found"))


class ReviewAlreadyDecided(MonitoringError):
    code = MonitoringErrorCode.REVIEW_ALREADY_DECIDED
    field = "id"

    def __init__(self, status: str) -> None:
        super().__init__(Text("monitoring.review_already_decided", status=status))
        self.status = status


class ReleaseRefused(MonitoringError):
    """The ledger refused to post a released movement (its account frozen or closed since, a
    limit used up): it stays held, and reversing it returns the reservation."""

    code = MonitoringErrorCode.RELEASE_REFUSED
    field = "id"

    def __init__(self, ledger_says: object) -> None:
        super().__init__(Text("monitoring.release_refused", reason=ledger_says))
