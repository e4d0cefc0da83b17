"""The parks roots: listings for anyone signed in; the rest for the park's people and the
tenants, as the service decides (another park's staff and another tenant are told NOT_FOUND)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import ParsedIds, RecordId, record_id_field
from bff.permissions import requires
from identity import errors as identity_errors
from identity.roles import Role
from infra.i18n import t
from ledger.service import Customer
from miniprograms.parks import service as parks
from miniprograms.parks.graphql import types as gt

MAX_TICKET_PHOTOS = 9


def _user(info: Info) -> int:
    return info.context.principal.user_id


async def _run(call, wrap):
    try:
        return wrap(await call)
    except parks.ParksError as exc:
        return gt.refusal(exc)


@strawberry.input
class ParkUnitSearchInput:
    park_id: int | None = record_id_field(default=None, graphql_type=strawberry.ID | None)
    area_min_m2: Decimal | None = None
    area_max_m2: Decimal | None = None
    rent_min: int | None = strawberry.field(default=None, description="Fen per m² per day.")
    rent_max: int | None = None
    use: gt.UnitUse | None = None
    available_by: dt.date | None = strawberry.field(default=None, description="Free to move in on or before.")


async def _files(*uploads) -> list[bytes] | InvalidInput:
    contents = []
    for upload in uploads:
        if not isinstance(upload, UploadFile):
            return InvalidInput(message=t("bff.file_part_expected", field="photos"), field="photos")
        try:
            contents.append(await upload.read())
        finally:
            await upload.close()
    return contents


@strawberry.type
class ParksQuery:
    @strawberry.field(extensions=[ParsedIds(), *requires()],
                      description="Units on offer, in listing order, a page at a time.")
    async def park_listings(self, info: Info, search: ParkUnitSearchInput | None = None, first: int = 20,
                            after: str | None = None) -> gt.ParkUnitPageResult:
        s = search or ParkUnitSearchInput()
        query = parks.UnitSearch(park_id=s.park_id, area_min_m2=s.area_min_m2, area_max_m2=s.area_max_m2,
                                 rent_min=s.rent_min, rent_max=s.rent_max, use=s.use, available_by=s.available_by)

        def page(p: parks.UnitPage) -> gt.ParkUnitPage:
            return gt.ParkUnitPage(units=[gt.ParkUnit.of(u) for u in p.units], end_cursor=p.end_cursor,
                                   has_next_page=p.has_next_page)

        return await _run(info.context.runtime.parks.search_units(search=query, first=first, after=after), page)

    @strawberry.field(extensions=[ParsedIds(), *requires()])
    async def park_unit(self, info: Info, id: RecordId) -> gt.ParkUnitResult:
        return await _run(info.context.runtime.parks.get_unit(unit_id=id), gt.ParkUnit.of)

    @strawberry.field(extensions=requires(), description="Parks you work in or whose operator you administer.")
    async def my_parks(self, info: Info) -> list[gt.Park]:
        return [gt.Park.of(p) for p in await info.context.runtime.parks.my_parks(user_id=_user(info))]

    @strawberry.field(extensions=requires(), description="Every park, for a tenant choosing where to look.")
    async def parks(self, info: Info) -> list[gt.Park]:
        return [gt.Park.of(p) for p in await info.context.runtime.parks.all_parks()]

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="The park's enquiries (its managers).")
    async def park_enquiries(self, info: Info, park_id: RecordId) -> gt.ParkEnquiriesResult:
        return await _run(info.context.runtime.parks.enquiries_for_park(by_user_id=_user(info), park_id=park_id),
                          lambda rows: gt.ParkEnquiryList(enquiries=[gt.ParkEnquiry.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Your enterprise's enquiries.")
    async def my_park_enquiries(self, info: Info, enterprise_id: RecordId) -> gt.ParkEnquiriesResult:
        return await _run(info.context.runtime.parks.enquiries_of(by_user_id=_user(info), enterprise_id=enterprise_id),
                          lambda rows: gt.ParkEnquiryList(enquiries=[gt.ParkEnquiry.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Your enterprise's leases.")
    async def my_park_leases(self, info: Info, enterprise_id: RecordId) -> gt.ParkLeasesResult:
        return await _run(info.context.runtime.parks.leases_of(by_user_id=_user(info), enterprise_id=enterprise_id),
                          lambda rows: gt.ParkLeaseList(leases=[gt.ParkLease.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Your enterprise's bills, due first.")
    async def my_rent_bills(self, info: Info, enterprise_id: RecordId) -> gt.RentBillsResult:
        return await _run(info.context.runtime.parks.bills_of(by_user_id=_user(info), enterprise_id=enterprise_id),
                          lambda rows: gt.RentBillList(bills=[gt.RentBill.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="The park's bills (its managers); "
                                                                       "`lateOnly` for the overdue ones.")
    async def park_rent_bills(self, info: Info, park_id: RecordId, late_only: bool = False) -> gt.RentBillsResult:
        return await _run(info.context.runtime.parks.bills_for_park(by_user_id=_user(info), park_id=park_id,
                                                                    late_only=late_only),
                          lambda rows: gt.RentBillList(bills=[gt.RentBill.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()])
    async def rent_receipt(self, info: Info, bill_id: RecordId) -> gt.RentPaymentResult:
        return await _run(info.context.runtime.parks.receipt(by_user_id=_user(info), bill_id=bill_id),
                          gt.RentReceipt.of)

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Your enterprise's repair tickets.")
    async def my_repair_tickets(self, info: Info, enterprise_id: RecordId) -> gt.RepairTicketsResult:
        return await _run(info.context.runtime.parks.tickets_of(by_user_id=_user(info), enterprise_id=enterprise_id),
                          lambda rows: gt.RepairTicketList(tickets=[gt.RepairTicket.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="The park's tickets (managers: all; "
                                                                       "technicians: theirs).")
    async def park_repair_tickets(self, info: Info, park_id: RecordId) -> gt.RepairTicketsResult:
        return await _run(info.context.runtime.parks.tickets_for_park(by_user_id=_user(info), park_id=park_id),
                          lambda rows: gt.RepairTicketList(tickets=[gt.RepairTicket.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Tickets past their response target.")
    async def repair_breaches(self, info: Info, park_id: RecordId) -> gt.RepairTicketsResult:
        return await _run(info.context.runtime.parks.breaches(by_user_id=_user(info), park_id=park_id),
                          lambda rows: gt.RepairTicketList(tickets=[gt.RepairTicket.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()])
    async def repair_ticket(self, info: Info, id: RecordId) -> gt.RepairTicketResult:
        return await _run(info.context.runtime.parks.ticket(by_user_id=_user(info), ticket_id=id), gt.RepairTicket.of)


@strawberry.input
class ParkAffairStepInput:
    name: str
    approver_user_ids: list[int] = record_id_field(many=True)


@strawberry.type
class ParksAffairsQuery:
    @strawberry.field(extensions=[ParsedIds(), *requires()], description="The kinds of application a park takes.")
    async def park_affair_types(self, info: Info, park_id: RecordId) -> list[gt.ParkAffairType]:
        return [gt.ParkAffairType.of(v) for v in await info.context.runtime.parks.affair_types(park_id=park_id)]

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Your enterprise's applications.")
    async def my_park_affairs(self, info: Info, enterprise_id: RecordId) -> gt.ParkAffairsResult:
        return await _run(info.context.runtime.parks.affairs_of(by_user_id=_user(info), enterprise_id=enterprise_id),
                          lambda rows: gt.ParkAffairApplicationList(
                              applications=[gt.ParkAffairApplication.of(r) for r in rows]))

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Applications waiting for your decision.")
    async def park_affair_queue(self, info: Info, park_id: RecordId) -> gt.ParkAffairsResult:
        return await _run(info.context.runtime.parks.affair_queue(by_user_id=_user(info), park_id=park_id),
                          lambda rows: gt.ParkAffairApplicationList(
                              applications=[gt.ParkAffairApplication.of(r) for r in rows]))


@strawberry.type
class ParksAffairsMutation:
    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Define (or redefine, by code) a kind "
                                                                          "of application (the park's managers).")
    async def define_park_affair_type(self, info: Info, park_id: RecordId, code: str, name: str, form_schema: JSON,
                                      steps: list[ParkAffairStepInput],
                                      max_attachments: int = 0) -> gt.ParkAffairTypeResult:
        return await _run(info.context.runtime.parks.define_affair_type(
            by_user_id=_user(info), park_id=park_id, code=code, name=name, form_schema=form_schema,
            steps=[{"name": s.name, "approvers": list(s.approver_user_ids)} for s in steps],
            max_attachments=max_attachments), gt.ParkAffairType.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Apply for your enterprise, with "
                                                                          "attachments (multipart).")
    async def apply_park_affair(self, info: Info, enterprise_id: RecordId, type_id: RecordId, form: JSON,
                                attachments: list[Upload] | None = None) -> gt.ParkAffairResult:
        uploads = list(attachments or [])
        if len(uploads) > MAX_TICKET_PHOTOS:
            return gt.refusal(parks.TooManyPhotos(most=MAX_TICKET_PHOTOS))
        data = await _files(*uploads)
        if isinstance(data, InvalidInput):
            return data
        return await _run(info.context.runtime.parks.apply_affair(
            by_user_id=_user(info), enterprise_id=enterprise_id, type_id=type_id, form=form, attachments=data),
            gt.ParkAffairApplication.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Approve or reject the step you "
                                                                          "decide, with a reason.")
    async def decide_park_affair(self, info: Info, application_id: RecordId, approve: bool,
                                 reason: str) -> gt.ParkAffairResult:
        return await _run(info.context.runtime.parks.decide_affair(
            by_user_id=_user(info), application_id=application_id, approve=approve, reason=reason),
            gt.ParkAffairApplication.of)


@strawberry.type
class LeaseFinancingQuery:
    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Your enterprise's financing applications.")
    async def my_lease_financing(self, info: Info, enterprise_id: RecordId) -> gt.LeaseFinancingsResult:
        return await _run(info.context.runtime.parks.financing_of(by_user_id=_user(info), enterprise_id=enterprise_id),
                          lambda rows: gt.LeaseFinancingList(applications=[gt.LeaseFinancing.of(r) for r in rows]))

    @strawberry.field(extensions=requires(Role.CREDIT_OFFICER), description="Undecided applications, oldest first "
                                                                           "(credit officers).")
    async def lease_financing_queue(self, info: Info) -> list[gt.LeaseFinancing]:
        rows = await info.context.runtime.parks.financing_queue(by=parks.CreditOfficer(_user(info)))
        return [gt.LeaseFinancing.of(r) for r in rows]


@strawberry.type
class LeaseFinancingMutation:
    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Apply to finance a lease (the tenant's "
                                                                          "administrators), with documents (multipart).")
    async def apply_lease_financing(self, info: Info, lease_id: RecordId, amount: int, months: int, purpose: str,
                                    documents: list[Upload] | None = None) -> gt.LeaseFinancingResult:
        uploads = list(documents or [])
        if len(uploads) > MAX_TICKET_PHOTOS:
            return gt.refusal(parks.TooManyPhotos(most=MAX_TICKET_PHOTOS))
        data = await _files(*uploads)
        if isinstance(data, InvalidInput):
            return data
        return await _run(info.context.runtime.parks.apply_financing(
            by_user_id=_user(info), lease_id=lease_id, amount=amount, months=months, purpose=purpose, documents=data),
            gt.LeaseFinancing.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CREDIT_OFFICER)],
                         description="Approve or reject an application, with a reason (credit officers).")
    async def decide_lease_financing(self, info: Info, application_id: RecordId, approve: bool,
                                     reason: str) -> gt.LeaseFinancingResult:
        return await _run(info.context.runtime.parks.decide_financing(
            by=parks.CreditOfficer(_user(info)), application_id=application_id, approve=approve, reason=reason),
            gt.LeaseFinancing.of)


@strawberry.type
class ParksMutation:
    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Open a park (administrators of a "
                                                                          "park operator enterprise).")
    async def create_park(self, info: Info, operator_enterprise_id: RecordId, name: str, city: str,
                          address: str) -> gt.ParkResult:
        return await _run(info.context.runtime.parks.create_park(
            by_user_id=_user(info), operator_enterprise_id=operator_enterprise_id, name=name, city=city,
            address=address), gt.Park.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Make a signed-in user a manager or "
                                                                          "technician of the park.")
    async def appoint_park_staff(self, info: Info, park_id: RecordId, phone: str,
                                 role: gt.ParkRole) -> gt.ParkStaffResult:
        try:
            user_id = await info.context.runtime.identity.user_id_for_phone(phone=phone)
        except identity_errors.InvalidPhone as exc:
            return InvalidInput(message=str(exc), field="phone")
        if user_id is None:
            return InvalidInput(message=t("ledger.nobody_with_this_number"), field="phone")
        return await _run(info.context.runtime.parks.appoint_staff(by_user_id=_user(info), park_id=park_id,
                                                                   user_id=user_id, role=role),
                          lambda s: gt.ParkStaffMember(park_id=strawberry.ID(str(s.park_id)),
                                                       user_id=strawberry.ID(str(s.user_id)), role=s.role))

    @strawberry.mutation(extensions=[ParsedIds(), *requires()])
    async def add_park_building(self, info: Info, park_id: RecordId, name: str, floors: int) -> gt.ParkBuildingResult:
        return await _run(info.context.runtime.parks.add_building(by_user_id=_user(info), park_id=park_id, name=name,
                                                                  floors=floors),
                          lambda b: gt.ParkBuilding(id=strawberry.ID(str(b.id)), park_id=strawberry.ID(str(b.park_id)),
                                                    name=b.name, floors=b.floors))

    @strawberry.mutation(extensions=[ParsedIds(), *requires()])
    async def add_park_unit(self, info: Info, building_id: RecordId, code: str, floor: int, area_m2: Decimal,
                            use: gt.UnitUse, rent_fen_per_m2_day: int, available_from: dt.date) -> gt.ParkUnitResult:
        return await _run(info.context.runtime.parks.add_unit(
            by_user_id=_user(info), building_id=building_id, code=code, floor=floor, area_m2=area_m2, use=use,
            rent_fen_per_m2_day=rent_fen_per_m2_day, available_from=available_from), gt.ParkUnit.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Add a photo to a unit (multipart).")
    async def add_park_unit_photo(self, info: Info, unit_id: RecordId, photo: Upload) -> gt.ParkPhotoResult:
        data = await _files(photo)
        if isinstance(data, InvalidInput):
            return data
        return await _run(info.context.runtime.parks.add_unit_photo(by_user_id=_user(info), unit_id=unit_id,
                                                                    data=data[0]), gt.ParkPhoto.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Ask about a unit for your "
                                                                          "enterprise, and ask to view it.")
    async def send_park_enquiry(self, info: Info, enterprise_id: RecordId, unit_id: RecordId, message: str,
                                viewing_at: dt.datetime | None = None) -> gt.ParkEnquiryResult:
        return await _run(info.context.runtime.parks.send_enquiry(
            by_user_id=_user(info), enterprise_id=enterprise_id, unit_id=unit_id, message=message,
            viewing_at=viewing_at), gt.ParkEnquiry.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Reply, and confirm or decline a "
                                                                          "viewing (the park's managers).")
    async def answer_park_enquiry(self, info: Info, enquiry_id: RecordId, reply: str,
                                  confirm_viewing: bool | None = None) -> gt.ParkEnquiryResult:
        return await _run(info.context.runtime.parks.answer_enquiry(
            by_user_id=_user(info), enquiry_id=enquiry_id, reply=reply, confirm_viewing=confirm_viewing),
            gt.ParkEnquiry.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Record a signed lease and bill it.")
    async def sign_park_lease(self, info: Info, unit_id: RecordId, tenant_enterprise_id: RecordId, start: dt.date,
                              months: int, monthly_rent: int, deposit: int) -> gt.ParkLeaseResult:
        return await _run(info.context.runtime.parks.sign_lease(
            by_user_id=_user(info), unit_id=unit_id, tenant_enterprise_id=tenant_enterprise_id, start=start,
            months=months, monthly_rent=monthly_rent, deposit=deposit), gt.ParkLease.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Pay a bill from your enterprise's "
                                                                          "account with your payment PIN "
                                                                          "(administrators and checkers).")
    async def pay_rent_bill(self, info: Info, bill_id: RecordId, pin: str) -> gt.RentPaymentResult:
        principal = info.context.principal
        by = Customer(user_id=principal.user_id, session_id=principal.session_id, pin=pin)
        return await _run(info.context.runtime.parks.pay_bill(by=by, bill_id=bill_id), gt.RentReceipt.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Report a fault in your unit, with up "
                                                                          "to nine photos (multipart).")
    async def file_repair_ticket(self, info: Info, unit_id: RecordId, category: gt.RepairCategory,
                                 urgency: gt.Urgency, description: str,
                                 photos: list[Upload] | None = None) -> gt.RepairTicketResult:
        uploads = list(photos or [])
        if len(uploads) > MAX_TICKET_PHOTOS:
            return gt.refusal(parks.TooManyPhotos(most=MAX_TICKET_PHOTOS))
        data = await _files(*uploads)
        if isinstance(data, InvalidInput):
            return data
        return await _run(info.context.runtime.parks.file_ticket(
            by_user_id=_user(info), unit_id=unit_id, category=category, urgency=urgency, description=description,
            photos=data), gt.RepairTicket.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()])
    async def assign_repair_ticket(self, info: Info, ticket_id: RecordId,
                                   technician_user_id: RecordId) -> gt.RepairTicketResult:
        return await _run(info.context.runtime.parks.assign_ticket(
            by_user_id=_user(info), ticket_id=ticket_id, technician_user_id=technician_user_id), gt.RepairTicket.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Start or finish (the technician), "
                                                                          "confirm or reopen (the tenant).")
    async def move_repair_ticket(self, info: Info, ticket_id: RecordId, to: gt.TicketStatus,
                                 note: str = "") -> gt.RepairTicketResult:
        return await _run(info.context.runtime.parks.move_ticket(by_user_id=_user(info), ticket_id=ticket_id, to=to,
                                                                 note=note), gt.RepairTicket.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Rate a finished repair, 1 to 5.")
    async def rate_repair_ticket(self, info: Info, ticket_id: RecordId, rating: int,
                                 comment: str = "") -> gt.RepairTicketResult:
        return await _run(info.context.runtime.parks.rate_ticket(by_user_id=_user(info), ticket_id=ticket_id,
                                                                 rating=rating, comment=comment), gt.RepairTicket.of)
