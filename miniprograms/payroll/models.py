"""Payroll's tables: the roster of each enterprise, salary batches and their lines.

Personal data (name, ID number, phone) is encrypted at rest; blind indexes find an employee
by ID number and phone. Money is integer fen; it moves only through the ledger.
"""

from tortoise import fields
from infra.models import Model

from miniprograms.payroll.vocabulary import BatchStatus, LineStatus


class Employee(Model):
    id = fields.BigIntField(primary_key=True)
    enterprise_id = fields.BigIntField()
    id_index = fields.CharField(max_length=64)  # blind index of the ID number
    phone_index = fields.CharField(max_length=64, db_index=True)
    name_ciphertext = fields.TextField()
    id_ciphertext = fields.TextField()
    phone_ciphertext = fields.TextField()
    masked_name = fields.CharField(max_length=48)
    masked_id_number = fields.CharField(max_length=24)
    masked_phone = fields.CharField(max_length=16)
    account_number = fields.CharField(max_length=19, null=True)  # a Class II account here; None: find or invite
    hired_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payroll_employee"
        unique_together = (("enterprise_id", "id_index"),)


class PayrollBatch(Model):
    id = fields.BigIntField(primary_key=True)
    enterprise_id = fields.BigIntField()
    period = fields.CharField(max_length=7)  # YYYY-MM
    idempotency_key = fields.CharField(max_length=128)
    file_sha256 = fields.CharField(max_length=64)
    status = fields.CharEnumField(BatchStatus, max_length=24, default=BatchStatus.DRAFT)
    # "enterprise:period" while the batch is open, else NULL: one open batch per period, by the index.
    open_period = fields.CharField(max_length=40, null=True, unique=True)
    line_count = fields.IntField()
    total_gross = fields.BigIntField()
    total_deductions = fields.BigIntField()
    total_net = fields.BigIntField()
    maker_user_id = fields.BigIntField()
    checker_user_id = fields.BigIntField(null=True)
    hold_id = fields.BigIntField(null=True)  # the ledger hold the lines are paid from
    hold_round = fields.IntField(default=0)  # 1 at approval, +1 per retry: each round's hold has its own key
    paid_count = fields.IntField(default=0)
    paid_total = fields.BigIntField(default=0)
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)  # lease_owner is paying it until then
    awaiting_deadline = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    submitted_at = fields.DatetimeField(null=True)
    approved_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payroll_batch"
        unique_together = (("enterprise_id", "idempotency_key"),)
        indexes = (("status", "id"),)


class PayrollLine(Model):
    id = fields.BigIntField(primary_key=True)
    batch = fields.ForeignKeyField("payroll.PayrollBatch", related_name="lines", on_delete=fields.RESTRICT)
    line_no = fields.IntField()
    idempotency_key = fields.CharField(max_length=64)
    employee = fields.ForeignKeyField("payroll.Employee", related_name="lines", on_delete=fields.RESTRICT)
    gross = fields.BigIntField()
    social_insurance = fields.BigIntField()
    housing_fund = fields.BigIntField()
    income_tax = fields.BigIntField()
    net = fields.BigIntField()
    status = fields.CharEnumField(LineStatus, max_length=20, default=LineStatus.PENDING)
    attempt = fields.IntField(default=1)  # a retried line gets a new ledger key: a decline is final per key
    entry_id = fields.BigIntField(null=True)
    paid_to_user_id = fields.BigIntField(null=True, db_index=True)  # whose payslip it is, once paid
    paid_to_account = fields.CharField(max_length=19, null=True)
    failure = fields.CharField(max_length=32, null=True)
    invited_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payroll_line"
        unique_together = (("batch_id", "idempotency_key"), ("batch_id", "line_no"))
        indexes = (("batch_id", "status", "id"),)
