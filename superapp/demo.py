"""Demo data for embedded mode: one user per role, printed so a newcomer can sign in."""

from __future__ import annotations

from identity.roles import Role
from superapp.runtime import running
from infra.settings import Settings

DEMO_USERS = {
    "13800000001": [Role.CUSTOMER],
    "13800000002": [Role.CUSTOMER, Role.DEVELOPER],
    "13800000003": [Role.OPERATOR],
    "13800000004": [Role.OPERATOR, Role.REVIEWER],
    "13800000005": [Role.ADMIN],
}


async def seed(settings: Settings) -> None:
    async with running(settings) as runtime:
        for phone, roles in DEMO_USERS.items():
            user = await runtime.identity.ensure_user(phone=phone, roles=roles)
            print(f"demo user {phone}: {', '.join(user.roles)}")
