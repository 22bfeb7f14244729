"""Who may enrol in what (杭州 art. 11, 12, 20, 30, 31, 73): refusals name the field and the article; nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from enrollment.models import Enrolment
from enrollment.services import enrol, switch_scheme

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> dict:
    before = Enrolment.objects.count()
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    assert Enrolment.objects.count() == before, "a refused enrolment must write nothing"
    return error.value.message_dict


def test_child_cannot_enrol_as_adult_art_30_3(make_person):
    child = make_person(name="小明", birth=dt.date(2014, 5, 1))
    errors = refused(
        enrol, person=child, category="adult_tier1", district="上城区", start_date=dt.date(2024, 1, 1)
    )
    assert "第三十条第(三)项" in errors["category"][0]
    enrolment = enrol(person=child, category="child", district="上城区", start_date=dt.date(2024, 1, 1))
    assert enrolment.scheme == "resident" and enrolment.end_date == dt.date(2024, 12, 31)


def test_second_simultaneous_scheme_refused_art_73(make_person, employer):
    person = make_person()
    enrol(
        person=person, category="active", district="上城区", start_date=dt.date(2024, 1, 1), employer=employer
    )
    errors = refused(
        enrol, person=person, category="adult_tier1", district="上城区", start_date=dt.date(2024, 3, 1)
    )
    assert "第七十三条" in errors["start_date"][0]


def test_active_employee_needs_employer_art_11(make_person):
    errors = refused(
        enrol, person=make_person(), category="active", district="上城区", start_date=dt.date(2024, 1, 1)
    )
    assert "第十一条" in errors["employer"][0]


def test_retired_only_through_confirmation_art_20(make_person):
    errors = refused(
        enrol, person=make_person(), category="retired", district="上城区", start_date=dt.date(2024, 1, 1)
    )
    assert "第二十条" in errors["category"][0]


def test_non_local_flexible_needs_ten_local_years_art_12_2(make_person):
    outsider = make_person(hukou_local=False, district="西湖区")
    errors = refused(
        enrol, person=outsider, category="flexible", district="西湖区", start_date=dt.date(2024, 1, 1)
    )
    assert "第十二条第(二)项" in errors["category"][0]


def test_local_flexible_in_hukou_district_art_12_1(make_person):
    person = make_person(district="上城区")
    errors = refused(
        enrol, person=person, category="flexible", district="西湖区", start_date=dt.date(2024, 1, 1)
    )
    assert "第十二条第(一)项" in errors["district"][0]


def test_non_local_pupil_needs_parent_in_employee_scheme_art_30_1(make_person, employer):
    parent = make_person(name="外地家长", hukou_local=False, district="西湖区")
    pupil = make_person(name="外地学生", birth=dt.date(2012, 9, 1), hukou_local=False, district="西湖区")
    kwargs = dict(
        person=pupil,
        category="child",
        district="西湖区",
        start_date=dt.date(2024, 1, 1),
        school="西湖小学",
        school_level="primary_secondary",
        parent=parent,
    )
    errors = refused(enrol, **kwargs)
    assert "第三十条第(一)项" in errors["parent"][0]
    enrol(
        person=parent, category="active", district="西湖区", start_date=dt.date(2023, 1, 1), employer=employer
    )
    assert enrol(**kwargs).category == "child"


def test_non_local_preschooler_needs_parent_with_three_years_art_30_1(make_person, employer):
    parent = make_person(name="外地家长", hukou_local=False, district="西湖区")
    toddler = make_person(name="外地幼儿", birth=dt.date(2021, 9, 1), hukou_local=False, district="西湖区")
    enrol(
        person=parent, category="active", district="西湖区", start_date=dt.date(2022, 6, 1), employer=employer
    )
    kwargs = dict(
        person=toddler, category="child", district="西湖区", start_date=dt.date(2024, 1, 1), parent=parent
    )
    # parent enrolled 19 months by 2024-01: less than 3 years
    errors = refused(enrol, **kwargs)
    assert "累计缴费满3年" in errors["parent"][0]


def test_urban_resident_cannot_choose_tier3_art_31(make_person):
    errors = refused(
        enrol, person=make_person(), category="adult_tier3", district="上城区", start_date=dt.date(2024, 1, 1)
    )
    assert "第三十一条" in errors["category"][0]


def test_resident_enrols_in_hukou_district_art_30(make_person):
    errors = refused(
        enrol,
        person=make_person(district="上城区"),
        category="adult_tier1",
        district="西湖区",
        start_date=dt.date(2024, 1, 1),
    )
    assert "第三十条第二款" in errors["district"][0]


def test_student_needs_school_art_30_2(make_person):
    student = make_person(birth=dt.date(2004, 1, 1))
    errors = refused(
        enrol, person=student, category="student", district="西湖区", start_date=dt.date(2023, 9, 1)
    )
    assert "school" in errors
    enrolment = enrol(
        person=student,
        category="student",
        district="西湖区",
        start_date=dt.date(2023, 9, 1),
        school="浙江大学",
    )
    assert enrolment.end_date == dt.date(2024, 8, 31)


def test_switch_ends_old_enrolment_the_day_before_art_73(make_person):
    person = make_person()
    old = enrol(person=person, category="adult_tier1", district="上城区", start_date=dt.date(2024, 1, 1))
    new = switch_scheme(person=person, category="flexible", district="上城区", on=dt.date(2024, 4, 1))
    old.refresh_from_db()
    assert old.end_date == dt.date(2024, 3, 31) and old.end_reason == "switch"
    assert new.scheme == "employee" and new.start_date == dt.date(2024, 4, 1)


def test_switch_to_same_scheme_refused(make_person):
    person = make_person()
    enrol(person=person, category="adult_tier1", district="上城区", start_date=dt.date(2024, 1, 1))
    errors = refused(
        switch_scheme, person=person, category="adult_tier2", district="上城区", on=dt.date(2024, 4, 1)
    )
    assert "第七十三条" in errors["category"][0]
