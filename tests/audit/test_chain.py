"""The tamper-evident audit log: operators' freezes, KYC decisions and releases are chained,
and `superapp audit verify` finds a record edited, deleted or moved."""

from __future__ import annotations

import asyncio

from audit import service as audit_log
from audit.models import AuditHead, AuditRecord
from identity.roles import Role
from tests.kyc.test_privacy_and_purge import superapp
from tests.ledger.support import funded_account
from tests.ledger.test_account_status_api import FREEZE


async def freezes(gql, sign_in, runtime, times: int = 3) -> str:
    """Given an operator who froze and unfroze a customer's account, ``times`` changes in all."""
    customer = await sign_in("13900000001")
    operator = await sign_in("13900000009", Role.OPERATOR)
    wallet = await funded_account(runtime, customer.user_id, 10_00)
    for n in range(times):
        answer = await gql(FREEZE, {"id": str(wallet.id), "frozen": n % 2 == 0}, token=operator.access_token)
        assert answer["data"]["setAccountFrozen"]["__typename"] == "AccountUpdated", answer
    return f"user:{operator.user_id}"


async def test_an_operators_freeze_is_recorded_with_who_and_what(gql, sign_in, runtime):
    operator = await freezes(gql, sign_in, runtime, times=2)

    entries = await audit_log.records(action="ledger.account_frozen")
    report = await audit_log.verify()

    [frozen] = entries
    assert frozen.actor == operator and frozen.subject.startswith("account:")
    assert frozen.detail == {"from": "active", "to": "frozen", "reason": "fraud report 2026-118"}
    assert [e.action for e in await audit_log.records()] == ["ledger.account_active", "ledger.account_frozen"]
    assert report.intact and report.records == 2 and report.head_seq == 2


async def test_a_freeze_that_changes_nothing_records_nothing(gql, sign_in, runtime):
    customer = await sign_in("13900000001")
    operator = await sign_in("13900000009", Role.OPERATOR)
    wallet = await funded_account(runtime, customer.user_id, 10_00)

    await gql(FREEZE, {"id": str(wallet.id), "frozen": False}, token=operator.access_token)  # already active

    assert await AuditRecord.all().count() == 0


async def test_concurrent_actions_take_their_turns_without_gaps(runtime):
    seqs = await asyncio.gather(*(
        audit_log.record(actor="user:1", action="test.concurrent", subject=f"thing:{n}") for n in range(40)
    ))

    report = await audit_log.verify()

    assert sorted(seqs) == list(range(1, 41))
    assert report.intact and report.records == 40


async def test_verify_names_an_edited_a_deleted_and_a_moved_record(gql, sign_in, runtime, environ):
    await freezes(gql, sign_in, runtime, times=6)
    clean_code, clean = await superapp(environ, "audit", "verify")

    await AuditRecord.filter(seq=2).update(detail={"from": "active", "to": "frozen", "reason": "nothing to see"})
    edited = await audit_log.verify()
    await AuditRecord.filter(seq=2).update(detail={"from": "frozen", "to": "active", "reason": "fraud report 2026-118"})
    assert (await audit_log.verify()).intact  # put back exactly: the chain holds again

    await AuditRecord.filter(seq=4).delete()
    deleted = await audit_log.verify()

    third, fifth = await AuditRecord.get(seq=3), await AuditRecord.get(seq=5)
    await AuditRecord.filter(seq=3).update(actor=fifth.actor, action=fifth.action, detail=fifth.detail, at=fifth.at,
                                           digest=fifth.digest, previous=fifth.previous)
    await AuditRecord.filter(seq=5).update(actor=third.actor, action=third.action, detail=third.detail, at=third.at,
                                           digest=third.digest, previous=third.previous)
    moved = await audit_log.verify()
    broken_code, broken = await superapp(environ, "audit", "verify")

    assert clean_code == 0 and "the chain holds" in clean, clean
    assert [(b.seq, b.reason) for b in edited.breaks] == [(2, "EDITED")]
    assert [(b.seq, b.reason) for b in deleted.breaks] == [(4, "MISSING"), (5, "OUT_OF_ORDER")]
    assert (3, "OUT_OF_ORDER") in [(b.seq, b.reason) for b in moved.breaks]
    assert broken_code == 1 and "record 3: OUT_OF_ORDER" in broken and "BROKEN" in broken, broken


async def test_a_recomputed_chain_needs_the_key_and_a_cut_tail_shows_against_the_noted_head(
    gql, sign_in, runtime, environ
):
    await freezes(gql, sign_in, runtime, times=3)
    report = await audit_log.verify()
    noted = f"{report.head_seq}:{report.head_digest}"

    # Someone with the database but not the key rewrites a record and "fixes" its digest.
    import hashlib
    row = await AuditRecord.get(seq=3)
    forged = hashlib.sha256((row.previous + "forged").encode()).hexdigest()
    await AuditRecord.filter(seq=3).update(actor="user:0", digest=forged)
    await AuditHead.filter(id=1).update(digest=forged)
    forged_report = await audit_log.verify()
    # Cutting the newest record and moving the head back hides it from the chain alone ...
    await AuditRecord.filter(seq=3).delete()
    await AuditHead.filter(id=1).update(seq=2, digest=(await AuditRecord.get(seq=2)).digest)
    cut = await audit_log.verify()
    # ... but not from the head noted before.
    code, output = await superapp(environ, "audit", "verify", "--expect-head", noted)

    assert [(b.seq, b.reason) for b in forged_report.breaks] == [(3, "EDITED")]
    assert cut.intact
    assert code == 1 and "is not in the chain any more" in output, output


async def test_a_reviewers_approval_and_a_release_are_chained(gql, client, sign_in, runtime):
    from tests.miniprogram_runtime.support import released_app

    app = await released_app(gql, client, sign_in, jsapis=["getStorage"])

    actions = [(e.action, e.subject) for e in await audit_log.records()]

    assert actions == [("miniprogram.released", f"app:{app.app_id}"), ("miniprogram.approved", f"app:{app.app_id}")]
    assert (await audit_log.verify()).intact
