import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.identity import (
    is_valid_account_number,
    luhn_ok,
    mask_id_number,
    mask_phone,
    mod11_2_check_char,
    resident_id_facts,
    validate_resident_id,
    validate_uscc,
)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "110101199003070011",
                                    "320106198508151235"])
def test_domain_resident_id_examples_are_valid(number):
    assert validate_resident_id(number) == number


def test_lowercase_x_is_normalised():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


def test_fifteen_digit_number_is_converted():
    # 110105491231002 -> 11010519491231002 + check X
    assert validate_resident_id("110105491231002") == "11010519491231002X"


def test_facts_from_id():
    assert resident_id_facts("11010519491231002X") == (datetime.date(1949, 12, 31), "F")
    assert resident_id_facts("440524188001010014") == (datetime.date(1880, 1, 1), "M")


def _message(fn, value, **kw):
    with pytest.raises(ValidationError) as info:
        fn(value, **kw)
    return info.value.messages[0], info.value.code


def test_wrong_check_character_says_the_right_one():
    msg, code = _message(validate_resident_id, "110101199003070012")
    assert code == "check"
    assert msg == "身份证号码校验位错误，应为 1。"


def test_impossible_date():
    msg, code = _message(validate_resident_id, "110101199002300015")
    assert code == "birth_date"
    assert "19900230" in msg and "不是有效日期" in msg


def test_future_birth_date():
    first17 = "11010120990101001"
    from core.identity import resident_id_check_char

    msg, code = _message(validate_resident_id, first17 + resident_id_check_char(first17),
                         today=datetime.date(2026, 11, 21))
    assert code == "birth_future"
    assert "晚于今天" in msg


def test_wrong_length():
    msg, code = _message(validate_resident_id, "1101011990030700")
    assert code == "length"
    assert msg == "身份证号码应为 18 位，实际输入 16 位。"


def test_illegal_characters():
    msg, code = _message(validate_resident_id, "11010119900307001A")
    assert code == "characters"
    assert "只能由数字组成" in msg


@pytest.mark.parametrize("code", ["91350100M000100Y43", "914403001922038216", "91110000802100433B"])
def test_domain_uscc_examples_are_valid(code):
    assert validate_uscc(code) == code


def test_uscc_wrong_check_character():
    msg, code = _message(validate_uscc, "91350100M000100Y44")
    assert code == "check"
    assert msg == "统一社会信用代码校验位错误，应为 3。"


def test_uscc_wrong_embedded_organisation_code():
    # position 17 changed from 4 to 5 (and the final check recomputed would still not fix the org code)
    msg, code = _message(validate_uscc, "91350100M000100Y53")
    assert code == "org_check"
    assert "组织机构代码" in msg and "应为 4" in msg


def test_uscc_forbidden_letters():
    msg, code = _message(validate_uscc, "91350100M000100I43")
    assert code == "characters"
    assert "I" in msg


def test_uscc_length():
    msg, code = _message(validate_uscc, "91350100M000100Y4")
    assert code == "length"
    assert "18" in msg and "17" in msg


def test_account_number_check_digit():
    body = "1010000001"
    number = body + mod11_2_check_char(body)
    assert is_valid_account_number(number)
    assert not is_valid_account_number(body + ("0" if number[-1] != "0" else "1"))


def test_luhn_and_masks():
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert mask_id_number("110101199003070011") == "110***********0011"
    assert mask_phone("13812345678") == "138****5678"
