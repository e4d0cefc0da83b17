"""Merchants: an open-platform app an operator registers for a merchant enterprise of one of
ETC's categories; its debits are credited to that enterprise's merchant account."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from audit import service as audit_log
from ledger import service as ledger
from miniprogram_host.service import app_exists
from miniprograms.etc.errors import EtcErrorCode as Code, refused
from miniprograms.etc.models import EtcMerchant

ETC_CATEGORIES = frozenset({ledger.MerchantCategory.TOLL_OPERATOR, ledger.MerchantCategory.PARKING,
                            ledger.MerchantCategory.FUEL, ledger.MerchantCategory.CAR_WASH})


@dataclass(frozen=True, slots=True)
class Merchant:
    id: int
    app_id: str
    enterprise_id: int
    account_id: int
    category: str
    name: str

    @classmethod
    def of(cls, row: EtcMerchant) -> Merchant:
        return cls(row.id, row.app_id, row.enterprise_id, row.account_id, row.category, row.name)


async def register(*, app_id: str, enterprise_id: int, operator_user_id: int | None = None) -> Merchant:
    """Let the app debit ETC cards for the enterprise; registering the same pair again returns it.
    A new registration is written to the audit log with the operator who made it."""
    if not isinstance(app_id, str) or not await app_exists(app_id):
        raise refused(Code.NOT_AN_ETC_MERCHANT)
    enterprise = await ledger.get_enterprise(enterprise_id=enterprise_id)
    if enterprise.merchant_category not in ETC_CATEGORIES:
        raise refused(Code.NOT_AN_ETC_CATEGORY)
    existing = await EtcMerchant.get_or_none(app_id=app_id)
    if existing is None:
        try:
            async with in_transaction():
                existing = await EtcMerchant.create(
                    app_id=app_id, enterprise_id=enterprise.id, account_id=enterprise.account_id,
                    category=enterprise.merchant_category.value, name=enterprise.name,
                )
                await audit_log.record(actor=f"user:{operator_user_id}" if operator_user_id else "system",
                                       action="etc.merchant_registered", subject=f"app:{app_id}",
                                       detail={"enterprise": enterprise.id})
        except IntegrityError:
            existing = await EtcMerchant.get(app_id=app_id)
    if existing.enterprise_id != enterprise.id:
        raise refused(Code.MERCHANT_ALREADY_REGISTERED)
    return Merchant.of(existing)


async def merchant_of_app(app_id: str) -> EtcMerchant:
    row = await EtcMerchant.get_or_none(app_id=app_id)
    if row is None:
        raise refused(Code.NOT_AN_ETC_MERCHANT)
    return row


async def get(merchant_id: int) -> EtcMerchant:
    row = await EtcMerchant.get_or_none(id=merchant_id)
    if row is None:
        raise refused(Code.NOT_AN_ETC_MERCHANT)
    return row
