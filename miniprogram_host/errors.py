"""What can go wrong in the host, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations

from dataclasses import dataclass

from infra.i18n import Text


class HostError(Exception):
    message = Text("miniprogram_host.error")

    def __init__(self, message: Text | None = None) -> None:
        super().__init__(message or self.message)


_VERSION_STATES = {
    "uploaded": Text("miniprogram_host.state_uploaded"),
    "submitted": Text("miniprogram_host.state_submitted"),
    "approved": Text("miniprogram_host.state_approved"),
    "rejected": Text("miniprogram_host.state_rejected"),
    "gray": Text("miniprogram_host.state_gray"),
    "released": Text("miniprogram_host.state_released"),
    "superseded": Text("miniprogram_host.state_superseded"),
    "withdrawn": Text("miniprogram_host.state_withdrawn"),
}


def version_state(state: str) -> Text | str:
    """A version's state as people read it (the code itself for a state not named here)."""
    return _VERSION_STATES.get(state, state)


def _cannot(action: str, *, state: Text | str) -> Text:
    if action == "submit":
        return Text("miniprogram_host.cannot_submit", state=state)
    if action == "withdraw":
        return Text("miniprogram_host.cannot_withdraw", state=state)
    if action == "release":
        return Text("miniprogram_host.cannot_release", state=state)
    return Text("miniprogram_host.cannot_start_gray", state=state)


class NotFound(HostError):
    message = Text("miniprogram_host.not_found")


class NotPermitted(HostError):
    message = Text("miniprogram_host.not_permitted")


class BadCredentials(HostError):
    message = Text("miniprogram_host.bad_credentials")


class InvalidArgument(HostError):
    def __init__(self, message: Text, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransition(HostError):
    """The version is not in a state this action starts from."""

    def __init__(self, *, action: str, state: str) -> None:
        super().__init__(_cannot(action, state=version_state(state)))
        self.action = action
        self.state = state


class VersionInFlight(HostError):
    """Another version of the app is already in review, approved or in gray."""

    def __init__(self, *, version: str, state: str) -> None:
        super().__init__(Text("miniprogram_host.version_in_flight", version=version, state=version_state(state)))
        self.version = version
        self.state = state


class DevelopmentVersion(HostError):
    """The version names development origins (localhost): it runs only in its developers' preview."""

    def __init__(self, *, version: str, origins: list[str]) -> None:
        super().__init__(Text("miniprogram_host.development_version", version=version, origins=", ".join(origins)))
        self.version = version
        self.origins = origins


class SelfReview(HostError):
    message = Text("miniprogram_host.self_review")


class AlreadyReviewed(HostError):
    """Another reviewer decided first; the caller's decision was not applied."""

    def __init__(self, *, state: str) -> None:
        super().__init__(Text("miniprogram_host.already_reviewed", state=version_state(state)))
        self.state = state


class GrayPercentageMustRise(HostError):
    def __init__(self, *, current: int) -> None:
        super().__init__(Text("miniprogram_host.gray_percentage_must_rise", current=current))
        self.current = current


class RollbackTargetInvalid(HostError):
    def __init__(self, *, allowed: list[str]) -> None:
        super().__init__(Text("miniprogram_host.rollback_target", allowed=", ".join(allowed)) if allowed
                         else Text("miniprogram_host.rollback_no_target"))
        self.allowed = allowed


@dataclass(frozen=True, slots=True)
class PackageProblem:
    """One thing wrong with an uploaded package; `path` names the file or manifest field."""

    code: str
    message: Text
    path: str | None = None


class InvalidPackage(HostError):
    """The package was refused; every problem found is listed, and nothing was stored."""

    def __init__(self, problems: list[PackageProblem]) -> None:
        super().__init__(Text("miniprogram_host.invalid_package", count=len(problems)))
        self.problems = problems


class InvalidIcon(HostError):
    message = Text("miniprogram_host.invalid_icon")
