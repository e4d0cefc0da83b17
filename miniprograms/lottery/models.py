from tortoise import fields
from infra.models import Model

from miniprograms.lottery.kinds import ClaimState


class PrizeClaim(Model):
    """A customer's claim of one ticket's prize, at most one row per ticket: a ticket is
    claimed once whatever the concurrency (the unique ticket number is the lock, in every worker).

    Its state follows the steps: reserved at the operator, paid in the ledger (with the entry,
    in the same transaction), confirmed at the operator. A claim that fails before money moves
    is deleted, and the ticket can be claimed again.
    """

    id = fields.BigIntField(primary_key=True)
    ticket_number = fields.CharField(max_length=32, unique=True)
    reservation_id = fields.CharField(max_length=64, unique=True)  # the operator's reservationId
    user_id = fields.BigIntField()
    account_id = fields.BigIntField()  # the customer's Class II account
    claimant_masked = fields.CharField(max_length=32)  # the verified name, masked (张*)
    game = fields.CharField(max_length=32)
    draw = fields.CharField(max_length=32)
    draw_date = fields.DateField()
    prize = fields.BigIntField()  # fen
    state = fields.CharEnumField(ClaimState, max_length=12, default=ClaimState.RESERVING)
    entry_id = fields.BigIntField(null=True)  # the ledger's payout entry
    business_day = fields.DateField(null=True)  # the China Standard Time day the operator confirmed it
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    confirmed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "lottery_prize_claim"
        indexes = (("user_id", "created_at"), ("state", "updated_at"), ("business_day",))
