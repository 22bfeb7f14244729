"""Identity checks: GB 11643 resident ID, GB 32100 credit code, masking (DESIGN: identity; 杭州 art. 105)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.identity import (
    birth_date_from_id,
    make_credit_code,
    make_resident_id,
    mask_id_number,
    sex_from_id,
    validate_credit_code,
    validate_resident_id,
)


def test_published_sample_id_is_valid_and_gives_birth_date_and_sex():
    # GB 11643-1999 appendix sample: 11010519491231002X
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"
    assert birth_date_from_id("11010519491231002X") == dt.date(1949, 12, 31)
    assert sex_from_id("11010519491231002X") == "F"


def test_wrong_checksum_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_resident_id("110105194912310021")
    assert "校验位" in error.value.messages[0]


def test_impossible_birth_date_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_resident_id("110105194902300020")
    assert "出生日期" in error.value.messages[0]


def test_credit_code_checksum():
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91350100M000100Y44")
    assert "GB 32100" in error.value.messages[0]
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M000100I43")  # I is not in the alphabet


def test_mask_shows_first_six_and_last_four():
    assert mask_id_number("330102198506150013") == "330102********0013"
    assert mask_id_number("") == ""


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_every_built_id_validates_and_round_trips(birth, sequence):
    number = make_resident_id("330106", birth, sequence)
    assert validate_resident_id(number) == number
    assert birth_date_from_id(number) == birth
    masked = mask_id_number(number)
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:] and set(masked[6:-4]) == {"*"}


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
def test_every_completed_credit_code_validates(registry, area, organisation):
    code = make_credit_code(registry + area + organisation)
    assert validate_credit_code(code) == code


@pytest.mark.django_db
def test_register_person_with_bad_id_writes_nothing():
    from enrollment.models import Person
    from enrollment.services import register_person

    with pytest.raises(ValidationError) as error:
        register_person(
            name="李四", id_number="110105194912310021", hukou_local=True, hukou_district="上城区"
        )
    assert "id_number" in error.value.message_dict
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_register_person_reads_birth_date_and_sex_and_masks_str():
    from enrollment.services import register_person

    number = make_resident_id("330102", dt.date(1990, 3, 8), 123)
    person = register_person(name="王五", id_number=number, hukou_local=True, hukou_district="上城区")
    assert person.birth_date == dt.date(1990, 3, 8)
    assert person.sex == "M"
    assert number not in str(person) and mask_id_number(number) in str(person)


@pytest.mark.django_db
def test_permit_holder_needs_birth_date_and_sex_art_105():
    from enrollment.models import Person
    from enrollment.services import register_person

    with pytest.raises(ValidationError) as error:
        register_person(
            name="John", id_type="foreign_permit", id_number="USA330100198001019", hukou_local=False
        )
    assert "第一百零五条" in error.value.message_dict["birth_date"][0]
    assert Person.objects.count() == 0
    person = register_person(
        name="John",
        id_type="foreign_permit",
        id_number="USA330100198001019",
        hukou_local=False,
        birth_date=dt.date(1980, 1, 1),
        sex="M",
    )
    assert person.pk
