"""The head-turn challenge: issued once, short-lived, and checked on real-photo frames."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from kyc.errors import ChallengeInvalid
from kyc.liveness import TURN_LEFT, TURN_RIGHT, ChallengeStore
from kyc.reading import verify_person
from tests import conftest
from tests.kyc.cards import Card, encode, front
from tests.kyc.faces import photo, turn_head

DEGREES = {TURN_LEFT: 35, TURN_RIGHT: -35}


def challenge_frames(engines, name: str, actions) -> tuple[bytes, list[bytes]]:
    """A frontal selfie and one frame per action, the head turned as asked."""
    selfie = photo(name)
    face = engines.face.sample(selfie).face
    frames = [turn_head(selfie, DEGREES[a], nose_x=face.landmarks[2][0], face_width=face.width) for a in actions]
    return encode(selfie, "JPEG", quality=90), [encode(f, "JPEG", quality=90) for f in frames]


@pytest.fixture
async def redis():
    client = aioredis.Redis.from_url(conftest.test_environ()["REDIS_URL"])
    yield client
    await client.aclose()


async def test_a_challenge_is_random_both_ways_and_single_use(redis):
    store = ChallengeStore(redis, seconds=60, length=3)
    issued = [await store.issue(7) for _ in range(20)]
    assert all(set(c.actions) == {TURN_LEFT, TURN_RIGHT} and len(c.actions) == 3 for c in issued)
    assert len({c.actions for c in issued}) > 1 and len({c.id for c in issued}) == 20
    assert await store.consume(7, issued[0].id) == issued[0].actions
    with pytest.raises(ChallengeInvalid):
        await store.consume(7, issued[0].id)
    with pytest.raises(ChallengeInvalid):  # bound to its application
        await store.consume(8, issued[1].id)


async def test_a_challenge_expires(redis):
    store = ChallengeStore(redis, seconds=1, length=2)
    challenge = await store.issue(7)
    await asyncio.sleep(1.2)
    with pytest.raises(ChallengeInvalid):
        await store.consume(7, challenge.id)


@pytest.mark.parametrize("actions", [(TURN_LEFT, TURN_RIGHT, TURN_LEFT), (TURN_RIGHT, TURN_RIGHT, TURN_LEFT)])
@pytest.mark.parametrize("person", ["person_a_2", "person_b_2"])
def test_frames_performing_the_actions_in_order_pass(engines, actions, person):
    selfie, frames = challenge_frames(engines, person, actions)
    card = encode(front(Card(), photo(person.replace("_2", "_1"))), "JPEG", quality=88)
    match, liveness = verify_person(engines, card, selfie, frames, actions)
    assert match.matched
    assert liveness.passed, liveness.reasons
    assert [y > 0 for y in liveness.yaw] == [a == TURN_LEFT for a in actions]


def test_frames_in_the_wrong_order_fail_naming_each_frame(engines):
    selfie, frames = challenge_frames(engines, "person_b_2", (TURN_LEFT, TURN_RIGHT))
    _, liveness = verify_person(engines, selfie, selfie, frames, (TURN_RIGHT, TURN_LEFT))
    assert not liveness.passed
    assert liveness.reasons == ["FRAME_1_NOT_TURN_RIGHT", "FRAME_2_NOT_TURN_LEFT"]


def test_the_same_still_photo_for_every_frame_fails(engines):
    selfie, _ = challenge_frames(engines, "person_b_2", ())
    _, liveness = verify_person(engines, selfie, selfie, [selfie, selfie], (TURN_LEFT, TURN_RIGHT))
    assert liveness.reasons == ["FRAME_1_NOT_TURN_LEFT", "FRAME_2_NOT_TURN_RIGHT"]


def test_another_person_turning_their_head_fails(engines):
    selfie, _ = challenge_frames(engines, "person_b_2", ())
    _, frames = challenge_frames(engines, "impostor_2", (TURN_LEFT, TURN_RIGHT))
    _, liveness = verify_person(engines, selfie, selfie, frames, (TURN_LEFT, TURN_RIGHT))
    assert "FRAME_1_DIFFERENT_PERSON" in liveness.reasons and "FRAME_2_DIFFERENT_PERSON" in liveness.reasons


def test_the_wrong_number_of_frames_fails(engines):
    selfie, frames = challenge_frames(engines, "person_b_2", (TURN_LEFT,))
    _, liveness = verify_person(engines, selfie, selfie, frames, (TURN_LEFT, TURN_RIGHT))
    assert liveness.reasons == ["FRAME_COUNT"]
