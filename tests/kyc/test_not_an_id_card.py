"""Images that do not show the side of the ID card asked for are refused with a typed error.

Before, a face photo came back as a partial reading (a name of "M") with failed checks.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kyc.errors import NotAnIdCard
from kyc.reading import read_side
from tests.kyc.cards import FONTS, Card, back, encode, front
from tests.kyc.conftest import TODAY
from tests.kyc.faces import photo
from tests.kyc.handheld import handheld, papers_on_a_desk, photo_bytes, printed_sheet


def refusal(engines, data: bytes, side: str) -> str:
    with pytest.raises(NotAnIdCard) as caught:
        read_side(engines, data, side, TODAY)
    return caught.value.code


@pytest.mark.parametrize("name", ["person_a_1", "person_a_2", "person_b_1", "person_b_2", "impostor_1", "impostor_2"])
def test_a_face_photo_is_not_an_id_card(engines, name):
    assert refusal(engines, encode(photo(name), "JPEG", quality=90), "front") == "NOT_AN_ID_CARD"


def test_a_face_photo_is_not_the_back_either(engines):
    assert refusal(engines, encode(photo("person_b_2"), "JPEG", quality=90), "back") == "NOT_AN_ID_CARD"


def test_printed_text_is_not_an_id_card_even_with_the_cards_words_on_it(engines):
    """The page prints 姓名, 住址, 公民身份号码 with a valid number, 签发机关 and 有效期限, but
    not where a card prints them."""
    page = printed_sheet(np.random.default_rng(5), 900, FONTS["noto-serif-sc"])
    assert refusal(engines, encode(page, "JPEG", quality=85), "front") == "NOT_AN_ID_CARD"
    desk = papers_on_a_desk(seed=12)
    assert refusal(engines, encode(desk, "JPEG", quality=80), "front") == "NOT_AN_ID_CARD"
    assert refusal(engines, encode(desk, "JPEG", quality=80), "back") == "NOT_AN_ID_CARD"


def test_blank_noise_and_strip_images_are_not_id_cards(engines):
    blank = Image.new("RGB", (1200, 760), (245, 245, 240))
    noise = Image.fromarray(np.random.default_rng(3).integers(0, 256, (760, 1200, 3), dtype=np.uint8))
    assert refusal(engines, encode(blank, "PNG"), "front") == "NOT_AN_ID_CARD"
    assert refusal(engines, encode(noise, "PNG"), "back") == "NOT_AN_ID_CARD"
    # A 3000 × 8 strip made the OCR model raise (an internal error) instead of refusing.
    assert refusal(engines, encode(Image.new("RGB", (3000, 8), "white"), "PNG"), "front") == "NOT_AN_ID_CARD"


def test_the_back_given_as_the_front_and_the_front_as_the_back_are_the_wrong_side(engines):
    card = Card()
    assert refusal(engines, encode(back(card), "JPEG", quality=85), "front") == "WRONG_SIDE"
    assert refusal(engines, encode(front(card, photo("person_a_1")), "JPEG", quality=85), "back") == "WRONG_SIDE"
    held = handheld(back(card, font=FONTS["uming-cn"]), seed=31)
    assert refusal(engines, photo_bytes(held, 31), "front") == "WRONG_SIDE"


def test_real_cards_of_either_side_still_read(engines):
    card = Card()
    assert read_side(engines, encode(front(card, photo("person_a_1")), "JPEG", quality=85), "front", TODAY).ok
    assert read_side(engines, encode(back(card), "JPEG", quality=85), "back", TODAY).ok
