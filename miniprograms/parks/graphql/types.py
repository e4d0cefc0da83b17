"""Parks in GraphQL: the types the operations return, and the one refusal type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from bff.context import Info
from bff.errors import Error, InvalidInput
from bff.ledger.types import Fen
from miniprograms.parks import service as parks

UnitUse = strawberry.enum(parks.UnitUse, name="ParkUnitUse")
UnitStatus = strawberry.enum(parks.UnitStatus, name="ParkUnitStatus")
ParkRole = strawberry.enum(parks.ParkRole, name="ParkRole")
EnquiryStatus = strawberry.enum(parks.EnquiryStatus, name="ParkEnquiryStatus")
ViewingStatus = strawberry.enum(parks.ViewingStatus, name="ParkViewingStatus")
BillKind = strawberry.enum(parks.BillKind, name="RentBillKind")
BillStatus = strawberry.enum(parks.BillStatus, name="RentBillStatus")
TicketStatus = strawberry.enum(parks.TicketStatus, name="RepairTicketStatus")
Urgency = strawberry.enum(parks.Urgency, name="RepairUrgency")
RepairCategory = strawberry.enum(parks.RepairCategory, name="RepairCategory")
ParksErrorCode = strawberry.enum(parks.ParksErrorCode, name="ParksErrorCode")
AffairStatus = strawberry.enum(parks.AffairStatus, name="ParkAffairStatus")
FinancingStatus = strawberry.enum(parks.FinancingStatus, name="LeaseFinancingStatus")


def _id(value: int) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(description="Why the parks service refused: `code` is stable; `field` names a bad argument. "
                             "NOT_FOUND is also what another park's staff or another tenant is told.")
class ParksRefusal(Error):
    code: ParksErrorCode
    field: str | None = None
    reason: str | None = strawberry.field(default=None, description="For PAYMENT_REFUSED: the ledger's refusal, "
                                                                    "e.g. WRONG_PIN, INSUFFICIENT_FUNDS.")


def refusal(exc: parks.ParksError) -> ParksRefusal | InvalidInput:
    """A malformed argument is the schema's InvalidInput, as everywhere; the rest are ours."""
    if isinstance(exc, parks.InvalidInput):
        return InvalidInput(message=str(exc), field=exc.field)
    return ParksRefusal(message=str(exc), code=exc.code, field=exc.field, reason=getattr(exc, "reason", None))


@strawberry.type
class Park:
    id: strawberry.ID
    operator_enterprise_id: strawberry.ID
    name: str
    city: str
    address: str

    @classmethod
    def of(cls, view: parks.ParkView) -> Park:
        return cls(id=_id(view.id), operator_enterprise_id=_id(view.operator_enterprise_id), name=view.name,
                   city=view.city, address=view.address)


@strawberry.type
class ParkStaffMember:
    park_id: strawberry.ID
    user_id: strawberry.ID
    role: ParkRole


@strawberry.type
class ParkBuilding:
    id: strawberry.ID
    park_id: strawberry.ID
    name: str
    floors: int


@strawberry.type
class PhotoRendition:
    name: str = strawberry.field(description="1x, 2x, 3x (400, 800, 1200 px wide at most) or thumb (160 px square).")
    media_type: str
    width: int
    height: int
    url: str


@strawberry.type
class ParkPhoto:
    id: strawberry.ID
    width: int
    height: int
    renditions: list[PhotoRendition]

    @classmethod
    def of(cls, view: parks.PhotoView) -> ParkPhoto:
        return cls(id=_id(view.id), width=view.width, height=view.height,
                   renditions=[PhotoRendition(name=r.name, media_type=r.media_type, width=r.width, height=r.height,
                                              url=r.url) for r in view.renditions])


@strawberry.type
class ParkUnit:
    id: strawberry.ID
    park_id: strawberry.ID
    building_id: strawberry.ID
    code: str
    floor: int
    area_m2: Decimal = strawberry.field(description="Square metres, to the hundredth.")
    use: UnitUse
    rent_fen_per_m2_day: Fen
    monthly_rent_estimate: Fen = strawberry.field(description="30 days of the whole unit at its daily rate.")
    available_from: dt.date
    status: UnitStatus

    @classmethod
    def of(cls, view: parks.UnitView) -> ParkUnit:
        return cls(id=_id(view.id), park_id=_id(view.park_id), building_id=_id(view.building_id), code=view.code,
                   floor=view.floor, area_m2=view.area_m2, use=view.use, rent_fen_per_m2_day=Fen(view.rent_fen_per_m2_day),
                   monthly_rent_estimate=Fen(view.monthly_rent_estimate), available_from=view.available_from,
                   status=view.status)

    @strawberry.field
    async def photos(self, info: Info) -> list[ParkPhoto]:
        found = await info.context.runtime.parks.unit_photos(unit_ids=[int(self.id)])
        return [ParkPhoto.of(p) for p in found[int(self.id)]]


@strawberry.type
class ParkUnitPage:
    units: list[ParkUnit]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class ParkEnquiry:
    id: strawberry.ID
    unit_id: strawberry.ID
    park_id: strawberry.ID
    enterprise_id: strawberry.ID
    message: str
    status: EnquiryStatus
    viewing_at: dt.datetime | None
    viewing_status: ViewingStatus
    reply: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, v: parks.EnquiryView) -> ParkEnquiry:
        return cls(id=_id(v.id), unit_id=_id(v.unit_id), park_id=_id(v.park_id), enterprise_id=_id(v.enterprise_id),
                   message=v.message, status=v.status, viewing_at=v.viewing_at, viewing_status=v.viewing_status,
                   reply=v.reply, created_at=v.created_at)


@strawberry.type
class ParkLease:
    id: strawberry.ID
    unit_id: strawberry.ID
    park_id: strawberry.ID
    landlord_enterprise_id: strawberry.ID
    tenant_enterprise_id: strawberry.ID
    start: dt.date
    months: int
    monthly_rent: Fen
    deposit: Fen

    @classmethod
    def of(cls, v: parks.LeaseView) -> ParkLease:
        return cls(id=_id(v.id), unit_id=_id(v.unit_id), park_id=_id(v.park_id),
                   landlord_enterprise_id=_id(v.landlord_enterprise_id),
                   tenant_enterprise_id=_id(v.tenant_enterprise_id), start=v.start, months=v.months,
                   monthly_rent=Fen(v.monthly_rent), deposit=Fen(v.deposit))


@strawberry.type
class RentBill:
    id: strawberry.ID
    lease_id: strawberry.ID
    park_id: strawberry.ID
    kind: BillKind
    period: str = strawberry.field(description="YYYY-MM: the month the rent is for.")
    amount: Fen
    due_date: dt.date
    status: BillStatus
    late: bool
    paid_at: dt.datetime | None

    @classmethod
    def of(cls, v: parks.BillView) -> RentBill:
        return cls(id=_id(v.id), lease_id=_id(v.lease_id), park_id=_id(v.park_id), kind=v.kind, period=v.period,
                   amount=Fen(v.amount), due_date=v.due_date, status=v.status, late=v.late, paid_at=v.paid_at)


@strawberry.type(description="The receipt of a paid bill; `replayed` when it had been paid before.")
class RentReceipt:
    bill: RentBill
    entry_id: strawberry.ID
    amount: Fen
    paid_at: dt.datetime
    payer_name: str
    payer_account_number: str = strawberry.field(description="Masked.")
    payee_name: str
    payee_account_number: str = strawberry.field(description="Masked.")
    replayed: bool

    @classmethod
    def of(cls, r: parks.Receipt) -> RentReceipt:
        return cls(bill=RentBill.of(r.bill), entry_id=_id(r.entry_id), amount=Fen(r.amount), paid_at=r.paid_at,
                   payer_name=r.payer_name, payer_account_number=r.payer_account_number, payee_name=r.payee_name,
                   payee_account_number=r.payee_account_number, replayed=r.replayed)


@strawberry.type
class RepairTicketEvent:
    from_status: TicketStatus | None
    to_status: TicketStatus
    by_user_id: strawberry.ID
    note: str
    at: dt.datetime


@strawberry.type
class RepairTicket:
    id: strawberry.ID
    park_id: strawberry.ID
    unit_id: strawberry.ID
    enterprise_id: strawberry.ID
    category: RepairCategory
    urgency: Urgency
    description: str
    status: TicketStatus
    technician_user_id: strawberry.ID | None
    respond_by: dt.datetime
    responded_at: dt.datetime | None
    rating: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, v: parks.TicketView) -> RepairTicket:
        return cls(id=_id(v.id), park_id=_id(v.park_id), unit_id=_id(v.unit_id), enterprise_id=_id(v.enterprise_id),
                   category=v.category, urgency=v.urgency, description=v.description, status=v.status,
                   technician_user_id=_id(v.technician_user_id) if v.technician_user_id else None,
                   respond_by=v.respond_by, responded_at=v.responded_at, rating=v.rating, created_at=v.created_at)

    @strawberry.field(description="Every change of state: who and when.")
    async def history(self, info: Info) -> list[RepairTicketEvent]:
        events = await info.context.runtime.parks.ticket_history(by_user_id=info.context.principal.user_id,
                                                                 ticket_id=int(self.id))
        return [RepairTicketEvent(from_status=e.from_status, to_status=e.to_status, by_user_id=_id(e.by_user_id),
                                  note=e.note, at=e.at) for e in events]

    @strawberry.field
    async def photos(self, info: Info) -> list[ParkPhoto]:
        found = await info.context.runtime.parks.ticket_photos(ticket_ids=[int(self.id)])
        return [ParkPhoto.of(p) for p in found[int(self.id)]]


@strawberry.type
class ParkList:
    parks: list[Park]


@strawberry.type
class ParkEnquiryList:
    enquiries: list[ParkEnquiry]


@strawberry.type
class RentBillList:
    bills: list[RentBill]


@strawberry.type
class ParkLeaseList:
    leases: list[ParkLease]


@strawberry.type
class RepairTicketList:
    tickets: list[RepairTicket]


ParkResult = Annotated[Park | ParksRefusal | InvalidInput, strawberry.union("ParkResult")]
ParkStaffResult = Annotated[ParkStaffMember | ParksRefusal | InvalidInput, strawberry.union("ParkStaffResult")]
ParkBuildingResult = Annotated[ParkBuilding | ParksRefusal | InvalidInput, strawberry.union("ParkBuildingResult")]
ParkUnitResult = Annotated[ParkUnit | ParksRefusal | InvalidInput, strawberry.union("ParkUnitResult")]
ParkPhotoResult = Annotated[ParkPhoto | ParksRefusal | InvalidInput, strawberry.union("ParkPhotoResult")]
ParkUnitPageResult = Annotated[ParkUnitPage | ParksRefusal | InvalidInput, strawberry.union("ParkUnitPageResult")]
ParkEnquiryResult = Annotated[ParkEnquiry | ParksRefusal | InvalidInput, strawberry.union("ParkEnquiryResult")]
ParkEnquiriesResult = Annotated[ParkEnquiryList | ParksRefusal | InvalidInput,
                                strawberry.union("ParkEnquiriesResult")]
ParkLeaseResult = Annotated[ParkLease | ParksRefusal | InvalidInput, strawberry.union("ParkLeaseResult")]
ParkLeasesResult = Annotated[ParkLeaseList | ParksRefusal | InvalidInput, strawberry.union("ParkLeasesResult")]
RentBillsResult = Annotated[RentBillList | ParksRefusal | InvalidInput, strawberry.union("RentBillsResult")]
RentPaymentResult = Annotated[RentReceipt | ParksRefusal | InvalidInput, strawberry.union("RentPaymentResult")]
RepairTicketResult = Annotated[RepairTicket | ParksRefusal | InvalidInput, strawberry.union("RepairTicketResult")]
RepairTicketsResult = Annotated[RepairTicketList | ParksRefusal | InvalidInput,
                                strawberry.union("RepairTicketsResult")]


@strawberry.type
class ParkAffairStep:
    name: str
    approver_user_ids: list[strawberry.ID]


@strawberry.type(description="A kind of application the park defined: its form (JSON Schema) and workflow.")
class ParkAffairType:
    id: strawberry.ID
    park_id: strawberry.ID
    code: str
    name: str
    form_schema: JSON
    steps: list[ParkAffairStep]
    max_attachments: int

    @classmethod
    def of(cls, v: parks.AffairTypeView) -> ParkAffairType:
        return cls(id=_id(v.id), park_id=_id(v.park_id), code=v.code, name=v.name, form_schema=v.form_schema,
                   steps=[ParkAffairStep(name=s.name, approver_user_ids=[_id(a) for a in s.approvers]) for s in v.steps],
                   max_attachments=v.max_attachments)


@strawberry.type
class ParkAffairDecision:
    step_name: str
    by_user_id: strawberry.ID
    approved: bool
    reason: str
    at: dt.datetime


@strawberry.type
class ParkAffairApplication:
    id: strawberry.ID
    type_id: strawberry.ID
    type_name: str
    park_id: strawberry.ID
    enterprise_id: strawberry.ID
    form: JSON
    status: AffairStatus
    step_name: str | None = strawberry.field(description="The step now deciding, while in review.")
    decisions: list[ParkAffairDecision]
    created_at: dt.datetime

    @classmethod
    def of(cls, v: parks.AffairApplicationView) -> ParkAffairApplication:
        return cls(id=_id(v.id), type_id=_id(v.type_id), type_name=v.type_name, park_id=_id(v.park_id),
                   enterprise_id=_id(v.enterprise_id), form=v.form, status=v.status, step_name=v.step_name,
                   decisions=[ParkAffairDecision(step_name=d.step_name, by_user_id=_id(d.by_user_id),
                                                 approved=d.approved, reason=d.reason, at=d.at) for d in v.decisions],
                   created_at=v.created_at)


@strawberry.type
class ParkAffairApplicationList:
    applications: list[ParkAffairApplication]


ParkAffairTypeResult = Annotated[ParkAffairType | ParksRefusal | InvalidInput, strawberry.union("ParkAffairTypeResult")]
ParkAffairResult = Annotated[ParkAffairApplication | ParksRefusal | InvalidInput, strawberry.union("ParkAffairResult")]
ParkAffairsResult = Annotated[ParkAffairApplicationList | ParksRefusal | InvalidInput,
                              strawberry.union("ParkAffairsResult")]


@strawberry.type(description="A tenant's application to finance a lease, decided by the bank's credit officers.")
class LeaseFinancing:
    id: strawberry.ID
    lease_id: strawberry.ID
    enterprise_id: strawberry.ID
    amount: Fen
    months: int
    purpose: str
    status: FinancingStatus
    reason: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    documents: list[ParkPhoto]

    @classmethod
    def of(cls, v: parks.FinancingView) -> LeaseFinancing:
        return cls(id=_id(v.id), lease_id=_id(v.lease_id), enterprise_id=_id(v.enterprise_id), amount=Fen(v.amount),
                   months=v.months, purpose=v.purpose, status=v.status, reason=v.reason, decided_at=v.decided_at,
                   created_at=v.created_at, documents=[ParkPhoto.of(p) for p in v.documents])


@strawberry.type
class LeaseFinancingList:
    applications: list[LeaseFinancing]


LeaseFinancingResult = Annotated[LeaseFinancing | ParksRefusal | InvalidInput, strawberry.union("LeaseFinancingResult")]
LeaseFinancingsResult = Annotated[LeaseFinancingList | ParksRefusal | InvalidInput,
                                  strawberry.union("LeaseFinancingsResult")]
