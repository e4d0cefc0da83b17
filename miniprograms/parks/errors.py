"""What the parks domain refuses, as typed exceptions with stable codes."""

from __future__ import annotations

from enum import Enum

from infra.i18n import Text


class ParksErrorCode(str, Enum):
    NOT_FOUND = "NOT_FOUND"  # no such thing, or not one the caller may see
    PARK_ROLE_REQUIRED = "PARK_ROLE_REQUIRED"
    TENANT_ROLE_REQUIRED = "TENANT_ROLE_REQUIRED"
    INVALID_INPUT = "INVALID_INPUT"
    NOT_AN_IMAGE = "NOT_AN_IMAGE"
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    TOO_MANY_PIXELS = "TOO_MANY_PIXELS"
    TOO_MANY_PHOTOS = "TOO_MANY_PHOTOS"
    UNIT_NOT_AVAILABLE = "UNIT_NOT_AVAILABLE"
    WRONG_STATE = "WRONG_STATE"
    PAYMENT_REFUSED = "PAYMENT_REFUSED"


_NOT_FOUND = {
    "park": Text("parks.not_found_park"), "operator": Text("parks.not_found_operator"),
    "building": Text("parks.not_found_building"), "unit": Text("parks.not_found_unit"),
    "enterprise": Text("parks.not_found_enterprise"), "enquiry": Text("parks.not_found_enquiry"),
    "bill": Text("parks.not_found_bill"), "ticket": Text("parks.not_found_ticket"),
    "affair_type": Text("parks.not_found_affair_type"), "affair": Text("parks.not_found_affair"),
    "lease": Text("parks.not_found_lease"), "financing": Text("parks.not_found_financing"),
}
ROLE_NAMES = {
    "manager": Text("parks.role_manager"), "technician": Text("parks.role_technician"),
    "operator_admin": Text("parks.role_operator_admin"), "approver": Text("parks.role_approver"),
}
STATE_NAMES = {
    "new": Text("parks.state_new"), "assigned": Text("parks.state_assigned"),
    "in_progress": Text("parks.state_in_progress"), "done": Text("parks.state_done"),
    "confirmed": Text("parks.state_confirmed"), "reopened": Text("parks.state_reopened"),
    "unpaid": Text("parks.state_unpaid"), "paid": Text("parks.state_paid"),
    "in_review": Text("parks.state_in_review"), "approved": Text("parks.state_approved"),
    "rejected": Text("parks.state_rejected"), "submitted": Text("parks.state_submitted"),
}


class ParksError(Exception):
    code = ParksErrorCode.INVALID_INPUT

    def __init__(self, message: Text, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(ParksError):
    """Also what another park's staff or another tenant is told: existence is not disclosed."""

    code = ParksErrorCode.NOT_FOUND

    def __init__(self, what: str) -> None:
        super().__init__(_NOT_FOUND[what])
        self.what = what


class ParkRoleRequired(ParksError):
    code = ParksErrorCode.PARK_ROLE_REQUIRED

    def __init__(self, role: str) -> None:
        super().__init__(Text("parks.park_role_required", role=ROLE_NAMES[role]))
        self.role = role


class TenantRoleRequired(ParksError):
    code = ParksErrorCode.TENANT_ROLE_REQUIRED

    def __init__(self) -> None:
        super().__init__(Text("parks.tenant_role_required"))


class InvalidInput(ParksError):
    code = ParksErrorCode.INVALID_INPUT


class NotAnImage(ParksError):
    code = ParksErrorCode.NOT_AN_IMAGE

    def __init__(self) -> None:
        super().__init__(Text("parks.not_an_image"), field="photo")


class ImageTooLarge(ParksError):
    code = ParksErrorCode.IMAGE_TOO_LARGE

    def __init__(self, *, max_bytes: int) -> None:
        super().__init__(Text("parks.image_too_large", most_mb=max_bytes // (1024 * 1024)), field="photo")
        self.max_bytes = max_bytes


class TooManyPixels(ParksError):
    code = ParksErrorCode.TOO_MANY_PIXELS

    def __init__(self, *, max_pixels: int) -> None:
        super().__init__(Text("parks.too_many_pixels", most_mp=max_pixels // 1_000_000), field="photo")
        self.max_pixels = max_pixels


class TooManyPhotos(ParksError):
    code = ParksErrorCode.TOO_MANY_PHOTOS

    def __init__(self, *, most: int) -> None:
        super().__init__(Text("parks.too_many_photos", most=most), field="photos")
        self.most = most


class UnitNotAvailable(ParksError):
    code = ParksErrorCode.UNIT_NOT_AVAILABLE

    def __init__(self) -> None:
        super().__init__(Text("parks.unit_not_available"), field="unitId")


class WrongState(ParksError):
    """A ticket, enquiry or bill is not in a state that allows this step."""

    code = ParksErrorCode.WRONG_STATE

    def __init__(self, state: str) -> None:
        super().__init__(Text("parks.wrong_state", state=STATE_NAMES[state]))
        self.state = state


class PaymentRefused(ParksError):
    """The ledger refused the rent payment; ``reason`` is its refusal (wrong PIN, funds, ...)."""

    code = ParksErrorCode.PAYMENT_REFUSED

    def __init__(self, reason: str, message: object) -> None:
        super().__init__(Text("parks.payment_refused", reason=str(message)))
        self.reason = reason
