"""GB 11643 numbers and the 56 ethnic groups, without OCR."""

from datetime import date

import pytest

from kyc import gb11643
from kyc.ethnicity import ETHNICITIES, normalise_ethnicity
from tests.kyc.cards import id_number, sequence_with_x


def test_the_check_character_follows_mod_11_2_including_x():
    assert gb11643.is_valid("11010519491231002X")  # the standard's own example
    assert not gb11643.is_valid("110105194912310021")
    born = date(1988, 2, 29)
    number = id_number("440305", born, sequence_with_x("440305", born, male=False))
    assert number.endswith("X") and gb11643.is_valid(number)
    assert not gb11643.is_valid(number[:-1] + "0")


def test_birth_date_and_sex_come_from_the_number():
    assert gb11643.birth_date("11010519491231002X") == date(1949, 12, 31)
    assert gb11643.sex("11010519491231002X") == "女"
    assert gb11643.sex(id_number("110105", date(2000, 1, 1), 11)) == "男"
    assert gb11643.birth_date("110105199002300012") is None  # 30 February


def test_there_are_56_groups_and_traditional_forms_are_folded():
    assert len(set(ETHNICITIES)) == 56
    assert normalise_ethnicity("漢") == "汉"
    assert normalise_ethnicity("維吾爾族") == "维吾尔"
    assert normalise_ethnicity(" 蒙古 ") == "蒙古"


@pytest.mark.parametrize("text", ["", "火星", "汉汉", "民族"])
def test_anything_else_is_not_an_ethnicity(text):
    assert normalise_ethnicity(text) is None
