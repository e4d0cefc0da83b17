"""Helpers for tests that speak to the API the way a client does."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from itertools import count

import httpx

from identity.roles import Role

_CODE = re.compile(r"\b(\d{6})\b")
_devices = count(1)


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict | None = None, *, token: str | None = None, **extra
    ) -> dict:
        response = await self.post({"query": query, "variables": variables or {}, **extra}, token=token)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, body: dict, *, token: str | None = None, headers: dict | None = None) -> httpx.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        return await self.http.post("/graphql", json=body, headers=all_headers)


@dataclass
class Session:
    phone: str
    user_id: int
    access_token: str
    refresh_token: str
    device_id: str
    roles: list[str] = field(default_factory=list)


LOGIN = """
mutation Login($phone: String!, $code: String!, $device: DeviceInput!) {
  login(phone: $phone, code: $code, device: $device) {
    __typename
    ... on AuthSession { accessToken refreshToken user { id roles } }
    ... on WrongCode { attemptsLeft }
    ... on Error { message }
  }
}
"""
REQUEST_CODE = """
mutation Code($phone: String!) {
  requestLoginCode(phone: $phone) { __typename ... on Error { message } }
}
"""


class SignIn:
    def __init__(self, gql: GraphQLClient, runtime) -> None:
        self.gql = gql
        self.runtime = runtime

    async def latest_code(self, phone: str) -> str:
        body = await self.runtime.sms.latest_to(phone)
        assert body is not None, f"no SMS sent to {phone}"
        return _CODE.search(body).group(1)

    async def __call__(self, phone: str = "13900000001", *roles: Role, device_id: str | None = None) -> Session:
        if roles:
            await self.runtime.identity.ensure_user(phone=phone, roles=list(roles))
        sent = await self.gql(REQUEST_CODE, {"phone": phone})
        assert sent["data"]["requestLoginCode"]["__typename"] == "LoginCodeSent", sent
        device_id = device_id or f"test-device-{next(_devices):04d}"
        result = await self.gql(
            LOGIN,
            {"phone": phone, "code": await self.latest_code(phone), "device": {"id": device_id, "name": "Test phone", "platform": "IOS"}},
        )
        login = result["data"]["login"]
        assert login["__typename"] == "AuthSession", result
        return Session(
            phone=phone,
            user_id=int(login["user"]["id"]),
            access_token=login["accessToken"],
            refresh_token=login["refreshToken"],
            device_id=device_id,
            roles=login["user"]["roles"],
        )


async def until_subscribed(runtime, topic: str) -> None:
    """Wait until some server process listens on this broker topic in Redis."""
    channel = f"{runtime.settings.channel_prefix}:events:{topic}"
    for _ in range(800):
        counts = dict(await runtime.redis.pubsub_numsub(channel))
        if counts.get(channel.encode(), 0) > 0:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("subscription never reached Redis")
