"""The day's payouts against the operator's signed settlement file: every mismatch by kind."""

from __future__ import annotations

import pytest

from miniprograms.lottery import service as lottery
from tests.lottery.support import CODE, claim_rows
from tests.lottery_operator import today


async def paid_tickets(desk, *prizes: int) -> list[str]:
    winner = await desk.winner()
    tickets = []
    for prize in prizes:
        ticket = await desk.operator.ticket(prize=prize)
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
        tickets.append(ticket)
    return tickets


async def test_a_day_that_matches_the_file_has_no_mismatch(desk):
    await paid_tickets(desk, 1_000, 2_500)
    report = await desk.lottery.reconcile_day(today())
    assert report.balanced
    assert (report.bank_count, report.bank_total) == (report.operator_count, report.operator_total) == (2, 3_500)


async def test_every_difference_with_the_file_is_reported_by_kind(desk):
    amended, forgotten, *_ = await paid_tickets(desk, 1_000, 2_000, 3_000)
    rows = {c.ticket_number: c for c in await claim_rows()}
    await desk.operator.amend(rows[amended].reservation_id, amount=1_001)
    await desk.operator.amend(rows[forgotten].reservation_id, forget=True)
    stranger = await desk.operator.ticket(prize=700)
    await desk.operator.amend("LP-not-ours-1", book=True, ticketNumber=stranger)

    report = await desk.lottery.reconcile_day(today())

    kinds = {(m.kind, m.ticket_number, m.bank_amount, m.operator_amount) for m in report.mismatches}
    assert kinds == {
        (lottery.MismatchKind.AMOUNT_DIFFERS, amended, 1_000, 1_001),
        (lottery.MismatchKind.MISSING_AT_OPERATOR, forgotten, 2_000, None),
        (lottery.MismatchKind.UNKNOWN_TO_BANK, stranger, None, 700),
    }
    assert (report.bank_count, report.operator_count) == (3, 3)


async def test_a_payout_whose_confirmation_never_reached_us_is_resolved_before_comparing(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=1_500)
    await desk.operator.configure(hang_ms=1_500)
    await desk.operator.fault("timeout", step="confirm", ticket=ticket, processed=True)
    await desk.operator.fault("timeout", step="query", ticket=ticket)
    await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)

    report = await desk.lottery.reconcile_day(today())  # the sweep asks first: confirmed
    assert report.balanced and report.bank_count == 1


async def test_a_file_altered_or_cut_short_is_rejected_whole(desk):
    await paid_tickets(desk, 1_000, 2_000)
    real = b"".join([chunk async for chunk in desk.lottery.operator.settlement_file(today())]).decode()
    header, first, second, trailer = real.splitlines()
    altered = first.rsplit(",", 2)
    altered[1] = "100000"

    for content in (
        "\n".join([header, ",".join(altered), second, trailer]) + "\n",  # an amount changed
        "\n".join([header, first, trailer]) + "\n",  # a line dropped
        "\n".join([header, first, second]) + "\n",  # no trailer
        "\n".join([header, first, second, trailer.rsplit(",", 1)[0] + ",AAAA"]) + "\n",  # not the operator's
    ):
        await desk.operator.serve_settlement_file(today(), content)
        with pytest.raises(lottery.SettlementFileRejected):
            await desk.lottery.reconcile_day(today())
