"""What can go wrong when events arrive or reports are asked for."""

from __future__ import annotations


class TrackingError(Exception):
    pass


class BatchRejected(TrackingError):
    """The whole batch is unusable (not JSON, too large, too many events)."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class RetryLater(TrackingError):
    """The stream is too far behind its workers; nothing was written, send again later."""

    def __init__(self, retry_after_seconds: int, backlog: int) -> None:
        super().__init__(f"Tracking is behind by {backlog} events; retry in {retry_after_seconds} s.")
        self.retry_after_seconds = retry_after_seconds
        self.backlog = backlog


class InvalidDefinition(TrackingError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AppNotVisible(TrackingError):
    """The caller does not develop this app (or it is the super-app's own data)."""

    def __init__(self, app_id: str) -> None:
        super().__init__(f"You cannot see the events of app {app_id or '(super-app)'}.")
        self.app_id = app_id


class InvalidReportInput(TrackingError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
