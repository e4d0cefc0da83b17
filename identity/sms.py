"""The SMS gateway interface, and the outbox gateway used in development and tests."""

from __future__ import annotations

import logging
from typing import Protocol

from identity.models import SmsOutbox
from identity.phone import normalize_mainland_mobile
from infra.masking import mask_phone
from infra.pii import PiiCipher

log = logging.getLogger("identity.sms")


class SmsGateway(Protocol):
    async def send(self, *, phone: str, text: str) -> None: ...


class OutboxSmsGateway:
    """Writes each message to the ``identity_sms_outbox`` table; optionally echoes it."""

    def __init__(self, cipher: PiiCipher, *, echo: bool = False) -> None:
        self._cipher = cipher
        self._echo = echo

    async def send(self, *, phone: str, text: str) -> None:
        await SmsOutbox.create(
            phone_index=self._cipher.blind_index(phone, purpose="phone"),
            phone_ciphertext=self._cipher.encrypt(phone, context="phone"),
            body=text,
        )
        if self._echo:  # embedded mode only: the developer reads the code on the console
            print(f"[sms outbox] to {mask_phone(phone)}: {text}", flush=True)

    async def latest_to(self, phone: str) -> str | None:
        phone = normalize_mainland_mobile(phone)
        row = (
            await SmsOutbox.filter(phone_index=self._cipher.blind_index(phone, purpose="phone"))
            .order_by("-id")
            .first()
        )
        return row.body if row else None
