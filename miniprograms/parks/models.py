"""The parks' tables. Enterprises (operators and tenants) and their accounts are the ledger's:
rows here hold their ids only."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from infra.models import Model

from miniprograms.parks.vocabulary import (
    AffairStatus, BillKind, BillStatus, EnquiryStatus, FinancingStatus, ParkRole, PhotoOwner, RepairCategory,
    TicketStatus, UnitStatus, UnitUse,
    Urgency, ViewingStatus,
)


class Park(Model):
    """A park run by one operator enterprise (a ledger merchant of category park_operator)."""

    id = fields.BigIntField(primary_key=True)
    operator_enterprise_id = fields.BigIntField(db_index=True)
    name = fields.CharField(max_length=100)
    city = fields.CharField(max_length=40)
    address = fields.CharField(max_length=200)
    created_by_user_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_park"
        app = "parks"


class ParkStaff(Model):
    id = fields.BigIntField(primary_key=True)
    park = fields.ForeignKeyField("parks.Park", related_name="staff")
    user_id = fields.BigIntField(db_index=True)
    role = fields.CharEnumField(ParkRole, max_length=16)
    added_by_user_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_staff"
        app = "parks"
        unique_together = (("park", "user_id", "role"),)


class Building(Model):
    id = fields.BigIntField(primary_key=True)
    park = fields.ForeignKeyField("parks.Park", related_name="buildings")
    name = fields.CharField(max_length=60)
    floors = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_building"
        app = "parks"
        unique_together = (("park", "name"),)


class Unit(Model):
    """A lettable unit. Area is kept in hundredths of a square metre (126.50 m² is 12650)."""

    id = fields.BigIntField(primary_key=True)
    park = fields.ForeignKeyField("parks.Park", related_name="units")  # the building's park, kept for search
    building = fields.ForeignKeyField("parks.Building", related_name="units")
    code = fields.CharField(max_length=20)
    floor = fields.IntField()
    area_hundredths = fields.BigIntField()
    use = fields.CharEnumField(UnitUse, max_length=16)
    rent_fen_per_m2_day = fields.BigIntField()
    available_from = fields.DateField()
    status = fields.CharEnumField(UnitStatus, max_length=16, default=UnitStatus.AVAILABLE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_unit"
        app = "parks"
        unique_together = (("building", "code"),)
        indexes = [Index(fields=["status", "park_id", "use", "id"])]


class Photo(Model):
    """One uploaded photo, stored only as its cleaned renditions (the original is not kept)."""

    id = fields.BigIntField(primary_key=True)
    owner_kind = fields.CharEnumField(PhotoOwner, max_length=8)
    owner_id = fields.BigIntField()
    key = fields.CharField(max_length=32, unique=True)  # in the renditions' addresses; unguessable
    width = fields.IntField()
    height = fields.IntField()
    uploaded_by_user_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_photo"
        app = "parks"
        indexes = [Index(fields=["owner_kind", "owner_id"])]


class PhotoRendition(Model):
    id = fields.BigIntField(primary_key=True)
    photo = fields.ForeignKeyField("parks.Photo", related_name="renditions")
    name = fields.CharField(max_length=8)  # 1x 2x 3x thumb
    media_type = fields.CharField(max_length=16)
    width = fields.IntField()
    height = fields.IntField()
    data = fields.BinaryField()

    class Meta:
        table = "parks_photo_rendition"
        app = "parks"
        unique_together = (("photo", "name", "media_type"),)


class Enquiry(Model):
    """An enterprise asks about a unit and may ask to view it, and a manager of the park answers."""

    id = fields.BigIntField(primary_key=True)
    unit = fields.ForeignKeyField("parks.Unit", related_name="enquiries")
    park_id = fields.BigIntField(db_index=True)
    enterprise_id = fields.BigIntField(db_index=True)
    asked_by_user_id = fields.BigIntField()
    message = fields.CharField(max_length=500)
    status = fields.CharEnumField(EnquiryStatus, max_length=16, default=EnquiryStatus.OPEN)
    viewing_at = fields.DatetimeField(null=True)
    viewing_status = fields.CharEnumField(ViewingStatus, max_length=16, default=ViewingStatus.NONE)
    reply = fields.CharField(max_length=500, null=True)
    answered_by_user_id = fields.BigIntField(null=True)
    answered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_enquiry"
        app = "parks"


class Lease(Model):
    id = fields.BigIntField(primary_key=True)
    unit = fields.ForeignKeyField("parks.Unit", related_name="leases")
    park_id = fields.BigIntField(db_index=True)
    landlord_enterprise_id = fields.BigIntField()
    tenant_enterprise_id = fields.BigIntField(db_index=True)
    start = fields.DateField()
    months = fields.IntField()
    monthly_rent = fields.BigIntField()  # fen
    deposit = fields.BigIntField()  # fen
    signed_by_user_id = fields.BigIntField()
    signed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_lease"
        app = "parks"


class Bill(Model):
    """The deposit or one month of rent of a lease, paid from the enterprise account of the tenant."""

    id = fields.BigIntField(primary_key=True)
    lease = fields.ForeignKeyField("parks.Lease", related_name="bills")
    park_id = fields.BigIntField(db_index=True)
    tenant_enterprise_id = fields.BigIntField(db_index=True)
    kind = fields.CharEnumField(BillKind, max_length=8)
    period = fields.CharField(max_length=7)  # YYYY-MM, the month the rent is for
    amount = fields.BigIntField()  # fen
    due_date = fields.DateField()
    status = fields.CharEnumField(BillStatus, max_length=8, default=BillStatus.UNPAID)
    entry_id = fields.BigIntField(null=True)
    paid_by_user_id = fields.BigIntField(null=True)
    paid_at = fields.DatetimeField(null=True)
    late_since = fields.DateField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "parks_bill"
        app = "parks"
        unique_together = (("lease", "kind", "period"),)
        indexes = [Index(fields=["status", "due_date"])]


class RepairTicket(Model):
    id = fields.BigIntField(primary_key=True)
    park_id = fields.BigIntField(db_index=True)
    unit = fields.ForeignKeyField("parks.Unit", related_name="tickets")
    enterprise_id = fields.BigIntField(db_index=True)
    filed_by_user_id = fields.BigIntField()
    category = fields.CharEnumField(RepairCategory, max_length=16)
    urgency = fields.CharEnumField(Urgency, max_length=8)
    description = fields.CharField(max_length=1000)
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.NEW)
    technician_user_id = fields.BigIntField(null=True)
    respond_by = fields.DatetimeField()
    responded_at = fields.DatetimeField(null=True)
    rating = fields.IntField(null=True)
    rating_comment = fields.CharField(max_length=300, null=True)
    created_at = fields.DatetimeField()  # set with respond_by from one clock reading

    class Meta:
        table = "parks_ticket"
        app = "parks"


class TicketEvent(Model):
    """One change of state of a ticket: who made it, when, and a note."""

    id = fields.BigIntField(primary_key=True)
    ticket = fields.ForeignKeyField("parks.RepairTicket", related_name="events")
    from_status = fields.CharEnumField(TicketStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(TicketStatus, max_length=16)
    by_user_id = fields.BigIntField()
    note = fields.CharField(max_length=300, default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_ticket_event"
        app = "parks"


class AffairType(Model):
    """A kind of application defined by the park (parking permit, venue booking, move-in):
    its form as a JSON Schema and its workflow of named steps, each with its approvers."""

    id = fields.BigIntField(primary_key=True)
    park_id = fields.BigIntField(db_index=True)
    code = fields.CharField(max_length=40)
    name = fields.CharField(max_length=60)
    form_schema = fields.JSONField()
    steps = fields.JSONField()  # [{"name": ..., "approvers": [user ids]}], in order
    max_attachments = fields.IntField(default=0)
    created_by_user_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_affair_type"
        app = "parks"
        unique_together = (("park_id", "code"),)


class AffairApplication(Model):
    id = fields.BigIntField(primary_key=True)
    affair_type = fields.ForeignKeyField("parks.AffairType", related_name="applications")
    park_id = fields.BigIntField(db_index=True)
    enterprise_id = fields.BigIntField(db_index=True)
    applicant_user_id = fields.BigIntField()
    form = fields.JSONField()
    status = fields.CharEnumField(AffairStatus, max_length=12, default=AffairStatus.IN_REVIEW)
    step = fields.IntField(default=0)  # the index of the step now deciding
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_affair_application"
        app = "parks"


class AffairDecision(Model):
    """One decision on an application at one step: who, when, which way and why."""

    id = fields.BigIntField(primary_key=True)
    application = fields.ForeignKeyField("parks.AffairApplication", related_name="decisions")
    step = fields.IntField()
    step_name = fields.CharField(max_length=40)
    by_user_id = fields.BigIntField()
    approved = fields.BooleanField()
    reason = fields.CharField(max_length=300)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_affair_decision"
        app = "parks"
        unique_together = (("application", "step"),)


class FinancingApplication(Model):
    """A tenant asks the bank to finance a lease: amount, term, purpose and documents,
    decided by the bank's credit officers."""

    id = fields.BigIntField(primary_key=True)
    lease = fields.ForeignKeyField("parks.Lease", related_name="financing")
    enterprise_id = fields.BigIntField(db_index=True)
    applicant_user_id = fields.BigIntField()
    amount = fields.BigIntField()  # fen
    months = fields.IntField()
    purpose = fields.CharField(max_length=300)
    status = fields.CharEnumField(FinancingStatus, max_length=12, default=FinancingStatus.SUBMITTED)
    decided_by_user_id = fields.BigIntField(null=True)
    reason = fields.CharField(max_length=300, null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parks_financing"
        app = "parks"
        indexes = [Index(fields=["status", "id"])]
