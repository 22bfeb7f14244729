"""The demo's Zhoushan persons (issue 14, 17): one of each scheme on the ILLUSTRATIVE figures,
marked 示例参数 on the portal, in the admin and in the PDFs; an inpatient bill settled in the
city; the flexible worker's own maternity application (舟山 art. 46, 48, 50, 52) approved.
"""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

pytestmark = pytest.mark.django_db

NOTICE = "示例参数"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def illustrative():
    import policy.parameters as parameters

    before = parameters._illustrative_default
    parameters.set_illustrative_default(True)
    yield
    parameters.set_illustrative_default(before)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def zhoushan_counts():
    from claims.models import Settlement
    from enrollment.models import Enrolment, Person
    from maternity.models import Application

    return (
        Person.objects.filter(region="zhoushan").count(),
        Enrolment.objects.filter(person__region="zhoushan").count(),
        Settlement.objects.filter(person__region="zhoushan").count(),
        Application.objects.filter(person__region="zhoushan").count(),
    )


def test_zhoushan_demo(illustrative, client, django_capture_on_commit_callbacks):
    """One load (twice: idempotent), every Zhoushan check on it (a demo load takes minutes)."""
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=out)
    demo = out.getvalue()
    first = zhoushan_counts()
    call_command("load_demo", stdout=io.StringIO())
    assert zhoushan_counts() == first and first[0] == 4

    check_each_scheme_and_an_inpatient_bill_settled_in_the_city(demo)
    check_the_hangzhou_statement_carries_no_notice()
    check_portal_and_admin_show_the_notice(client)
    check_the_flexible_worker_maternity_application(demo)


def check_each_scheme_and_an_inpatient_bill_settled_in_the_city(demo):
    from claims.models import Settlement, Statement
    from enrollment.models import Enrolment, Person

    persons = Person.objects.filter(region="zhoushan")
    categories = set(Enrolment.objects.filter(person__in=persons).values_list("category", flat=True))
    assert {"active", "flexible", "retired", "adult_tier1"} <= categories, categories
    assert "舟山 4 persons on the ILLUSTRATIVE figures" in demo

    stay = Settlement.objects.filter(
        person__region="zhoushan", bill_kind="inpatient", institution__region="zhoushan"
    ).first()
    assert stay is not None, demo
    assert stay.region == "zhoushan" and stay.basic_fund_paid > 0
    lines = list(stay.lines.all())
    assert lines and all(line.article.startswith(("舟山", "规程")) for line in lines)
    assert any(line.text.startswith("【示例参数】") for line in lines)
    statement = Statement.objects.get(settlement=stay)
    assert statement.status == Statement.Status.READY, statement.error
    with statement.file.open("rb") as handle:
        text = pdf_text(handle.read())
    assert NOTICE in text and "舟山" in text


def check_the_hangzhou_statement_carries_no_notice():
    from claims.models import Settlement
    from claims.statements import render_html

    stay = Settlement.objects.filter(person__region="hangzhou", bill_kind="inpatient").first()
    assert stay is not None
    assert 'id="illustrative-notice"' not in render_html(stay)


def check_portal_and_admin_show_the_notice(client):
    from django.contrib.auth import get_user_model

    assert client.login(username="zhoushan", password="demo-pass-2024")
    for url in ("/", "/account/", "/estimate/", "/settlements/", "/maternity/"):
        page = client.get(url).content.decode()
        assert 'id="illustrative-notice"' in page and NOTICE in page, url
    client.logout()
    assert client.login(username="zhangsan", password="demo-pass-2024")
    assert 'id="illustrative-notice"' not in client.get("/").content.decode()  # a Hangzhou person
    client.logout()
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get("/admin/").content.decode()
    assert 'id="illustrative-notice"' in page and "舟山" in page


def check_the_flexible_worker_maternity_application(demo):
    """舟山 art. 46, 48, 50, 52: the flexible worker applied herself (portal) with no employer; approved,
    paid to her; the decision letter says 示例参数."""
    from maternity.letters import render_html
    from maternity.models import Application

    application = Application.objects.get(person__region="zhoushan", event_kind="birth")
    assert application.employer is None and application.source == Application.Source.PORTAL
    assert application.status == Application.Status.APPROVED, demo
    assert application.amount and application.amount > 0
    assert application.payment.payee == "person" and application.payment.person_id == application.person_id
    letter = render_html(application.decision)
    assert 'id="illustrative-notice"' in letter and NOTICE in letter
