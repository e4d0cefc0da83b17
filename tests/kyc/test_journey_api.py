"""The whole account opening journey through GraphQL, with the real engines."""

from __future__ import annotations

from datetime import date

import asyncpg
import httpx

from identity.roles import Role
from tests.kyc.cards import Card, back, encode, id_number
from tests.kyc.faces import photo
from audit import service as audit_log
from tests.kyc.journey import REVIEW, Applicant
from tests.ledger.support import luhn_card

ACCOUNTS = "{ accounts { id kind status } }"
BIND = 'mutation($n: String!) { bindCard(cardNumber: $n) { __typename ... on CardBound { account { kind } } } }'


async def test_a_customer_opens_a_class_two_account_and_binds_a_card(gql, sign_in, runtime, engines, environ):
    session = await sign_in("13900000001")
    applicant = Applicant(gql, session, engines)
    started = await applicant.start()
    assert started["state"] == "STARTED"
    front = await applicant.upload("FRONT")
    assert front["state"] == "STARTED" and front["reasons"] == []
    assert front["maskedIdNumber"] == applicant.card.number[:6] + "********" + applicant.card.number[-4:]
    assert front["maskedName"] == "李**"
    assert (await applicant.upload("BACK"))["state"] == "DOCUMENTS_READ"
    challenge = await applicant.challenge()
    assert challenge["expiresInSeconds"] == 120 and len(challenge["actions"]) == 3

    opened = await applicant.submit(challenge, *applicant.frames(challenge["actions"]))

    assert opened["state"] == "OPENED", opened
    assert opened["faceScore"] > 0.45 and opened["accountId"]
    assert [(h["fromState"], h["toState"]) for h in opened["history"]] == [
        (None, "STARTED"), ("STARTED", "DOCUMENTS_READ"), ("DOCUMENTS_READ", "FACE_VERIFIED"),
        ("FACE_VERIFIED", "RISK_CHECKED"), ("RISK_CHECKED", "OPENED"),
    ]
    assert {h["actor"] for h in opened["history"]} == {f"customer:{session.user_id}", "system"}
    accounts = (await gql(ACCOUNTS, token=session.access_token))["data"]["accounts"]
    assert accounts == [{"id": opened["accountId"], "kind": "CLASS_TWO", "status": "ACTIVE"}]
    bound = await gql(BIND, {"n": luhn_card("622848")}, token=session.access_token)
    assert bound["data"]["bindCard"]["account"]["kind"] == "CLASS_ONE"
    # Nothing personal is stored in clear: not the number, the name, the address nor an image.
    conn = await asyncpg.connect(environ["DATABASE_URL"])
    try:
        rows = [r for table in ("kyc_application", "kyc_image", "kyc_transition")
                for r in await conn.fetch(f"SELECT * FROM {table}")]
    finally:
        await conn.close()
    dump = "".join(str(tuple(r)) for r in rows)
    # An image in clear would show its JPEG header, raw or base64 (/9j/4AAQSkZJRg is FF D8 FF E0
    # 00 10 "JFIF"). "JFIF" alone is four base64 letters: the 1.0 M characters of ciphertext held it by
    # chance about one run in seventeen (1.0 M characters / 64⁴).
    for secret in (applicant.card.number, applicant.card.name, "建国路", "/9j/4AAQSkZJRg", "\\xff\\xd8\\xff"):
        assert secret not in dump
    assert dump.count("t1:") >= 7  # ciphertexts carry their key id: 2 readings, 5 images


async def test_a_challenge_is_single_use_and_a_different_face_is_refused(gql, sign_in, engines):
    applicant = Applicant(gql, await sign_in("13900000002"), engines)
    await applicant.documents()
    challenge = await applicant.challenge()
    selfie, frames = applicant.frames(challenge["actions"], selfie_of="impostor_2")
    refused = await applicant.submit(challenge, selfie, frames)
    assert refused["state"] == "DOCUMENTS_READ"
    assert "FACES_DIFFER" in refused["reasons"]
    again = await applicant.submit(challenge, *applicant.frames(challenge["actions"]))
    assert again["__typename"] == "LivenessChallengeInvalid"


async def test_unreadable_or_failing_documents_are_reported_by_check(gql, sign_in, engines):
    applicant = Applicant(gql, await sign_in("13900000003"), engines,
                          card=Card(valid_from=date(2004, 1, 1), valid_until=date(2024, 1, 1)))
    await applicant.start()
    junk = await applicant.upload("FRONT", b"not an image at all")
    assert junk["__typename"] == "KycImageRejected" and junk["problem"] == "NOT_AN_IMAGE"
    await applicant.upload("FRONT")
    expired = await applicant.upload("BACK")
    assert expired["state"] == "STARTED" and expired["reasons"] == ["BACK_NOT_EXPIRED"]
    early = await applicant.challenge()
    assert early["message"] == "申请刚开始，现在不能开始人脸核验"


async def test_a_face_photo_or_the_wrong_side_is_refused_without_using_an_attempt(gql, sign_in, engines):
    applicant = Applicant(gql, await sign_in("13900000011"), engines)
    await applicant.start()
    face = await applicant.upload("FRONT", encode(photo("person_b_1"), "JPEG", quality=90))
    assert face["__typename"] == "KycImageRejected" and face["problem"] == "NOT_AN_ID_CARD"
    assert face["field"] == "image"
    swapped = await applicant.upload("FRONT", encode(back(applicant.card), "JPEG", quality=85))
    assert swapped["__typename"] == "KycImageRejected" and swapped["problem"] == "WRONG_SIDE"
    assert "请上传人像面" in swapped["message"]
    status = await applicant.status()
    assert status["state"] == "STARTED" and status["reasons"] == [] and status["maskedIdNumber"] is None
    assert (await applicant.upload("FRONT"))["reasons"] == []


async def test_blacklisted_numbers_and_under_16s_are_rejected(gql, sign_in, runtime, engines):
    listed = Applicant(gql, await sign_in("13900000004"), engines)
    await runtime.kyc.blacklist(id_number=listed.card.number, reason="fraud ring")
    result = await listed.whole_journey()
    assert result["state"] == "REJECTED" and result["reasons"] == ["BLACKLISTED"]
    born = date(date.today().year - 15, 1, 2)
    young = Applicant(gql, await sign_in("13900000005"), engines,
                      card=Card(name="王小红", sex="女", born=born, number=id_number("110105", born, 26)))
    result = await young.whole_journey()
    assert result["state"] == "REJECTED" and result["reasons"] == ["UNDER_16"]
    assert [h["toState"] for h in result["history"]][-2:] == ["RISK_CHECKED", "REJECTED"]


async def test_one_class_two_account_per_person(gql, sign_in, engines):
    first = Applicant(gql, await sign_in("13900000006"), engines)
    assert (await first.whole_journey())["state"] == "OPENED"
    # The same person's card again, from another phone number.
    second = Applicant(gql, await sign_in("13900000007"), engines, card=first.card)
    result = await second.whole_journey()
    assert result["state"] == "REJECTED"
    assert result["reasons"] == ["ALREADY_HAS_CLASS_TWO", "ID_USED_BY_ANOTHER_USER"]


async def test_manual_review_approved_by_a_reviewer_only(sign_in_with, engines, environ):
    environ["KYC_FACE_REVIEW_BELOW"] = "0.99"  # every real match lands in the review band
    gql, runtime = await sign_in_with()
    applicant = Applicant(gql, await sign_in_with.sign_in("13900000008"), engines)
    waiting = await applicant.whole_journey()
    assert waiting["state"] == "MANUAL_REVIEW" and waiting["reasons"] == ["FACE_SCORE_LOW"]
    variables = {"id": applicant.application_id, "approve": True, "reason": "portrait checked by hand"}
    refused = await gql(REVIEW, variables, token=applicant.session.access_token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    reviewer = await sign_in_with.sign_in("13900000009", Role.REVIEWER)
    queue = await gql("{ accountOpeningReviewQueue { id maskedIdNumber } }", token=reviewer.access_token)
    assert [a["id"] for a in queue["data"]["accountOpeningReviewQueue"]] == [applicant.application_id]
    approved = (await gql(REVIEW, variables, token=reviewer.access_token))["data"]["reviewAccountOpening"]
    assert approved["state"] == "OPENED" and approved["accountId"]
    assert approved["history"][-1]["actor"] == f"reviewer:{reviewer.user_id}"
    assert "portrait checked by hand" in approved["history"][-1]["reason"]
    again = (await gql(REVIEW, variables, token=reviewer.access_token))["data"]["reviewAccountOpening"]
    assert again["__typename"] == "KycWrongState" and again["state"] == "OPENED"
    # The reviewer's decision is in the tamper-evident log, once.
    [decision] = await audit_log.records(action="kyc.manual_opened")
    assert decision.actor == f"user:{reviewer.user_id}" and decision.subject == f"kyc_application:{applicant.application_id}"
    assert (await audit_log.verify()).intact


async def test_an_upload_over_the_body_cap_is_refused_but_photos_fit(gql, sign_in, engines, runtime):
    session = await sign_in("13900000010")
    applicant = Applicant(gql, session, engines)
    await applicant.start()
    assert runtime.settings.max_upload_bytes > runtime.settings.max_body_bytes
    big = b"\xff\xd8" + b"\0" * (runtime.settings.max_body_bytes + 10)  # over the plain JSON cap, under uploads'
    result = await applicant.upload("FRONT", big)
    assert result["__typename"] == "KycImageRejected" and result["problem"] == "NOT_AN_IMAGE"
    response = await gql.http.post("/graphql", content=b"x" * (runtime.settings.max_upload_bytes + 1),
                                   headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413


async def test_a_decision_cut_short_by_a_restart_finishes_on_the_next_read(gql, sign_in, engines, settings):
    from superapp.app import create_app
    from kyc.models import KycApplication, State
    from tests.support import GraphQLClient

    session = await sign_in("13900000011")
    applicant = Applicant(gql, session, engines)
    await applicant.documents()
    assert (await applicant.start())["id"] == applicant.application_id  # starting again resumes
    # The process died right after committing the face check: the risk step never ran.
    await KycApplication.filter(id=int(applicant.application_id)).update(
        state=State.FACE_VERIFIED, face_score=0.8, liveness_passed=True)

    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            applicant.gql = GraphQLClient(http)
            first, second = await applicant.status(), await applicant.status()
            accounts = (await applicant.gql(ACCOUNTS, token=session.access_token))["data"]["accounts"]

    assert first["state"] == second["state"] == "OPENED"
    assert first["accountId"] == second["accountId"]
    assert accounts == [{"id": first["accountId"], "kind": "CLASS_TWO", "status": "ACTIVE"}]
    assert [h["toState"] for h in second["history"]][-2:] == ["RISK_CHECKED", "OPENED"]
