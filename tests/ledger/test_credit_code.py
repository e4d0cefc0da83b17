"""The unified social credit code's check character (GB 32100-2015), on published codes."""

import pytest

from ledger.credit_code import ALPHABET, normalized_credit_code
from ledger.errors import InvalidCreditCode

# Published codes: the standard's own example, then companies' business licences.
PUBLISHED = [
    "91350100M000100Y43",  # GB 32100-2015's worked example
    "911100001000044477",  # 中国建设银行股份有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
]


def test_the_weights_are_powers_of_three_mod_31():
    from ledger.credit_code import WEIGHTS

    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(ALPHABET) == 31 and not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert normalized_credit_code(code) == code
    assert normalized_credit_code(" " + code[:9].lower() + " " + code[9:] + " ") == code  # as typed


@pytest.mark.parametrize("code", PUBLISHED)
def test_any_one_character_changed_is_caught(code):
    for position in range(18):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            altered = code[:position] + replacement + code[position + 1:]
            if not altered[2:8].isdigit():
                continue  # refused for its division before its check character
            with pytest.raises(InvalidCreditCode) as refused:
                normalized_credit_code(altered)
            assert refused.value.reason == "CHECK_CHARACTER"


@pytest.mark.parametrize("code", PUBLISHED)
def test_two_neighbours_swapped_are_caught(code):
    for position in range(17):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
        if swapped == code or not swapped[2:8].isdigit():
            continue
        with pytest.raises(InvalidCreditCode):
            normalized_credit_code(swapped)


@pytest.mark.parametrize("raw, reason", [
    ("91440300708461136", "LENGTH"),
    ("91440300708461136TT", "LENGTH"),
    ("", "LENGTH"),
    ("91440300708461I36T", "CHARACTERS"),  # I is not in the alphabet (nor O, S, V, Z)
    ("9144O300708461136T", "CHARACTERS"),
    ("914403007084611-6T", "CHARACTERS"),
    ("9144A300708461136T", "DIVISION"),
])
def test_malformed_codes_say_why(raw, reason):
    with pytest.raises(InvalidCreditCode) as refused:
        normalized_credit_code(raw)
    assert refused.value.reason == reason and refused.value.field == "credit_code"
