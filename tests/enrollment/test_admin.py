"""Admin pages in Chinese: person page shows today's status and why; search by name and ID; enrolment form checks."""

import datetime as dt

import pytest
from django.utils import timezone

from enrollment.models import Enrolment
from enrollment.services import enrol

pytestmark = pytest.mark.django_db


def test_person_page_shows_status_today_and_why(client, clerk, make_person):
    person = make_person(name="赵六")
    enrol(
        person=person,
        category="flexible",
        district="上城区",
        start_date=timezone.localdate() - dt.timedelta(days=1),
    )
    client.force_login(clerk)
    page = client.get(f"/admin/enrollment/person/{person.pk}/change/").content.decode()
    assert "今日待遇状态" in page
    assert "不可享受待遇" in page and "尚未缴费" in page and "第十五条" in page


def test_person_list_masks_ids_and_searches_by_name_and_full_id(client, clerk, make_person):
    person = make_person(name="钱七")
    make_person(name="孙八")
    client.force_login(clerk)
    page = client.get("/admin/enrollment/person/", {"q": person.id_number}).content.decode()
    assert "钱七" in page and "孙八" not in page
    assert person.id_number[:6] + "********" + person.id_number[-4:] in page
    assert client.get("/admin/enrollment/person/", {"q": "孙八"}).content.decode().count("孙八") >= 1


def test_enrolment_form_refuses_child_as_adult_with_article(client, clerk, make_person):
    child = make_person(name="小红", birth=dt.date(2015, 1, 1))
    client.force_login(clerk)
    response = client.post(
        "/admin/enrollment/enrolment/add/",
        {
            "person": child.pk,
            "scheme": "resident",
            "category": "adult_tier1",
            "district": "上城区",
            "start_date": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert "第三十条第(三)项" in response.content.decode()
    assert Enrolment.objects.count() == 0
    response = client.post(
        "/admin/enrollment/enrolment/add/",
        {
            "person": child.pk,
            "scheme": "resident",
            "category": "child",
            "district": "上城区",
            "start_date": "2024-01-01",
        },
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().end_date == dt.date(2024, 12, 31)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/enrollment/enrolment/",
        "/admin/enrollment/employer/",
        "/admin/enrollment/certificate/",
        "/admin/enrollment/suspension/",
        "/admin/enrollment/transfer/",
        "/admin/contributions/contributionrecord/",
        "/admin/contributions/residentpayment/",
        "/admin/contributions/basedeclaration/",
        "/admin/contributions/creditedperiod/",
        "/admin/contributions/retirementconfirmation/",
    ],
)
def test_admin_lists_render(client, clerk, url):
    client.force_login(clerk)
    assert client.get(url).status_code == 200


def test_counter_payment_form_computes_and_refuses_on_the_field(client, clerk, make_person, provincial_wage):
    from contributions.models import ContributionRecord

    person = make_person(name="柜台缴费")
    enrol(person=person, category="flexible", district="上城区", start_date=dt.date(2024, 1, 1))
    client.force_login(clerk)
    response = client.post(
        "/admin/contributions/contributionrecord/add/",
        {"person": person.pk, "month": "2024-01-01", "paid_on": "2024-01-10"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = ContributionRecord.objects.get()
    assert record.total == 342 and record.source == "counter"
    again = client.post(
        "/admin/contributions/contributionrecord/add/",
        {"person": person.pk, "month": "2024-01-01", "paid_on": "2024-01-11"},
    )
    assert again.status_code == 200 and "已有缴费记录" in again.content.decode()
    assert ContributionRecord.objects.count() == 1
    page = client.get(f"/admin/contributions/contributionrecord/{record.pk}/change/").content.decode()
    assert "第十三条第(五)项" in page and "342.00" in page


def test_retirement_form_refuses_short_years_naming_article(client, clerk, make_person, provincial_wage):
    person = make_person(name="退休", birth=dt.date(1964, 1, 1))
    enrol(person=person, category="unemployed", district="上城区", start_date=dt.date(2020, 1, 1))
    client.force_login(clerk)
    response = client.post(
        "/admin/contributions/retirementconfirmation/add/",
        {"person": person.pk, "retirement_date": "2024-01-01", "confirmed_on": "2024-01-05", "method": ""},
    )
    assert response.status_code == 200 and "第二十条" in response.content.decode()


def test_gp_contract_form_refuses_a_second_contract_at_once(client, clerk, make_person):
    from enrollment.models import GpContract

    person = make_person(name="签约")
    client.force_login(clerk)
    data = {"person": person.pk, "centre_code": "H1", "valid_from": "2024-01-01", "valid_to": "2024-12-31"}
    assert client.post("/admin/enrollment/gpcontract/add/", data).status_code == 302
    again = client.post(
        "/admin/enrollment/gpcontract/add/", {**data, "centre_code": "H2", "valid_from": "2024-06-01"}
    )
    assert again.status_code == 200 and "第二十九条第(四)项" in again.content.decode()
    assert GpContract.objects.count() == 1


def test_scheme_switch_admin_action_applies_art_73_waits(client, clerk, make_person):
    """险种转换 from the enrolment list (issue 15): a flexible worker whose April 2023 is unpaid switches
    to resident on 05-10: the enrolment ends 05-09, the resident one starts 05-10, and the clerk is
    told the status with its article (art. 73(2), reading 7: no employee month while suspended)."""
    from enrollment.models import Enrolment

    person = make_person(name="转换人")
    flexible = enrol(person=person, category="flexible", district="上城区", start_date=dt.date(2023, 1, 1))
    Enrolment.objects.filter(pk=flexible.pk).update(first_paid_on=dt.date(2023, 1, 5))
    client.force_login(clerk)
    response = client.post(
        "/admin/enrollment/enrolment/",
        {
            "action": "switch_scheme",
            "_selected_action": [flexible.pk],
            "category": "adult_tier1",
            "district": "上城区",
            "on": "2023-05-10",
        },
        follow=True,
    )
    page = response.content.decode()
    flexible.refresh_from_db()
    assert flexible.end_date == dt.date(2023, 5, 9) and flexible.end_reason == "switch"
    resident = person.enrolments.get(scheme="resident")
    assert resident.start_date == dt.date(2023, 5, 10)
    assert "已转换为" in page
    again = client.post(
        "/admin/enrollment/enrolment/",
        {
            "action": "switch_scheme",
            "_selected_action": [resident.pk],
            "category": "adult_tier2",
            "on": "2023-06-01",
        },
        follow=True,
    ).content.decode()
    assert "第七十三条" in again  # same scheme: refused with the article
