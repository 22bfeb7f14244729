"""Age limits of enrolment come from the parameters, not from code.

杭州 第三十条第(一)项: 本市户籍未满 18 周岁 → 少儿医保; 第(三)项: 18 周岁以上 → 其他城乡居民医保.
杭州 第十二条: 灵活就业人员须在劳动年龄段内 (minimum working age 16, 劳动法 第十五条).
舟山 第二十六条 / 第八条第二款: the same ages, as parameters of the Zhoushan files.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

import policy.parameters as parameters
from enrollment.services import enrol
from policy.models import ParameterOverride

pytestmark = pytest.mark.django_db

START = dt.date(2024, 3, 1)


def _errors(**kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        enrol(**kwargs)
    return error.value.message_dict


def test_flexible_worker_turning_16_on_the_start_date_may_enrol_art_12(make_person):
    """Born 2008-03-01: exactly 16 on 2024-03-01, inside 劳动年龄段 (杭州 第十二条)."""
    person = make_person(birth=dt.date(2008, 3, 1))
    enrolment = enrol(person=person, category="flexible", district="上城区", start_date=START)
    assert enrolment.scheme == "employee"


def test_flexible_worker_one_day_short_of_16_refused_art_12(make_person):
    """Born 2008-03-02: 15 years on 2024-03-01 → refused, naming 16 and 杭州 第十二条."""
    person = make_person(birth=dt.date(2008, 3, 2))
    message = _errors(person=person, category="flexible", district="上城区", start_date=START)["category"][0]
    assert "未满16周岁" in message and "杭州 第十二条" in message


def test_flexible_minimum_age_read_from_the_parameter_art_12(make_person):
    """An override of flexible.min_working_age to 17 from 2024-01-01 refuses a 16-year-old."""
    ParameterOverride.objects.create(
        region="hangzhou",
        name="flexible.min_working_age",
        effective_from=dt.date(2024, 1, 1),
        value="17",
        note="测试：参数而非代码常量",
    )
    person = make_person(birth=dt.date(2008, 3, 1))
    message = _errors(person=person, category="flexible", district="上城区", start_date=START)["category"][0]
    assert "未满17周岁" in message and "杭州 第十二条" in message


def test_local_17_year_old_is_a_child_18_year_old_is_not_art_30_1(make_person):
    """杭州 第三十条第(一)项: 未满 18 周岁 少儿医保; on 18th birthday (not at school) no longer."""
    seventeen = make_person(name="少年", birth=dt.date(2006, 3, 2))  # 17 on 2024-03-01
    assert enrol(person=seventeen, category="child", district="上城区", start_date=START).scheme == "resident"
    eighteen = make_person(name="成年", birth=dt.date(2006, 3, 1))  # 18 on 2024-03-01
    message = _errors(person=eighteen, category="child", district="上城区", start_date=START)["category"][0]
    assert "已满18周岁" in message and "杭州 第三十条第(一)项" in message


def test_child_and_adult_ages_read_from_the_parameters_art_30(make_person):
    """Overrides of resident.minor_age_limit / resident.adult_age to 17 move both boundaries."""
    for name in ("resident.minor_age_limit", "resident.adult_age"):
        ParameterOverride.objects.create(
            region="hangzhou", name=name, effective_from=dt.date(2024, 1, 1), value="17", note="测试"
        )
    seventeen = make_person(name="少年", birth=dt.date(2006, 3, 2))
    message = _errors(person=seventeen, category="child", district="上城区", start_date=START)["category"][0]
    assert "已满17周岁" in message and "杭州 第三十条第(一)项" in message
    assert enrol(person=seventeen, category="adult_tier1", district="上城区", start_date=START)


def test_zhoushan_flexible_minimum_age_missing_is_refused_naming_parameter(make_person):
    """舟山 第八条第二款: the official Zhoushan file holds no figure → refused, never guessed."""
    parameters.set_illustrative_default(False)
    person = make_person(region="zhoushan", area="330902", district="定海区", birth=dt.date(1990, 1, 1))
    message = _errors(person=person, category="flexible", district="定海区", start_date=START)["category"][0]
    assert "flexible.min_working_age" in message


def test_zhoushan_flexible_minimum_age_illustrative_16(make_person):
    """With the illustrative Zhoushan set (16): 15-year-old refused citing 舟山 第八条第二款."""
    parameters.set_illustrative_default(True)
    young = make_person(region="zhoushan", area="330902", district="定海区", birth=dt.date(2008, 3, 2))
    message = _errors(person=young, category="flexible", district="定海区", start_date=START)["category"][0]
    assert "未满16周岁" in message and "舟山 第八条第二款" in message
    adult = make_person(region="zhoushan", area="330902", district="定海区", birth=dt.date(2008, 3, 1))
    assert enrol(person=adult, category="flexible", district="定海区", start_date=START).scheme == "employee"
