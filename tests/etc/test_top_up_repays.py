"""A real top-up, through the fake card network and its callback, repays the card's debt first
and lifts the blacklist: the ledger's ``on_credit`` hook as clearing's credit reaches it."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
import pytest

from kyc.models import KycApplication, State
from tests.clearing.conftest import open_bank  # noqa: F401 (fixture)
from tests.clearing.support import TOP_UP
from tests.etc.support import balance, merchant_app


async def test_the_next_top_up_repays_the_debt_and_lifts_the_blacklist(open_bank, environ):  # noqa: F811
    environ["ETC_FAILURES_BEFORE_BLACKLIST"] = "1"
    bank = await open_bank()
    alice = await bank.customer(balance=0)
    await KycApplication.create(user_id=alice.session.user_id, state=State.OPENED, name_masked="爱*",
                                account_id=alice.account.id)
    from ledger.service import Customer

    await etc_service(bank.runtime).apply(by=Customer(alice.session.user_id, "s", pin="135790"), plate="粤B12345")
    toll = await merchant_app(bank.runtime, bank.gql, bank.sign_in)
    from miniprograms.etc.service import EtcError, EtcErrorCode

    with pytest.raises(EtcError) as refused:
        await etc_service(bank.runtime).debit(app_id=toll.app_id, plate="粤B12345", amount=4_500, idempotency_key="t1")
    assert refused.value.code is EtcErrorCode.INSUFFICIENT_FUNDS
    assert (await etc_service(bank.runtime).blacklisted(app_id=toll.app_id, plate="粤B12345"))[0] is True

    result = await bank.gql(TOP_UP, alice.money(100_00, "topup-etc-1"), token=alice.token)

    assert result["data"]["topUp"]["movement"]["status"] == "SUCCEEDED", result
    assert await balance(toll.account_id) == 4_500
    assert await alice.balance() == 100_00 - 4_500
    assert (await etc_service(bank.runtime).blacklisted(app_id=toll.app_id, plate="粤B12345"))[0] is False
