"""Portal: my maternity applications and payments; a Zhoushan flexible worker applies herself (舟山 art. 46, 48, 52)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from core import dates
from maternity import services
from maternity.models import Application, Payment

from .conftest import enrol, insured_woman, make_person, pay

pytestmark = pytest.mark.django_db
PASSWORD = "portal-pass-2024"


def login(client, django_user_model, person, username):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD, role="insured")
    person.user = user
    person.save()
    client.force_login(user)


@pytest.fixture
def illustrative():
    import policy.parameters as parameters

    parameters.set_illustrative_default(True)


def test_zhoushan_flexible_worker_applies_and_sees_her_payment(client, django_user_model, illustrative):
    today = timezone.localdate()
    event = dates.add_months(today.replace(day=10), -2)
    person = make_person(name="舟小渔", region="zhoushan", area="330902", district="定海区")
    start = dates.add_months(dates.month_start(event), -14)
    enrol(person, start=start, category="flexible", district="定海区")
    pay(person, first=start, count=16, base=D("4500"))
    login(client, django_user_model, person, "zhouxiaoyu")
    page = client.get("/maternity/")
    assert page.status_code == 200 and "灵活就业人员申请生育津贴" in page.content.decode()
    future = client.post(
        "/maternity/",
        {
            "event_kind": "birth",
            "event_date": (today + dt.timedelta(days=2)).isoformat(),
            "babies": 1,
            "child_order": 1,
        },
    )
    assert future.status_code == 400 and "晚于今天" in future.content.decode()
    assert not Application.objects.exists()
    response = client.post(
        "/maternity/", {"event_kind": "birth", "event_date": event.isoformat(), "babies": 1, "child_order": 1}
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert (
        application.source == "portal"
        and application.employer is None
        and application.amount == D("23700.00")
    )
    services.approve(application=application, user=None)
    page = client.get("/maternity/").content.decode()
    assert "23,700.00" in page and "舟山 第四十六条" in page and "核定通知书（PDF）" in page
    assert Payment.objects.get().payee == "person"
    letter = client.get(f"/api/v1/maternity/letters/{application.decision.pk}.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"


def test_hangzhou_employee_sees_hers_but_applies_through_her_employer(client, django_user_model):
    event = dt.date(2026, 3, 10)
    person, employer = insured_woman(event_date=event)
    services.submit(
        person=person,
        employer=employer,
        event_kind="birth",
        event_date=event,
        source="api",
        employer_reference="R1",
        today=dt.date(2026, 11, 1),
    )
    other, _employer = insured_woman(event_date=event)
    other_application, _ = services.submit(
        person=other,
        employer=_employer,
        event_kind="birth",
        event_date=event,
        source="api",
        employer_reference="R2",
        today=dt.date(2026, 11, 1),
    )
    decision = services.refuse(application=other_application, user=None, reason="材料不全")
    login(client, django_user_model, person, "linxiaoyan")
    page = client.get("/maternity/").content.decode()
    assert "待审核" in page and employer.name in page
    assert "灵活就业人员申请生育津贴" not in page
    assert client.post("/maternity/", {"event_kind": "birth", "event_date": "2026-03-10"}).status_code == 200
    assert Application.objects.count() == 2
    # another person's letter is not hers
    assert client.get(f"/api/v1/maternity/letters/{decision.pk}.pdf").status_code == 404
