"""舟山 art. 51(2) fixed grants (illustrative figure 1,500): a resident's birth; an insured man's unemployed
wife's birth. 杭州 art. 57 has none (the basic fund settles those costs)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from maternity import services
from maternity.assessment import MaternityError
from maternity.models import LumpSumGrant, MaternityPosting

from .conftest import enrol, make_person, pay

BIRTH = dt.date(2026, 6, 1)
TODAY = dt.date(2026, 11, 20)
pytestmark = pytest.mark.django_db


@pytest.fixture
def illustrative():
    import policy.parameters as parameters

    parameters.set_illustrative_default(True)


def zhoushan(name, sex="F"):
    return make_person(name=name, sex=sex, region="zhoushan", area="330902", district="定海区")


def resident(person, start=dt.date(2026, 1, 1)):
    from enrollment.models import Enrolment

    return Enrolment.objects.create(
        person=person,
        scheme="resident",
        category="adult_tier1",
        district="定海区",
        start_date=start,
        first_paid_on=dt.date(2025, 12, 1),
        region="zhoushan",
    )


def test_art51_resident_birth_lump_sum_1500(illustrative):
    """舟山 art. 51(2): a resident's birth: 1,500.00 from the resident fund."""
    mother = zhoushan("居民妈妈")
    resident(mother)
    grant = services.grant_lump_sum(person=mother, kind="resident", birth_date=BIRTH, today=TODAY)
    assert grant.amount == D("1500.00") and grant.fund == "resident"
    assert grant.lines[0]["article"] == "舟山 第五十一条第二款"
    posting = MaternityPosting.objects.get()
    assert (posting.fund, posting.amount, posting.source_kind) == ("resident", D("-1500.00"), "lump_sum")
    with pytest.raises(MaternityError) as caught:
        services.grant_lump_sum(person=mother, kind="resident", birth_date=BIRTH, today=TODAY)
    assert caught.value.status == 409 and LumpSumGrant.objects.count() == 1


def test_art51_unemployed_wife_of_an_insured_man(illustrative):
    """舟山 art. 51(2): the unemployed wife of a man in maternity insurance: 1,500.00 from the maternity fund."""
    husband = zhoushan("参保丈夫", sex="M")
    enrol(husband, start=dt.date(2025, 1, 1), category="flexible", district="定海区")
    wife = zhoushan("未就业妻子")
    with pytest.raises(MaternityError) as caught:  # a flexible worker is not an employee in post
        services.grant_lump_sum(
            person=wife, kind="unemployed_spouse", birth_date=BIRTH, spouse=husband, today=TODAY
        )
    assert caught.value.field == "spouse"
    husband.enrolments.update(category="active")
    grant = services.grant_lump_sum(
        person=wife, kind="unemployed_spouse", birth_date=BIRTH, spouse=husband, today=TODAY
    )
    assert grant.amount == D("1500.00") and grant.fund == "maternity"


def test_art51_an_insured_employee_is_not_an_unemployed_spouse(illustrative):
    """舟山 art. 51: a woman in the employee scheme has her own benefits (and costs settle by the employee rules)."""
    husband = zhoushan("参保丈夫", sex="M")
    enrol(husband, start=dt.date(2025, 1, 1), district="定海区")
    wife = zhoushan("在职妻子")
    enrol(wife, start=dt.date(2025, 1, 1), category="flexible", district="定海区")
    pay(wife, first=dt.date(2025, 1, 1), count=17)
    with pytest.raises(MaternityError) as caught:
        services.grant_lump_sum(
            person=wife, kind="unemployed_spouse", birth_date=BIRTH, spouse=husband, today=TODAY
        )
    assert caught.value.field == "person" and caught.value.article == "舟山 第五十一条第二款"
    assert not LumpSumGrant.objects.exists()


def test_art57_hangzhou_has_no_lump_sum():
    mother = make_person()
    with pytest.raises(MaternityError) as caught:
        services.grant_lump_sum(person=mother, kind="resident", birth_date=BIRTH, today=TODAY)
    assert caught.value.article == "杭州 第五十七条" and caught.value.status == 422


def test_official_zhoushan_figure_missing_refuses_naming_it():
    mother = zhoushan("居民妈妈")
    resident(mother)
    with pytest.raises(MaternityError) as caught:
        services.grant_lump_sum(person=mother, kind="resident", birth_date=BIRTH, today=TODAY)
    assert (
        "maternity.resident_lump_sum" in caught.value.text and caught.value.article == "舟山 第五十一条第二款"
    )
    assert not LumpSumGrant.objects.exists() and not MaternityPosting.objects.exists()


def test_counter_form_in_the_admin(client, clerk, illustrative):
    mother = zhoushan("居民妈妈")
    resident(mother)
    client.force_login(clerk)
    assert client.get("/admin/maternity/lumpsumgrant/add/").status_code == 200
    man = zhoushan("男士", sex="M")
    response = client.post(
        "/admin/maternity/lumpsumgrant/add/",
        {"person": man.pk, "kind": "resident", "birth_date": "2026-06-01"},
    )
    assert response.status_code == 200 and "发给生育的妇女本人" in response.content.decode()
    response = client.post(
        "/admin/maternity/lumpsumgrant/add/",
        {"person": mother.pk, "kind": "resident", "birth_date": "2026-06-01"},
    )
    assert response.status_code == 302
    grant = LumpSumGrant.objects.get()
    assert client.get(f"/admin/maternity/lumpsumgrant/{grant.pk}/change/").status_code == 200


def test_the_mother_sees_her_grant_on_the_portal(client, django_user_model, illustrative):
    mother = zhoushan("居民妈妈")
    resident(mother)
    services.grant_lump_sum(person=mother, kind="resident", birth_date=BIRTH, today=TODAY)
    user = django_user_model.objects.create_user(
        username="jumin", password="portal-pass-2024", role="insured"
    )
    mother.user = user
    mother.save()
    client.force_login(user)
    page = client.get("/maternity/").content.decode()
    assert "生育医疗费定额补助" in page and "1,500.00" in page and "舟山 第五十一条第二款" in page
