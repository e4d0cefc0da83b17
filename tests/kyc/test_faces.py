"""Selfie against ID portrait with the real YuNet + SFace models, and the quality gates."""

from __future__ import annotations

import shutil

import pytest

from kyc.errors import ModelFileMismatch
from kyc.face import DETECTOR_FILE, FaceRejected, model_file
from kyc.reading import match_faces
from tests.kyc.cards import Card, back, encode, front
from tests.kyc.faces import photo, side_by_side, tiny_in_frame


def jpeg(image):
    return encode(image, "JPEG", quality=88)


@pytest.mark.parametrize("person", ["a", "b"])
def test_the_same_person_years_apart_matches_their_id_portrait(engines, person):
    card = front(Card(), photo(f"person_{person}_1"))
    match = match_faces(engines, jpeg(card), jpeg(photo(f"person_{person}_2")))
    assert match.matched and match.score > match.threshold == 0.363
    assert match.reasons == []


@pytest.mark.parametrize("portrait,selfie", [("person_a_1", "impostor_1"), ("person_b_1", "impostor_2"),
                                             ("person_b_2", "person_a_2")])
def test_a_different_person_does_not_match(engines, portrait, selfie):
    match = match_faces(engines, jpeg(front(Card(), photo(portrait))), jpeg(photo(selfie)))
    assert not match.matched and match.reasons == ["FACES_DIFFER"]
    assert match.score < match.threshold


def test_quality_gates_name_the_image_that_failed(engines):
    card = jpeg(front(Card(), photo("person_b_1")))
    no_face = match_faces(engines, jpeg(back(Card())), jpeg(photo("person_b_2")))
    assert no_face.reasons == ["ID_PORTRAIT_NO_FACE"] and no_face.score is None
    two = match_faces(engines, card, jpeg(side_by_side(photo("person_b_2"), photo("impostor_2"))))
    assert two.reasons == ["SELFIE_MULTIPLE_FACES"]
    small = match_faces(engines, card, jpeg(tiny_in_frame(photo("person_b_2"), face_scale=0.11)))
    assert small.reasons == ["SELFIE_FACE_TOO_SMALL"]


def test_a_bystander_far_behind_does_not_block_the_dominant_face(engines):
    selfie = photo("person_b_2")
    selfie.paste(photo("impostor_1").resize((120, 138)), (10, 700))
    assert len([f for f in engines.face.faces(selfie) if f.score >= 0.8]) == 2
    assert engines.face.sample(selfie).face.width > 200


def test_a_model_file_whose_digest_differs_is_refused(tmp_path):
    shutil.copy(model_file(DETECTOR_FILE), tmp_path / DETECTOR_FILE)
    data = bytearray((tmp_path / DETECTOR_FILE).read_bytes())
    data[-1] ^= 0xFF
    (tmp_path / DETECTOR_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelFileMismatch):
        model_file(DETECTOR_FILE, tmp_path)


def test_sample_raises_the_gate_code(engines):
    with pytest.raises(FaceRejected) as caught:
        engines.face.sample(back(Card()))
    assert caught.value.code == "NO_FACE"
