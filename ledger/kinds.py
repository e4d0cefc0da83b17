"""The kinds of account the bank holds, and what each kind may do."""

from __future__ import annotations

from enum import Enum


class AccountKind(str, Enum):
    CLASS_ONE = "class_one"  # a bound external bank card
    CLASS_TWO = "class_two"  # opened online, with PBOC limits on outbound money
    SETTLEMENT = "settlement"  # the bank's clearing position with the outside world
    SUSPENSE = "suspense"  # money waiting to be matched
    FEES = "fees"
    ENTERPRISE = "enterprise"  # e.g. a payroll funding account
    MERCHANT = "merchant"  # e.g. a toll road or a car wash

    @property
    def is_internal(self) -> bool:
        return self not in (AccountKind.CLASS_ONE, AccountKind.CLASS_TWO)

    @property
    def allows_overdraft(self) -> bool:
        # Only the bank's own contra accounts may go below zero: money arriving from
        # outside the ledger is credited to a customer and debited to settlement.
        return self in (AccountKind.SETTLEMENT, AccountKind.SUSPENSE)


class EntryKind(str, Enum):
    """What a journal entry is; ``ledger.authority`` says who may post each kind and how."""

    TRANSFER = "transfer"  # between accounts of one owner (a customer's own, or the bank's)
    PAYMENT = "payment"  # a customer pays a merchant
    MP_PAYMENT = "mp_payment"  # a customer pays a mini-program's merchant account
    MP_REFUND = "mp_refund"  # a mini-program's merchant account gives money back
    PRIZE_PAYOUT = "prize_payout"  # a lottery prize from the prize-pool merchant account (miniprograms.lottery)
    DEPOSIT = "deposit"  # money arriving from outside the ledger, debited to settlement
    REVERSAL = "reversal"  # undoes an entry; only reverse_entry writes it
    CAPTURE = "capture"  # takes held money to a named account; only capture_hold writes it
    # Through the card network (the clearing domain), between a customer's own bound card
    # and their Class II account, and from other banks:
    TOPUP = "topup"  # the card network confirmed a debit of the card: network clearing -> Class II
    WITHDRAWAL = "withdrawal"  # a customer sends money to their card: Class II -> in transit, at once
    WITHDRAWAL_SETTLEMENT = "withdrawal_settlement"  # the network confirmed it: in transit -> network clearing
    INBOUND_TRANSFER = "inbound_transfer"  # another bank sent money: network clearing -> Class II
    REWARD = "reward"  # a campaign's cash reward: its budget account (the bank's) -> the customer's Class II
    # Under a customer's mandate (ledger.mandates): a bank service takes it for a merchant.
    DIRECT_DEBIT = "direct_debit"  # Class II -> merchant; only direct_debit writes it


class AccountStatus(str, Enum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


CURRENCY = "CNY"
