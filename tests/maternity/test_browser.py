"""In a real browser (Debian chromium via Playwright): a review clerk approves an application from the
queue and downloads the decision letter (核定通知书) PDF."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from maternity import services
from maternity.models import MaternityPosting, Payment
from tests.foundation.test_browser import page  # noqa: F401 (the Playwright page fixture)

from .conftest import insured_woman

EVENT = dt.date(2026, 3, 10)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_review_clerk_approves_and_downloads_the_letter(page, live_server):  # noqa: F811
    from users.services import REVIEW, ensure_clerk, setup_roles

    setup_roles()
    ensure_clerk(username="shenhe", password="review-pass-2024", groups=[REVIEW])
    person, employer = insured_woman(event_date=EVENT, base=D("8000"), colleagues=(D("10000"),))
    application, _created = services.submit(
        person=person,
        employer=employer,
        event_kind="birth",
        event_date=EVENT,
        source="api",
        employer_reference="HR-B-1",
        today=dt.date(2026, 11, 20),
    )

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "shenhe")
    page.fill("#id_password", "review-pass-2024")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/maternity/awaitingreview/")
    assert "待审核申请" in page.content() and person.name in page.content()
    page.click(f"a[href='/admin/maternity/application/{application.pk}/decide/']")
    assert "38400.00" in page.locator("#assessed-amount").inner_text()
    page.check("input[name=outcome][value=approved]")
    page.click("input[name=decide]")
    page.wait_for_url(f"{live_server.url}/admin/maternity/application/{application.pk}/change/")
    assert "核准 38400.00" in page.content()
    assert Payment.objects.get().amount == D("38400.00") and MaternityPosting.objects.count() == 1

    with page.expect_download() as caught:
        page.click("a.letter-download")
    download = caught.value
    pdf = open(download.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "生育保险待遇核定通知书" in text and "38400.00" in text and person.masked_id_number in text
    page.goto(f"{live_server.url}/admin/maternity/awaitingreview/")
    assert person.name not in page.content()
