"""The parks domain's public face: ``ParksService`` (the running app's is ``runtime.parks``).

Park operators are the ledger's enterprises of category park_operator; their administrators
create parks and appoint each park's managers and technicians. Tenants are enterprises
whose members enquire, pay bills (administrators and checkers, with their PIN) and file
repair tickets. Money moves only through the ledger's ``LedgerService``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from ledger.service import Customer, LedgerService
from miniprograms.parks import affairs, estate, financing, leasing, listings, repairs
from miniprograms.parks.financing import CreditOfficer, FinancingView
from miniprograms.parks.affairs import AffairApplicationView, AffairDecisionView, AffairStep, AffairTypeView
from miniprograms.parks.errors import (
    ImageTooLarge, InvalidInput, NotAnImage, NotFound, ParkRoleRequired, ParksError, ParksErrorCode, PaymentRefused,
    TenantRoleRequired, TooManyPhotos, TooManyPixels, UnitNotAvailable, WrongState,
)
from miniprograms.parks.leasing import Tell
from miniprograms.parks.listings import UnitSearch
from miniprograms.parks.photos import PhotoLimits
from miniprograms.parks.views import (
    BillView, BuildingView, EnquiryView, LeaseView, ParkView, PhotoView, Receipt, RenditionView, StaffView,
    TicketEventView, TicketView, UnitPage, UnitView,
)
from miniprograms.parks.vocabulary import (
    AffairStatus, BillKind, BillStatus, EnquiryStatus, FinancingStatus, ParkRole, PhotoOwner, RepairCategory, TicketStatus,
    UnitStatus, UnitUse, Urgency, ViewingStatus,
)

__all__ = [
    "CreditOfficer", "FinancingStatus", "FinancingView", "AffairApplicationView", "AffairDecisionView", "AffairStatus", "AffairStep", "AffairTypeView",
    "BillKind", "BillStatus", "BillView", "BuildingView", "EnquiryStatus", "EnquiryView", "ImageTooLarge",
    "InvalidInput", "LeaseView", "NotAnImage", "NotFound", "ParkRole", "ParkRoleRequired", "ParkView", "ParksError",
    "ParksErrorCode", "ParksService", "PaymentRefused", "PhotoLimits", "PhotoView", "Receipt", "RenditionView",
    "RepairCategory", "StaffView", "TenantRoleRequired", "TicketEventView", "TicketStatus", "TicketView",
    "TooManyPhotos", "TooManyPixels", "UnitNotAvailable", "UnitPage", "UnitSearch", "UnitStatus", "UnitUse",
    "UnitView", "Urgency", "ViewingStatus", "WrongState", "rendition_bytes",
]

rendition_bytes = estate.rendition_bytes


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class ParksService:
    ledger: LedgerService
    tell: Tell  # the inbox: tell(user_id=, topic=, title=, body=)
    photo_limits: PhotoLimits = PhotoLimits()

    # Parks, staff, buildings, units

    async def create_park(self, *, by_user_id: int, operator_enterprise_id: int, name: str, city: str,
                          address: str) -> ParkView:
        return await estate.create_park(by_user_id=by_user_id, operator_enterprise_id=operator_enterprise_id,
                                        name=name, city=city, address=address)

    async def appoint_staff(self, *, by_user_id: int, park_id: int, user_id: int, role: ParkRole | str) -> StaffView:
        return await estate.appoint_staff(by_user_id=by_user_id, park_id=park_id, user_id=user_id, role=role)

    async def my_parks(self, *, user_id: int) -> list[ParkView]:
        return await estate.parks_of(user_id=user_id)

    async def all_parks(self) -> list[ParkView]:
        return await estate.all_parks()

    async def add_building(self, *, by_user_id: int, park_id: int, name: str, floors: int) -> BuildingView:
        return await estate.add_building(by_user_id=by_user_id, park_id=park_id, name=name, floors=floors)

    async def add_unit(self, *, by_user_id: int, building_id: int, code: str, floor: int, area_m2: object,
                       use: UnitUse | str, rent_fen_per_m2_day: int, available_from: date) -> UnitView:
        return await estate.add_unit(by_user_id=by_user_id, building_id=building_id, code=code, floor=floor,
                                     area_m2=area_m2, use=use, rent_fen_per_m2_day=rent_fen_per_m2_day,
                                     available_from=available_from)

    async def get_unit(self, *, unit_id: int) -> UnitView:
        return await estate.get_unit(unit_id=unit_id)

    async def add_unit_photo(self, *, by_user_id: int, unit_id: int, data: bytes) -> PhotoView:
        return await estate.add_unit_photo(by_user_id=by_user_id, unit_id=unit_id, data=data,
                                           limits=self.photo_limits)

    async def unit_photos(self, *, unit_ids: list[int]) -> dict[int, list[PhotoView]]:
        return await estate.photos_of(owner_kind=PhotoOwner.UNIT, owner_ids=unit_ids)

    # Listings and leasing

    async def search_units(self, *, search: UnitSearch, first: int = 20, after: str | None = None) -> UnitPage:
        return await listings.search_units(search=search, first=first, after=after)

    async def send_enquiry(self, *, by_user_id: int, enterprise_id: int, unit_id: int, message: str,
                           viewing_at: datetime | None = None) -> EnquiryView:
        return await leasing.send_enquiry(by_user_id=by_user_id, enterprise_id=enterprise_id, unit_id=unit_id,
                                          message=message, viewing_at=viewing_at, now=_now(), tell=self.tell)

    async def answer_enquiry(self, *, by_user_id: int, enquiry_id: int, reply: str,
                             confirm_viewing: bool | None = None) -> EnquiryView:
        return await leasing.answer_enquiry(by_user_id=by_user_id, enquiry_id=enquiry_id, reply=reply,
                                            confirm_viewing=confirm_viewing, now=_now(), tell=self.tell)

    async def enquiries_for_park(self, *, by_user_id: int, park_id: int) -> list[EnquiryView]:
        return await leasing.enquiries_for_park(by_user_id=by_user_id, park_id=park_id)

    async def enquiries_of(self, *, by_user_id: int, enterprise_id: int) -> list[EnquiryView]:
        return await leasing.enquiries_of(by_user_id=by_user_id, enterprise_id=enterprise_id)

    async def sign_lease(self, *, by_user_id: int, unit_id: int, tenant_enterprise_id: int, start: date, months: int,
                         monthly_rent: int, deposit: int) -> LeaseView:
        return await leasing.sign_lease(by_user_id=by_user_id, unit_id=unit_id,
                                        tenant_enterprise_id=tenant_enterprise_id, start=start, months=months,
                                        monthly_rent=monthly_rent, deposit=deposit)

    async def leases_of(self, *, by_user_id: int, enterprise_id: int) -> list[LeaseView]:
        return await leasing.leases_of(by_user_id=by_user_id, enterprise_id=enterprise_id)

    async def bills_of(self, *, by_user_id: int, enterprise_id: int) -> list[BillView]:
        return await leasing.bills_of(by_user_id=by_user_id, enterprise_id=enterprise_id)

    async def bills_for_park(self, *, by_user_id: int, park_id: int, late_only: bool = False) -> list[BillView]:
        return await leasing.bills_for_park(by_user_id=by_user_id, park_id=park_id, late_only=late_only)

    async def pay_bill(self, *, by: Customer, bill_id: int) -> Receipt:
        return await leasing.pay_bill(by=by, bill_id=bill_id, ledger_service=self.ledger, tell=self.tell)

    async def receipt(self, *, by_user_id: int, bill_id: int) -> Receipt:
        return await leasing.receipt(by_user_id=by_user_id, bill_id=bill_id)

    async def flag_late_bills(self, *, today: date) -> int:
        return await leasing.flag_late_bills(today=today, now=_now(), tell=self.tell)

    # Repairs

    async def file_ticket(self, *, by_user_id: int, unit_id: int, category: RepairCategory | str,
                          urgency: Urgency | str, description: str, photos: list[bytes] | None = None) -> TicketView:
        return await repairs.file_ticket(by_user_id=by_user_id, unit_id=unit_id, category=category, urgency=urgency,
                                         description=description, photo_uploads=list(photos or []), now=_now(),
                                         limits=self.photo_limits, tell=self.tell)

    async def assign_ticket(self, *, by_user_id: int, ticket_id: int, technician_user_id: int) -> TicketView:
        return await repairs.assign_ticket(by_user_id=by_user_id, ticket_id=ticket_id,
                                           technician_user_id=technician_user_id, now=_now(), tell=self.tell)

    async def move_ticket(self, *, by_user_id: int, ticket_id: int, to: TicketStatus | str,
                          note: str = "", now: datetime | None = None) -> TicketView:
        return await repairs.move_ticket(by_user_id=by_user_id, ticket_id=ticket_id, to=to, note=note,
                                         now=now or _now(), tell=self.tell)

    async def rate_ticket(self, *, by_user_id: int, ticket_id: int, rating: int, comment: str = "") -> TicketView:
        return await repairs.rate_ticket(by_user_id=by_user_id, ticket_id=ticket_id, rating=rating, comment=comment)

    async def tickets_of(self, *, by_user_id: int, enterprise_id: int) -> list[TicketView]:
        return await repairs.tickets_of(by_user_id=by_user_id, enterprise_id=enterprise_id)

    async def tickets_for_park(self, *, by_user_id: int, park_id: int) -> list[TicketView]:
        return await repairs.tickets_for_park(by_user_id=by_user_id, park_id=park_id)

    async def ticket(self, *, by_user_id: int, ticket_id: int) -> TicketView:
        row, _ = await repairs.visible_ticket(by_user_id=by_user_id, ticket_id=ticket_id)
        return TicketView.of(row)

    async def ticket_history(self, *, by_user_id: int, ticket_id: int) -> list[TicketEventView]:
        return await repairs.ticket_history(by_user_id=by_user_id, ticket_id=ticket_id)

    async def ticket_photos(self, *, ticket_ids: list[int]) -> dict[int, list[PhotoView]]:
        return await repairs.ticket_photos(ticket_ids=ticket_ids)

    async def breaches(self, *, by_user_id: int, park_id: int, now: datetime | None = None) -> list[TicketView]:
        return await repairs.breaches(by_user_id=by_user_id, park_id=park_id, now=now or _now())

    # Park affairs

    async def define_affair_type(self, *, by_user_id: int, park_id: int, code: str, name: str, form_schema: object,
                                 steps: object, max_attachments: int = 0) -> AffairTypeView:
        return await affairs.define_type(by_user_id=by_user_id, park_id=park_id, code=code, name=name,
                                         form_schema=form_schema, steps=steps, max_attachments=max_attachments)

    async def affair_types(self, *, park_id: int) -> list[AffairTypeView]:
        return await affairs.types_of(park_id=park_id)

    async def apply_affair(self, *, by_user_id: int, enterprise_id: int, type_id: int, form: object,
                           attachments: list[bytes] | None = None) -> AffairApplicationView:
        return await affairs.apply(by_user_id=by_user_id, enterprise_id=enterprise_id, type_id=type_id, form=form,
                                   attachments=list(attachments or []), limits=self.photo_limits, tell=self.tell)

    async def decide_affair(self, *, by_user_id: int, application_id: int, approve: bool,
                            reason: str) -> AffairApplicationView:
        return await affairs.decide(by_user_id=by_user_id, application_id=application_id, approve=approve,
                                    reason=reason, tell=self.tell)

    async def affairs_of(self, *, by_user_id: int, enterprise_id: int) -> list[AffairApplicationView]:
        return await affairs.applications_of(by_user_id=by_user_id, enterprise_id=enterprise_id)

    async def affair_queue(self, *, by_user_id: int, park_id: int) -> list[AffairApplicationView]:
        return await affairs.queue_of(by_user_id=by_user_id, park_id=park_id)

    # Lease financing

    async def apply_financing(self, *, by_user_id: int, lease_id: int, amount: int, months: int, purpose: str,
                              documents: list[bytes] | None = None) -> FinancingView:
        return await financing.apply(by_user_id=by_user_id, lease_id=lease_id, amount=amount, months=months,
                                     purpose=purpose, documents=list(documents or []), limits=self.photo_limits)

    async def financing_queue(self, *, by: CreditOfficer) -> list[FinancingView]:
        return await financing.queue(by=by)

    async def decide_financing(self, *, by: CreditOfficer, application_id: int, approve: bool,
                               reason: str) -> FinancingView:
        return await financing.decide(by=by, application_id=application_id, approve=approve, reason=reason,
                                      now=_now(), tell=self.tell)

    async def financing_of(self, *, by_user_id: int, enterprise_id: int) -> list[FinancingView]:
        return await financing.applications_of(by_user_id=by_user_id, enterprise_id=enterprise_id)
