"""Given-steps for marketing tests: customers as account opening, the ledger and tracking leave them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from identity.roles import Role
from kyc.models import KycApplication, State
from ledger.service import AccountKind, Operator, add_enterprise_member, open_account, open_enterprise

_phones = iter(range(10_000))


def years_ago(years: int) -> date:
    """A birth date that makes the customer ``years`` old today (born on the 1st of January)."""
    return date(datetime.now(timezone.utc).year - years, 1, 1)


async def customer(runtime, *, age: int | None = 30, address: str | None = "上海市浦东新区世纪大道100号",
                   class_two: bool = True, employee: bool = False, phone: str | None = None) -> int:
    """A registered customer; with ``age`` their account opening was approved (card read and sealed)."""
    user = await runtime.identity.ensure_user(phone=phone or f"139{next(_phones):08d}", roles=[Role.CUSTOMER])
    if age is not None:
        application = await KycApplication.create(user_id=user.id, state=State.OPENED, name_masked="张*")
        reading = {"name": "张三", "birth_date": years_ago(age).isoformat(), "address": address}
        application.front_ct = runtime.cipher.encrypt(json.dumps(reading, ensure_ascii=False),
                                                      context=f"kyc:{application.id}:front")
        await application.save(update_fields=["front_ct"])
    if class_two:
        await open_account(owner_user_id=user.id, kind=AccountKind.CLASS_TWO, name="Class II account")
    if employee:
        enterprise = await open_enterprise(by=Operator(user_id=1), name="星河科技有限公司",
                                           credit_code="91350100M000100Y43")
        await add_enterprise_member(by=Operator(user_id=1), enterprise_id=enterprise.id, user_id=user.id,
                                    role="maker")
    return user.id


def window(hours: int = 24, *, starting: timedelta = timedelta(minutes=-1)) -> tuple[datetime, datetime]:
    start = datetime.now(timezone.utc) + starting
    return start, start + timedelta(hours=hours)
