"""What can go wrong when events arrive or reports are asked for."""

from __future__ import annotations

from infra.i18n import Text


class TrackingError(Exception):
    pass


class BatchRejected(TrackingError):
    """The whole batch is unusable (not JSON, too large, too many events)."""

    def __init__(self, code: str, message: Text, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class RetryLater(TrackingError):
    """The stream is too far behind its workers; nothing was written, send again later."""

    def __init__(self, retry_after_seconds: int, backlog: int) -> None:
        super().__init__(Text("tracking.retry_later", backlog=backlog, seconds=retry_after_seconds))
        self.retry_after_seconds = retry_after_seconds
        self.backlog = backlog


class InvalidDefinition(TrackingError):
    def __init__(self, field: str, message: Text) -> None:
        super().__init__(message)
        self.field = field


class AppNotVisible(TrackingError):
    """The caller does not develop this app (or it is the super-app's own data)."""

    def __init__(self, app_id: str) -> None:
        super().__init__(Text("tracking.app_not_visible", app_id=app_id) if app_id
                         else Text("tracking.super_app_not_visible"))
        self.app_id = app_id


class InvalidReportInput(TrackingError):
    def __init__(self, field: str, message: Text) -> None:
        super().__init__(message)
        self.field = field
