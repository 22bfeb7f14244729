"""Reimbursement at the counter (事后报销): same engine and service, off-site shares, the art. 65 deadline."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from claims.models import Settlement

pytestmark = pytest.mark.django_db

URL = "/admin/claims/settlement/reimburse/"


def form(person, **extra):
    data = {
        "id_number": person.id_number,
        "bill_number": "WD0001",
        "institution_name": "上海某医院",
        "institution_level": "other",
        "settlement": "reimbursed_out_of_province",
        "kind": "inpatient",
        "date": "",
        "admission_date": "",
        "discharge_date": "",
        "out_of_scope": "0.00",
        "self_pay_first": "0.00",
        "eligible": "10000.00",
        "special_drug": "0.00",
        "diagnosis_codes": "",
        "exclusion": "",
    }
    data.update(extra)
    return data


def recent_discharge() -> str:
    """A date in the current settlement year, so the art. 65 deadline has not passed."""
    today = timezone.localdate()
    return dt.date(today.year, 1, 20).isoformat()


def test_out_of_province_share_art69(client, clerk, person_factory):
    """杭州 art. 69(2) (规程 §5): 20% of 10,000 moves to 自理 first; 8,000 eligible, deductible 500 (other level);
    (8,000 − 500) × 84% = 6,300."""
    person = person_factory()
    client.force_login(clerk)
    response = client.post(
        URL, form(person, discharge_date=recent_discharge(), admission_date=recent_discharge())
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    settlement = Settlement.objects.get()
    assert settlement.source == Settlement.Source.COUNTER
    assert settlement.institution is None and settlement.institution_name == "上海某医院"
    assert settlement.settlement_mode == "reimbursed_out_of_province"
    assert settlement.basic_fund_paid == Decimal("6300.00")
    assert settlement.deductible == Decimal("500.00")
    assert settlement.cash_paid == Decimal("3700.00")
    assert settlement.created_by == clerk
    # the same entry again shows the first settlement, nothing doubled
    again = client.post(
        URL, form(person, discharge_date=recent_discharge(), admission_date=recent_discharge())
    )
    assert again.status_code == 302
    assert Settlement.objects.count() == 1


def test_deadline_art65(client, clerk, person_factory):
    """杭州 art. 65: by the end of the next settlement year; a bill of two years ago is refused."""
    person = person_factory()
    old = dt.date(timezone.localdate().year - 2, 6, 1).isoformat()
    client.force_login(clerk)
    response = client.post(
        URL, form(person, kind="outpatient", date=old, settlement="reimbursed_in_province")
    )
    assert response.status_code == 200
    assert "第六十五条" in response.content.decode()
    assert not Settlement.objects.exists()
    last_year = dt.date(timezone.localdate().year - 1, 6, 1).isoformat()
    ok = client.post(
        URL, form(person, kind="outpatient", date=last_year, settlement="reimbursed_in_province")
    )
    assert ok.status_code == 302


def test_abroad_needs_filing_art66(client, clerk, person_factory):
    from enrollment.models import Filing

    person = person_factory()
    client.force_login(clerk)
    day = recent_discharge()
    data = form(person, kind="outpatient", date=day, settlement="abroad_temporary", eligible="2000.00")
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "第六十六条" in response.content.decode()
    assert not Settlement.objects.exists()
    Filing.objects.create(person=person, kind="abroad", valid_from=dt.date(2020, 1, 1))
    assert client.post(URL, data).status_code == 302
    settlement = Settlement.objects.get()
    # 10% of 2,000 moves to 自理; 1,800 goes to the outpatient deductible of 1,000 first (规程 §4)
    assert settlement.deductible == Decimal("1000.00")
    assert any("第六十六条" in line.article or "先行自理" in line.text for line in settlement.lines.all())


def test_counter_uses_same_accumulators_as_api(client, clerk, hospital, person_factory):
    """A counter bill and an API bill of the same year share the deductible (one a year, 规程 §3.1)."""
    person = person_factory()
    client.force_login(clerk)
    day = recent_discharge()
    assert (
        client.post(URL, form(person, discharge_date=day, admission_date=day, settlement="local")).status_code
        == 302
    )
    from .conftest import inpatient

    later = dt.date.fromisoformat(day) + dt.timedelta(days=30)
    response = hospital.post(
        "/api/v1/settlements/",
        inpatient(person, "ZY9", discharge=later.isoformat(), admission=later.isoformat()),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["deductible"] == "300.00"  # 800 at level 3 − 500 paid at the counter


def test_late_counter_bill_of_the_retirement_year_adjusts_the_refund_art29_2_art65(person_factory):
    """Retired on 15 July last year: the year's outpatient deductible due is 1,000 × 6/12 + 300 × 6/12 = 650.00
    (杭州 art. 29(2)). At the year's end the person had paid 800.00 of it: (800 − 650) × 80% = 120.00 went to
    historical funds. A bill of 10 May last year reimbursed at the counter now (art. 65: until the end of
    the next year), 200.00 eligible, no current funds: the active employee's 1,000 deductible was 200 short,
    so all 200 is deductible paid by the person, 1,000 in all: (1,000 − 650) × 80% = 280.00 due, 160.00 more
    posted. Reversing that bill takes the 160.00 back."""
    from accounts.models import Account, LedgerEntry
    from accounts.selectors import audit_balances
    from accounts.services import refund_retirement_year_deductible
    from claims import services
    from claims.models import Accumulator
    from contributions.models import RetirementConfirmation

    today = timezone.localdate()
    year = today.year - 1
    person = person_factory(category="active")
    Account.objects.filter(person=person).update(historical_pays_personal_share=False)
    RetirementConfirmation.objects.create(
        person=person,
        retirement_date=dt.date(year, 7, 15),
        confirmed_on=dt.date(year, 7, 15),
        local_actual_months=180,
        total_months=300,
        method="qualified",
    )
    Accumulator.objects.create(
        person=person,
        region="hangzhou",
        year_key=str(year),
        year_start=dt.date(year, 1, 1),
        year_end=dt.date(year, 12, 31),
        state={"year": str(year), "outpatient_deductible_paid": "800.00"},
    )
    assert refund_retirement_year_deductible(person=person, year=year).amount == Decimal("120.00")

    bill = services.BillInput(
        bill_number="MZ-LATE",
        kind="outpatient",
        date=dt.date(year, 5, 10),
        settlement="local",
        institution_level="other",
        institution_name="杭州某医院",
        eligible=Decimal("200.00"),
    )
    settlement, created = services.settle(
        person=person,
        institution=None,
        bill=bill,
        body={"bill_number": "MZ-LATE"},
        source="counter",
        today=today,
    )
    assert (
        created and settlement.deductible == Decimal("200.00") and settlement.cash_paid == Decimal("200.00")
    )
    refunds = LedgerEntry.objects.filter(account__person=person, kind="retirement_refund").order_by("id")
    assert [entry.amount for entry in refunds] == [Decimal("120.00"), Decimal("160.00")]
    assert refunds[1].year == year and refunds[1].entry_date == today and "补划 160.00" in refunds[1].text
    assert Account.objects.get(person=person).historical == Decimal("280.00")

    services.reverse(settlement=settlement, today=today)
    assert [entry.amount for entry in refunds.all()] == [
        Decimal("120.00"),
        Decimal("160.00"),
        Decimal("-160.00"),
    ]
    assert Account.objects.get(person=person).historical == Decimal("120.00")
    assert refund_retirement_year_deductible(person=person, year=year) is None  # nothing more to move
    assert audit_balances() == []
