"""Monthly clearing (月度清算, 杭州 art. 90 结算管理): per institution and month, per fund, net of reversals and deductions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from claims import services as claims_services
from claims.models import Settlement
from institutions import agreements, clearing
from institutions.models import Clearing, ClearingEntry

from .conftest import LEVEL3, OTHER, inpatient

URL = "/api/v1/settlements/"
MARCH, APRIL = dt.date(2024, 3, 1), dt.date(2024, 4, 1)

pytestmark = pytest.mark.django_db


def settle(http, body):
    response = http.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return Settlement.objects.get(pk=response.json()["settlement_id"])


def owed(*settlements):
    funds = {
        "pooled": Decimal(0),
        "catastrophic": Decimal(0),
        "assistance": Decimal(0),
        "personal_accounts": Decimal(0),
    }
    for s in settlements:
        funds["pooled"] += s.basic_fund_paid
        funds["catastrophic"] += s.catastrophic_paid
        funds["assistance"] += s.assistance_paid
        funds["personal_accounts"] += s.current_funds_paid + s.historical_funds_paid
    return funds


@pytest.fixture
def march_bills(hospital, person_factory):
    first = settle(
        hospital,
        inpatient(
            person_factory(historical=Decimal("2000.00")),
            "ZY1",
            discharge="2024-03-05",
            admission="2024-03-01",
        ),
    )
    second = settle(
        hospital,
        inpatient(
            person_factory(), "ZY2", eligible="300000.00", discharge="2024-03-20", admission="2024-03-10"
        ),
    )
    third = settle(
        hospital,
        inpatient(
            person_factory(), "ZY3", eligible="8000.00", discharge="2024-03-25", admission="2024-03-21"
        ),
    )
    return first, second, third


def test_month_per_fund_net_of_reversals(march_bills):
    first, second, third = march_bills
    reversal = claims_services.reverse(settlement=third)
    [march] = clearing.draw_up(month=MARCH)
    expected = owed(first, second)  # the third and its reversal cancel out
    assert (march.pooled, march.catastrophic, march.assistance, march.personal_accounts) == tuple(
        expected.values()
    )
    assert march.gross == sum(expected.values())
    assert march.net == march.gross
    assert (march.settlements, march.reversals) == (3, 1)
    assert ClearingEntry.objects.filter(clearing=march).count() == 4
    assert second.catastrophic_paid > 0 and first.historical_funds_paid > 0  # every fund is exercised
    assert reversal.pk in set(ClearingEntry.objects.values_list("settlement_id", flat=True))
    assert march.lines[-1]["amount"] == f"{march.net:.2f}"


def test_late_reversal_falls_into_the_next_open_month_never_the_approved_one(march_bills, clerk):
    first, second, _third = march_bills
    [march] = clearing.draw_up(month=MARCH)
    clearing.approve(clearing=march, user=clerk)
    approved = Clearing.objects.get(pk=march.pk)
    reversal = claims_services.reverse(settlement=second)  # dated March, made after March was approved
    assert clearing.draw_up(month=MARCH) == []  # the approved month is left alone
    assert Clearing.objects.get(pk=march.pk).gross == approved.gross
    [april] = clearing.draw_up(month=APRIL)
    assert ClearingEntry.objects.get(settlement=reversal).clearing == april
    assert april.gross == reversal.basic_fund_paid + reversal.catastrophic_paid + reversal.assistance_paid + (
        reversal.current_funds_paid + reversal.historical_funds_paid
    )
    assert april.gross < 0 and april.reversals == 1


def test_a_draft_drawn_up_again_takes_what_arrived_since(march_bills, hospital, person_factory):
    [march] = clearing.draw_up(month=MARCH)
    late = settle(
        hospital,
        inpatient(
            person_factory(), "ZY9", eligible="6000.00", discharge="2024-03-28", admission="2024-03-26"
        ),
    )
    [again] = clearing.draw_up(month=MARCH)
    assert again.pk == march.pk and again.settlements == march.settlements + 1
    assert again.pooled == march.pooled + late.basic_fund_paid


def test_cannot_approve_twice(march_bills, clerk):
    [march] = clearing.draw_up(month=MARCH)
    clearing.approve(clearing=march, user=clerk)
    with pytest.raises(ValidationError) as error:
        clearing.approve(clearing=march, user=clerk)
    assert "不能重复审核" in str(error.value)


def test_payment_only_after_approval(march_bills, clerk):
    [march] = clearing.draw_up(month=MARCH)
    with pytest.raises(ValidationError):
        clearing.record_payment(clearing=march, paid_on=dt.date(2024, 4, 15), reference="BK1", user=clerk)
    clearing.approve(clearing=march, user=clerk)
    paid = clearing.record_payment(clearing=march, paid_on=dt.date(2024, 4, 15), reference="BK1", user=clerk)
    assert paid.state == Clearing.State.PAID and paid.paid_by == clerk


def test_month_not_over_is_refused():
    with pytest.raises(ValidationError) as error:
        clearing.draw_up(month=dt.date(2024, 3, 1), today=dt.date(2024, 3, 31))
    assert "month" in error.value.message_dict


def test_withheld_recovered_and_released_art88(march_bills, institutions, agreement_factory, clerk):
    """杭州 art. 88: amounts withheld and recovered are deducted; a released withholding is paid back once."""
    agreement = agreement_factory(institutions[LEVEL3])
    withhold = agreements.record_breach(
        agreement=agreement,
        found_on=dt.date(2024, 3, 10),
        description="调查中",
        sanction="withhold",
        amount=Decimal("1000.00"),
    )
    agreements.record_breach(
        agreement=agreement,
        found_on=dt.date(2024, 3, 12),
        description="超标准收费",
        sanction="recover",
        amount=Decimal("250.50"),
    )
    [march] = clearing.draw_up(month=MARCH)
    assert (march.withheld, march.recovered, march.released) == (Decimal("1000.00"), Decimal("250.50"), 0)
    assert march.net == march.gross - Decimal("1250.50")
    clearing.approve(clearing=march, user=clerk)
    agreements.lift(breach=withhold, on=dt.date(2024, 4, 10))
    [april] = clearing.draw_up(month=APRIL)
    assert (april.withheld, april.recovered, april.released) == (0, 0, Decimal("1000.00"))
    assert april.net == Decimal("1000.00")
    [may] = clearing.draw_up(month=dt.date(2024, 5, 1))
    assert may.net == 0  # nothing deducted or released twice


def test_pdf_statement_in_chinese_after_approval(march_bills, clerk, settings, tmp_path):
    [march] = clearing.draw_up(month=MARCH)
    clearing.approve(clearing=march, user=clerk)  # on commit: Celery (eager here) renders the PDF
    from institutions.statements import render_html
    from institutions.tasks import render

    render(march.pk)  # (tests run in a transaction that never commits)
    march.refresh_from_db()
    assert march.pdf_status == Clearing.PdfStatus.READY
    assert march.pdf.read(4) == b"%PDF"
    html = render_html(march)
    assert "月度清算单" in html and "基本医保统筹基金" in html and "实际拨付" in html


def test_each_institution_reads_only_its_own(
    march_bills, api_client_factory, hospital, person_factory, clerk, agreement_factory, institutions
):
    other_http, _ = api_client_factory(organisation_code=OTHER)
    settle(other_http, inpatient(person_factory(), "B1", discharge="2024-03-07", admission="2024-03-02"))
    agreement_factory(institutions[LEVEL3])
    agreement_factory(institutions[OTHER])
    drafts = clearing.draw_up(month=MARCH)
    for each in drafts:
        clearing.approve(clearing=each, user=clerk)
    mine = Clearing.objects.get(institution__code=LEVEL3)
    theirs = Clearing.objects.get(institution__code=OTHER)

    listed = hospital.get("/api/v1/institutions/clearings/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [mine.pk]
    assert hospital.get(f"/api/v1/institutions/clearings/{mine.pk}/").status_code == 200
    assert hospital.get(f"/api/v1/institutions/clearings/{theirs.pk}/").status_code == 404
    assert hospital.get(f"/api/v1/institutions/clearings/{theirs.pk}/statement.pdf").status_code == 404
    assert other_http.get(f"/api/v1/institutions/clearings/{mine.pk}/").status_code == 404
    response = other_http.get(f"/api/v1/institutions/clearings/{theirs.pk}/statement.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"%PDF"

    agreements_seen = hospital.get("/api/v1/institutions/agreements/").json()
    rows = agreements_seen["results"] if isinstance(agreements_seen, dict) else agreements_seen
    assert [row["institution_code"] for row in rows] == [LEVEL3]


def test_drafts_are_not_shown_to_the_institution(march_bills, hospital):
    [march] = clearing.draw_up(month=MARCH)
    assert hospital.get(f"/api/v1/institutions/clearings/{march.pk}/").status_code == 404


def test_mutual_aid_is_cleared_to_the_hospital_as_personal_account_money_art26_6(hospital, person_factory):
    """The child's bill of test_mutual_aid_settlement (杭州 art. 39): fund 13,440; the parent's historical
    funds pay 5,000 under the grant (art. 26(6)); the hospital collected 2,060 in cash and is owed
    13,440 + 5,000: the month's personal-account line is 5,000."""
    from accounts.services import grant_mutual_aid
    from tests.conftest import record_relation

    parent = person_factory(historical=Decimal("5000.00"))
    child = person_factory(category="child", birth=dt.date(2015, 6, 1))
    record_relation(parent, child, "child")
    grant_mutual_aid(holder=parent, relative=child, relation="child", on=dt.date(2024, 1, 10))
    bill = settle(
        hospital,
        inpatient(
            child,
            "ZY-GJ",
            eligible="20000.00",
            out_of_scope="300.00",
            self_pay_first="200.00",
            discharge="2024-03-05",
            admission="2024-03-01",
        ),
    )
    assert (bill.basic_fund_paid, bill.mutual_aid_paid, bill.cash_paid) == (
        Decimal("13440.00"),
        Decimal("5000.00"),
        Decimal("2060.00"),
    )
    [march] = clearing.draw_up(month=MARCH)
    assert (march.pooled, march.personal_accounts) == (Decimal("13440.00"), Decimal("5000.00"))
    assert march.gross == Decimal("18440.00")
