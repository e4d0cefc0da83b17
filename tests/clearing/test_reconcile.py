"""Daily settlement: a day's card movements against the network's signed settlement file,
by `superapp ledger reconcile --date D` (which keeps the whole-ledger checks) and by the
operators' `settlementReconciliation` field. Every kind of mismatch is planted."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timezone
from pathlib import Path

from clearing.books import settlement_day
from identity.roles import Role
from ledger.models import Account
from ledger.service import EntryKind, InternalService
from tests.clearing.support import TOP_UP, WITHDRAW
from tests.servers import ROOT

SUPERAPP = str(Path(sys.executable).parent / "superapp")
REPORT = """query($day: Date!) { settlementReconciliation(day: $day) { __typename
  ... on SettlementReconciliation { clean networkMovements networkTotal ourMovements counts { kind count }
    mismatches { kind requestId ourAmount theirAmount ourStatus theirStatus } }
  ... on Error { message } } }"""


def today() -> str:
    return settlement_day(datetime.now(timezone.utc)).isoformat()


async def reconcile_cli(environ: dict, day: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        SUPERAPP, "ledger", "reconcile", "--date", day, cwd=ROOT, env={"PATH": "/usr/bin:/bin", **environ},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode, output.decode()


async def test_a_clean_day_reconciles_clean(open_bank, environ):
    bank = await open_bank(CLEARING_REQUEST_TIMEOUT_MS="300", CLEARING_NOT_FOUND_AFTER_SECONDS="0")
    alice = await bank.customer(balance=500_00)
    operator = await bank.sign_in("13900000009", Role.OPERATOR)
    await bank.gql(TOP_UP, alice.money(100_00, "clean-day-01"), token=alice.token)
    await bank.network.fault("decline")
    await bank.gql(TOP_UP, alice.money(7_00, "clean-day-02"), token=alice.token)
    await bank.gql(WITHDRAW, alice.money(50_00, "clean-day-03"), token=alice.token)
    await bank.network.inbound(payeeAccount=(await Account.get(id=alice.account.id)).number, amount=3_00, payerBank="ABC")
    await bank.network.inbound(payeeAccount="1", amount=2_00, payerBank="ABC")  # refused: RETURNED on both sides
    await bank.network.configure(hang_ms=1_500)
    await bank.network.fault("timeout")  # lost on the way: declined here, absent there, as it should be
    await bank.gql(TOP_UP, alice.money(9_00, "clean-day-04"), token=alice.token)
    await bank.network.movements()

    report = (await bank.gql(REPORT, {"day": today()}, token=operator.access_token))["data"]["settlementReconciliation"]
    code, output = await reconcile_cli(environ, today())

    assert report["clean"] is True, report
    assert (report["networkMovements"], report["networkTotal"], report["ourMovements"]) == (5, 162_00, 6)
    assert {c["count"] for c in report["counts"]} == {0} and report["mismatches"] == []
    assert code == 0, output
    assert output.count("result: clean") == 2  # the whole ledger's checks, then the day's settlement


async def test_every_kind_of_mismatch_is_listed(open_bank, environ):
    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0", CLEARING_PENDING_MAX_AGE_SECONDS="0")
    alice = await bank.customer(balance=500_00)
    operator = await bank.sign_in("13900000009", Role.OPERATOR)

    async def top_up(key: str, amount: int, *, settle: bool = True) -> str:
        movement = (await bank.gql(TOP_UP, alice.money(amount, key), token=alice.token))["data"]["topUp"]["movement"]
        if settle:
            await bank.runtime.clearing.movements.resolve(await _row(movement["id"]))
        return movement["id"]

    forgotten = await top_up("mismatch-01", 11_00)
    await bank.network.amend(forgotten, forget=True)  # the network lost it: missing at the network
    stranger = "T-never-asked-for"
    await bank.network.book(kind="DEBIT", requestId=stranger, card="6222020000000015", amount=12_00)  # missing here
    resized = await top_up("mismatch-02", 13_00)
    await bank.network.amend(resized, amount=13_01)  # amount differs
    turned = await top_up("mismatch-03", 14_00)
    await bank.network.amend(turned, status="DECLINED")  # status differs
    await bank.network.fault("no_notification")
    late = await top_up("mismatch-04", 15_00, settle=False)  # pending too long, and settled at the network
    accounts = await bank.runtime.clearing.books.accounts()
    await bank.runtime.ledger.transfer(  # a stray fen in the in-transit account
        by=InternalService("tests"), from_account_id=accounts.network_clearing, to_account_id=accounts.in_transit,
        amount=1, idempotency_key="stray-fen", kind=EntryKind.TRANSFER)
    await bank.network.movements()

    result = (await bank.gql(REPORT, {"day": today()}, token=operator.access_token))["data"]["settlementReconciliation"]
    code, output = await reconcile_cli(environ, today())
    refused = await bank.gql(REPORT, {"day": today()}, token=alice.token)

    found = {(m["kind"], m["requestId"]) for m in result["mismatches"]}
    assert found == {
        ("MISSING_AT_NETWORK", forgotten), ("MISSING_HERE", stranger), ("AMOUNT_DIFFERS", resized),
        ("STATUS_DIFFERS", turned), ("STATUS_DIFFERS", late), ("PENDING_TOO_LONG", late), ("IN_TRANSIT_DIFFERS", None),
    }
    assert {c["kind"]: c["count"] for c in result["counts"]} == {
        "MISSING_AT_NETWORK": 1, "MISSING_HERE": 1, "AMOUNT_DIFFERS": 1, "STATUS_DIFFERS": 2, "PENDING_TOO_LONG": 1,
        "IN_TRANSIT_DIFFERS": 1}
    resized_line = next(m for m in result["mismatches"] if m["kind"] == "AMOUNT_DIFFERS")
    assert (resized_line["ourAmount"], resized_line["theirAmount"]) == (13_00, 13_01)
    assert result["clean"] is False
    assert code == 1, output
    for line in ("FAIL missing_at_network (1)", "FAIL missing_here (1)", "FAIL amount_differs (1)",
                 "FAIL status_differs (2)", "FAIL pending_too_long (1)", "FAIL in_transit_differs (1)",
                 f"{resized} DEBIT: here SUCCEEDED 1300 CNY, at the network SUCCEEDED 1301 CNY"):
        assert line in output, output
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_settlement_file_that_does_not_prove_itself_is_rejected(open_bank, environ, tmp_path):
    bank = await open_bank()
    operator = await bank.sign_in("13900000009", Role.OPERATOR)
    forged = tmp_path / "forged.csv"
    forged.write_text("networkRef,requestId,kind,card,account,amount,currency,status,settledAt\n"
                      "N1,T1,DEBIT,,,100,CNY,SUCCEEDED,2026-12-01T00:00:00.000Z\nTRAILER,1,100,00,AAAA\n")
    await bank.network.load_settlement_file(today(), str(forged))

    result = (await bank.gql(REPORT, {"day": today()}, token=operator.access_token))["data"]["settlementReconciliation"]
    code, output = await reconcile_cli(environ, today())

    assert result == {"__typename": "SettlementFileRejected",
                      "message": "对账文件摘要与内容不符"}
    assert code == 2 and "对账文件摘要与内容不符" in output


async def _row(movement_id: str):
    from clearing.models import CardMovement

    return await CardMovement.get(request_id=movement_id)
