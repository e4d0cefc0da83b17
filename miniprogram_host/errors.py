"""What can go wrong in the host, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations

from dataclasses import dataclass


class HostError(Exception):
    message = "mini-program host error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class NotFound(HostError):
    message = "no such mini-program, version or organisation"


class NotPermitted(HostError):
    message = "you are not a developer of this mini-program"


class BadCredentials(HostError):
    message = "appId or appSecret is wrong"


class InvalidArgument(HostError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransition(HostError):
    """The version is not in a state this action starts from."""

    def __init__(self, *, action: str, state: str) -> None:
        super().__init__(f"cannot {action} a version that is {state}")
        self.action = action
        self.state = state


class VersionInFlight(HostError):
    """Another version of the app is already in review, approved or in gray."""

    def __init__(self, *, version: str, state: str) -> None:
        super().__init__(f"version {version} is already {state}: one version at a time")
        self.version = version
        self.state = state


class SelfReview(HostError):
    message = "developers cannot review their own organisation's mini-programs"


class AlreadyReviewed(HostError):
    """Another reviewer decided first; the caller's decision was not applied."""

    def __init__(self, *, state: str) -> None:
        super().__init__(f"this version was already reviewed: it is {state}")
        self.state = state


class GrayPercentageMustRise(HostError):
    def __init__(self, *, current: int) -> None:
        super().__init__(f"the gray percentage only goes up: it is {current}%")
        self.current = current


class RollbackTargetInvalid(HostError):
    def __init__(self, *, allowed: list[str]) -> None:
        super().__init__(
            "rollback goes to one of the last 5 released versions: "
            + (", ".join(allowed) if allowed else "there are none")
        )
        self.allowed = allowed


@dataclass(frozen=True, slots=True)
class PackageProblem:
    """One thing wrong with an uploaded package; `path` names the file or manifest field."""

    code: str
    message: str
    path: str | None = None


class InvalidPackage(HostError):
    """The package was refused; every problem found is listed, and nothing was stored."""

    def __init__(self, problems: list[PackageProblem]) -> None:
        super().__init__(f"the package has {len(problems)} problem(s)")
        self.problems = problems


class InvalidIcon(HostError):
    message = "the icon must be a PNG or JPEG image of at least 192x192 pixels"
