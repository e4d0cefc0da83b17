"""What the parks service returns: frozen views of its rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from miniprograms.parks import models
from miniprograms.parks.vocabulary import (
    BillKind, BillStatus, EnquiryStatus, ParkRole, RepairCategory, TicketStatus, UnitStatus, UnitUse, Urgency,
    ViewingStatus,
)


@dataclass(frozen=True, slots=True)
class ParkView:
    id: int
    operator_enterprise_id: int
    name: str
    city: str
    address: str

    @classmethod
    def of(cls, row: models.Park) -> ParkView:
        return cls(row.id, row.operator_enterprise_id, row.name, row.city, row.address)


@dataclass(frozen=True, slots=True)
class StaffView:
    park_id: int
    user_id: int
    role: ParkRole


@dataclass(frozen=True, slots=True)
class BuildingView:
    id: int
    park_id: int
    name: str
    floors: int

    @classmethod
    def of(cls, row: models.Building) -> BuildingView:
        return cls(row.id, row.park_id, row.name, row.floors)


@dataclass(frozen=True, slots=True)
class RenditionView:
    name: str
    media_type: str
    width: int
    height: int
    url: str


@dataclass(frozen=True, slots=True)
class PhotoView:
    id: int
    width: int
    height: int
    renditions: tuple[RenditionView, ...]


@dataclass(frozen=True, slots=True)
class UnitView:
    id: int
    park_id: int
    building_id: int
    code: str
    floor: int
    area_m2: Decimal
    use: UnitUse
    rent_fen_per_m2_day: int
    available_from: date
    status: UnitStatus

    @property
    def monthly_rent_estimate(self) -> int:
        """Fen for 30 days of the whole unit at its daily rate (what a lease usually signs)."""
        return int((self.area_m2 * self.rent_fen_per_m2_day * 30).to_integral_value())

    @classmethod
    def of(cls, row: models.Unit) -> UnitView:
        return cls(row.id, row.park_id, row.building_id, row.code, row.floor, Decimal(row.area_hundredths).scaleb(-2),
                   row.use, row.rent_fen_per_m2_day, row.available_from, row.status)


@dataclass(frozen=True, slots=True)
class UnitPage:
    units: tuple[UnitView, ...]
    end_cursor: str | None
    has_next_page: bool


@dataclass(frozen=True, slots=True)
class EnquiryView:
    id: int
    unit_id: int
    park_id: int
    enterprise_id: int
    message: str
    status: EnquiryStatus
    viewing_at: datetime | None
    viewing_status: ViewingStatus
    reply: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: models.Enquiry) -> EnquiryView:
        return cls(row.id, row.unit_id, row.park_id, row.enterprise_id, row.message, row.status, row.viewing_at,
                   row.viewing_status, row.reply, row.created_at)


@dataclass(frozen=True, slots=True)
class LeaseView:
    id: int
    unit_id: int
    park_id: int
    landlord_enterprise_id: int
    tenant_enterprise_id: int
    start: date
    months: int
    monthly_rent: int
    deposit: int

    @classmethod
    def of(cls, row: models.Lease) -> LeaseView:
        return cls(row.id, row.unit_id, row.park_id, row.landlord_enterprise_id, row.tenant_enterprise_id, row.start,
                   row.months, row.monthly_rent, row.deposit)


@dataclass(frozen=True, slots=True)
class BillView:
    id: int
    lease_id: int
    park_id: int
    tenant_enterprise_id: int
    kind: BillKind
    period: str
    amount: int
    due_date: date
    status: BillStatus
    late: bool
    paid_at: datetime | None
    entry_id: int | None

    @classmethod
    def of(cls, row: models.Bill) -> BillView:
        return cls(row.id, row.lease_id, row.park_id, row.tenant_enterprise_id, row.kind, row.period, row.amount,
                   row.due_date, row.status, row.late_since is not None, row.paid_at, row.entry_id)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the tenant keeps for a paid bill: the ledger's entry and both accounts' numbers."""

    bill: BillView
    entry_id: int
    amount: int
    paid_at: datetime
    payer_name: str
    payer_account_number: str
    payee_name: str
    payee_account_number: str
    replayed: bool


@dataclass(frozen=True, slots=True)
class TicketEventView:
    from_status: TicketStatus | None
    to_status: TicketStatus
    by_user_id: int
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TicketView:
    id: int
    park_id: int
    unit_id: int
    enterprise_id: int
    filed_by_user_id: int
    category: RepairCategory
    urgency: Urgency
    description: str
    status: TicketStatus
    technician_user_id: int | None
    respond_by: datetime
    responded_at: datetime | None
    rating: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: models.RepairTicket) -> TicketView:
        return cls(row.id, row.park_id, row.unit_id, row.enterprise_id, row.filed_by_user_id, row.category,
                   row.urgency, row.description, row.status, row.technician_user_id, row.respond_by,
                   row.responded_at, row.rating, row.created_at)
