"""Synthetic ID cards through the real OCR (PP-OCR models on RapidOCR) and every check."""

from __future__ import annotations

from datetime import date

import pytest

from kyc.reading import read_side
from tests.kyc.cards import Card, back, encode, front, id_number, photographed, sequence_with_x
from tests.kyc.conftest import TODAY
from tests.kyc.faces import photo

BORN_X = date(1985, 11, 2)
MINORITY = Card(
    name="巴特尔", sex="男", ethnicity="蒙古", born=date(1979, 6, 18),
    address=("内蒙古自治区呼和浩特市", "赛罕区民族大道街道幸福", "路118号3单元502室"),
    number=id_number("150105", date(1979, 6, 18), 317),
)


def fields_of(engines, image_bytes, side="front"):
    return read_side(engines, image_bytes, side, TODAY)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda im: encode(im), id="clean-png"),
        pytest.param(lambda im: encode(photographed(im, angle=5), "JPEG", quality=90), id="rotated-5"),
        pytest.param(lambda im: encode(photographed(im, angle=-4), "JPEG", quality=40), id="jpeg-40"),
        pytest.param(lambda im: encode(photographed(im, noise=14), "WEBP", quality=80), id="noisy-webp"),
    ],
)
def test_the_front_is_read_exactly_from_photographed_cards(engines, variant):
    card = Card(name="李秀英", sex="女", born=date(1992, 8, 15), number=id_number("110105", date(1992, 8, 15), 246))
    reading = fields_of(engines, variant(front(card, photo("person_b_1"))))
    assert reading.fields == {
        "name": "李秀英", "sex": "女", "ethnicity": "汉", "birth_date": date(1992, 8, 15),
        "address": "北京市朝阳区建国路88号", "id_number": card.number,
    }
    assert reading.failed == []


def test_a_three_line_address_and_a_minority_ethnicity(engines):
    """The address runs over three lines and names 民族大道: it stays the address."""
    reading = fields_of(engines, encode(photographed(front(MINORITY, photo("person_a_2")), angle=3), "JPEG", quality=75))
    assert reading.fields["ethnicity"] == "蒙古"
    assert reading.fields["address"] == "内蒙古自治区呼和浩特市赛罕区民族大道街道幸福路118号3单元502室"
    assert reading.fields["name"] == "巴特尔"
    assert reading.ok


def test_an_x_check_character_is_read_and_accepted(engines):
    number = id_number("440305", BORN_X, sequence_with_x("440305", BORN_X, male=False))
    card = Card(name="陈静", sex="女", born=BORN_X, number=number, address=("广东省深圳市南山区科技园路1号",))
    reading = fields_of(engines, encode(front(card), "JPEG", quality=85))
    assert reading.fields["id_number"] == number and number.endswith("X")
    assert reading.ok


def test_each_failed_check_is_named(engines):
    good = Card()
    wrong_digit = good.number[:-1] + str((int(good.number[-1]) + 1) % 10)
    card = good.but(number=wrong_digit, sex="女", born=date(1990, 3, 8), ethnicity="火星")
    reading = fields_of(engines, encode(front(card)))
    assert set(reading.failed) == {"CHECK_DIGIT", "SEX_MATCHES_NUMBER", "BIRTH_DATE_MATCHES_NUMBER",
                                   "ETHNICITY_RECOGNISED"}
    assert {c.code for c in reading.checks} >= {"NAME_READ", "ADDRESS_READ", "ID_NUMBER_READ", "AGE_AT_LEAST_16"}


def test_an_applicant_under_16_fails_the_age_check(engines):
    born = date(TODAY.year - 15, 1, 20)
    card = Card(name="王小明", born=born, number=id_number("110105", born, 15))
    reading = fields_of(engines, encode(front(card)))
    assert reading.failed == ["AGE_AT_LEAST_16"]


def test_the_back_gives_authority_and_validity(engines):
    reading = fields_of(engines, encode(photographed(back(Card()), angle=-3), "JPEG", quality=60), "back")
    assert reading.fields == {"issuing_authority": "北京市公安局朝阳分局", "valid_from": date(2020, 5, 1),
                              "valid_until": date(2040, 5, 1)}
    assert reading.ok


def test_a_permanent_card_and_an_expired_one(engines):
    permanent = fields_of(engines, encode(back(Card(valid_from=date(2006, 1, 9), valid_until=None))), "back")
    assert permanent.fields["valid_until"] == "长期" and permanent.ok
    expired = fields_of(engines, encode(back(Card(valid_from=date(2005, 3, 1), valid_until=date(2025, 3, 1)))), "back")
    assert expired.failed == ["NOT_EXPIRED"]

