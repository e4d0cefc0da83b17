"""A partner's server speaking the signed open API, as a test double for the partner side."""

from __future__ import annotations

import json
import secrets
import time

import httpx

from openplatform.partner import signed_headers
from tests.openplatform.support import PartnerApp


class PartnerServer:
    def __init__(self, http: httpx.AsyncClient, app: PartnerApp, *, sm2: tuple[str, str] | None = None) -> None:
        self.http = http
        self.app = app
        self.sm2 = sm2  # (private, public) to sign with SM2 instead of HMAC
        self.access_token: str | None = None
        self.secret_for_signing = app.secret

    async def fetch_token(self) -> str:
        response = await self.call("POST", "/openapi/v1/token", {"appSecret": self.app.secret}, token=False)
        assert response.status_code == 200, response.text
        self.access_token = response.json()["accessToken"]
        return self.access_token

    def headers(self, method: str, path: str, body: bytes, *, token: bool | str = True, timestamp: int | None = None,
                nonce: str | None = None, idempotency_key: str | None = None) -> dict[str, str]:
        access = (self.access_token if token is True else token) or None
        keys = {"sm2_private_key": self.sm2[0], "sm2_public_key": self.sm2[1]} if self.sm2 else {}
        headers = signed_headers(
            app_id=self.app.app_id, method=method, path=path, body=body, app_secret=self.secret_for_signing,
            access_token=access, timestamp=timestamp, nonce=nonce, **keys,
        )
        if method == "POST":
            headers["idempotency-key"] = idempotency_key or secrets.token_hex(8)
        headers["content-type"] = "application/json"
        return headers

    async def call(self, method: str, path: str, body: dict | None = None, *, token: bool | str = True,
                   timestamp: int | None = None, nonce: str | None = None, idempotency_key: str | None = None,
                   headers: dict | None = None) -> httpx.Response:
        raw = json.dumps(body).encode() if body is not None else b""
        signed = self.headers(method, path, raw, token=token, timestamp=timestamp, nonce=nonce,
                              idempotency_key=idempotency_key)
        signed.update(headers or {})
        return await self.http.request(method, path, content=raw, headers=signed)

    async def send(self, method: str, path: str, raw: bytes, headers: dict) -> httpx.Response:
        """Send exactly these bytes and headers (to replay or tamper with a request)."""
        return await self.http.request(method, path, content=raw, headers=headers)


def now() -> int:
    return int(time.time())


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]
