"""The words of the parks domain: roles, uses, states."""

from __future__ import annotations

from enum import Enum


class ParkRole(str, Enum):
    """What a user does for one park; the operator enterprise's administrators appoint them."""

    MANAGER = "manager"  # units, enquiries, leases, bills, assigning repairs
    TECHNICIAN = "technician"  # carries out the repairs assigned to them


class UnitUse(str, Enum):
    OFFICE = "office"
    PLANT = "plant"
    WAREHOUSE = "warehouse"
    SHOP = "shop"


class UnitStatus(str, Enum):
    AVAILABLE = "available"
    LEASED = "leased"


class EnquiryStatus(str, Enum):
    OPEN = "open"
    ANSWERED = "answered"


class ViewingStatus(str, Enum):
    NONE = "none"
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class BillKind(str, Enum):
    DEPOSIT = "deposit"
    RENT = "rent"


class BillStatus(str, Enum):
    UNPAID = "unpaid"
    PAID = "paid"


class TicketStatus(str, Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CONFIRMED = "confirmed"
    REOPENED = "reopened"


class Urgency(str, Enum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class RepairCategory(str, Enum):
    ELECTRICAL = "electrical"
    PLUMBING = "plumbing"
    HVAC = "hvac"
    ELEVATOR = "elevator"
    NETWORK = "network"
    BUILDING = "building"
    OTHER = "other"


class PhotoOwner(str, Enum):
    UNIT = "unit"
    TICKET = "ticket"
    AFFAIR = "affair"  # an attachment of a park-affairs application
    FINANCING = "finance"  # a document of a lease-financing application


class AffairStatus(str, Enum):
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class FinancingStatus(str, Enum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
