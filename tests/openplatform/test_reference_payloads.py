"""The webhook reference's example payloads have the fields real events carry."""

from __future__ import annotations

import json
import re

from openplatform.apps import set_webhook_url
from openplatform.models import WebhookDelivery
from superapp.reference import generated
from tests.ledger.support import funded_account
from tests.openplatform.support import pay_order


def _example(hooks: str, event_type: str) -> dict:
    pattern = rf"### `{re.escape(event_type)}`.*?```json\n(.*?)\n```"
    return json.loads(re.search(pattern, hooks, flags=re.DOTALL).group(1))


async def test_the_examples_hold_the_fields_of_real_payment_and_refund_events(runtime, partner, customer):
    await set_webhook_url(actor=partner.developer, app_id=partner.app_id, url="https://partner.example.com/hook")
    account = await funded_account(runtime, customer.user_id, 5_000)
    payment = await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=1_800, order_id="o-1")
    await runtime.openplatform.refund(app_id=partner.app_id, payment_id=payment.payment_id, amount_fen=1_800,
                                      idempotency_key="r-1", reason="cold")
    hooks = generated()["webhooks.md"]

    for row in await WebhookDelivery.all().order_by("id"):
        example = _example(hooks, row.event_type)
        assert set(example) == set(row.payload)
        assert set(example["data"]) == set(row.payload["data"])
        if "payment" in example["data"]:
            assert set(example["data"]["payment"]) == set(row.payload["data"]["payment"])
    assert await WebhookDelivery.all().count() == 2
