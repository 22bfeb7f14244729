"""Real-time settlement through the API, figures worked by hand from the articles (settlement-rules §3, §8)."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, LedgerEntry
from claims.models import Accumulator, Settlement, SettlementLine

from .conftest import inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


def test_active_employee_level3_first_admission_art28(hospital, person_factory):
    """杭州 art. 28(1)–(2): deductible 800; 39,200 × 82% + 10,000 × 88% = 40,944; historical funds pay 3,000 (art. 25)."""
    person = person_factory(historical=Decimal("3000.00"))
    response = hospital.post(
        URL, inpatient(person, out_of_scope="100.00", self_pay_first="50.00"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total"] == "50150.00"
    assert body["deductible"] == "800.00"
    assert body["basic_fund_paid"] == "40944.00"
    assert body["catastrophic_paid"] == "0.00"
    assert body["historical_funds_paid"] == "3000.00"
    assert body["cash_paid"] == "6206.00"
    assert body["person"] == person.masked_id_number
    assert person.id_number not in response.content.decode()
    assert any("第二十八条" in line["article"] for line in body["lines"])
    settlement = Settlement.objects.get(pk=body["settlement_id"])
    assert settlement.basic_fund_paid == Decimal("40944.00")
    assert settlement.lines.count() == len(body["lines"])
    account = Account.objects.get(person=person)
    assert account.historical == Decimal("0.00")
    assert (
        LedgerEntry.objects.filter(source_type="claims.settlement", source_id=str(settlement.pk)).count() == 1
    )
    state = Accumulator.objects.get(person=person, year_key="2024").state
    assert state["inpatient_deductible_paid"] == "800.00"
    assert state["inpatient_eligible"] == "50000.00"


def test_second_admission_pays_deductible_difference_art28(hospital, api_client_factory, person_factory):
    """杭州 art. 28(1) (规程 §3.1): first admission at 'other' level, deductible 500, (10,000 − 500) × 84% = 7,980;
    the second at level 3 owes 800 − 500 = 300; cumulative 10,000 → 30,000, (20,000 − 300) × 82% = 16,154."""
    from .conftest import OTHER

    other, _ = api_client_factory(organisation_code=OTHER)
    person = person_factory()
    first = other.post(
        URL,
        inpatient(person, "A1", eligible="10000.00", discharge="2024-02-01", admission="2024-01-25"),
        format="json",
    )
    assert first.status_code == 201, first.content
    assert first.json()["deductible"] == "500.00"
    assert first.json()["basic_fund_paid"] == "7980.00"
    second = hospital.post(
        URL,
        inpatient(person, "B1", eligible="20000.00", discharge="2024-04-01", admission="2024-03-20"),
        format="json",
    )
    assert second.status_code == 201, second.content
    assert second.json()["deductible"] == "300.00"
    assert second.json()["basic_fund_paid"] == "16154.00"
    assert second.json()["cash_paid"] == "3846.00"


def test_bill_year_is_discharge_year_art64_6(hospital, person_factory):
    """杭州 art. 64(6): admitted in December 2023, discharged January 2024: settled in year 2024."""
    person = person_factory()
    response = hospital.post(
        URL,
        inpatient(person, admission="2023-12-20", discharge="2024-01-05", eligible="1000.00"),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["year"] == "2024"
    assert Accumulator.objects.filter(person=person, year_key="2024").exists()
    assert not Accumulator.objects.filter(person=person, year_key="2023").exists()


def test_stay_longer_than_365_days_is_refused_art64_6(hospital, person_factory):
    """杭州 art. 64(6): a stay over 365 days must be settled once a year; one bill for 400 days is refused."""
    person = person_factory()
    response = hospital.post(
        URL,
        inpatient(person, admission="2023-01-20", discharge="2024-02-24", eligible="1000.00"),
        format="json",
    )
    assert response.status_code == 422
    assert "第六十四条第(六)项" in response.json()["article"]
    assert not Settlement.objects.exists()
    # exactly 365 days is one settlement
    ok = hospital.post(
        URL,
        inpatient(person, "ZY2", admission="2023-02-24", discharge="2024-02-24", eligible="1000.00"),
        format="json",
    )
    assert ok.status_code == 201, ok.content


def test_retry_same_body_returns_first_result(hospital, person_factory):
    person = person_factory(historical=Decimal("3000.00"))
    body = inpatient(person)
    first = hospital.post(URL, body, format="json")
    again = hospital.post(URL, body, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.content == first.content
    assert Settlement.objects.count() == 1
    assert SettlementLine.objects.count() == len(first.json()["lines"])
    assert LedgerEntry.objects.filter(source_type="claims.settlement").count() == 1
    assert Account.objects.get(person=person).historical == Decimal("0.00")
    assert Accumulator.objects.get(person=person).state["inpatient_eligible"] == "50000.00"


def test_same_key_other_body_is_conflict(hospital, person_factory):
    person = person_factory()
    assert hospital.post(URL, inpatient(person), format="json").status_code == 201
    response = hospital.post(URL, inpatient(person, eligible="50000.01"), format="json")
    assert response.status_code == 409
    assert Settlement.objects.count() == 1
    assert Accumulator.objects.get(person=person).state["inpatient_eligible"] == "50000.00"


def test_retry_after_the_person_left_still_returns_the_first_result(hospital, person_factory):
    """A replay is the first answer even when the bill would be refused now (the person has left)."""
    from enrollment.models import Enrolment

    person = person_factory(historical=Decimal("3000.00"))
    body = inpatient(person)
    first = hospital.post(URL, body, format="json")
    assert first.status_code == 201, first.content
    Enrolment.objects.filter(person=person).update(end_date="2023-06-30", end_reason="transfer_out")
    fresh = hospital.post(URL, inpatient(person, "ZY-NEW"), format="json")
    assert fresh.status_code == 422  # a new bill is refused: not insured on its date
    again = hospital.post(URL, body, format="json")
    assert again.status_code == 200 and again.content == first.content
    other = hospital.post(URL, {**body, "eligible": "1.00"}, format="json")
    assert other.status_code == 409  # another body under the settled key is still a conflict
    assert Settlement.objects.count() == 1


def test_institution_may_not_settle_as_another(hospital, person_factory):
    from .conftest import OTHER

    person = person_factory()
    response = hospital.post(URL, inpatient(person, institution_code=OTHER), format="json")
    assert response.status_code == 403
    assert not Settlement.objects.exists()


def test_outpatient_current_funds_first_art29(api_client_factory, institutions, person_factory):
    """杭州 art. 29 (规程 §4): current funds 600 pay first; of 1,500 eligible, 900 left goes to the 1,000 deductible;
    nothing above it; historical funds 200 then cash 700."""
    from .conftest import OTHER

    http, _ = api_client_factory(organisation_code=OTHER)
    person = person_factory(current=Decimal("600.00"), historical=Decimal("200.00"))
    body = {
        "id_number": person.id_number,
        "bill_number": "MZ1",
        "kind": "outpatient",
        "date": "2024-05-06",
        "eligible": "1500.00",
    }
    response = http.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["current_funds_paid"] == "600.00"
    assert data["deductible"] == "900.00"
    assert data["basic_fund_paid"] == "0.00"
    assert data["historical_funds_paid"] == "200.00"
    assert data["cash_paid"] == "700.00"
    account = Account.objects.get(person=person)
    assert (account.current, account.historical) == (Decimal("0.00"), Decimal("0.00"))


def test_trial_on_stored_state_writes_nothing(hospital, person_factory):
    """The trial on stored state sees the year's first admission: the second owes no deductible."""
    person = person_factory()
    assert hospital.post(URL, inpatient(person, "T1", eligible="10000.00"), format="json").status_code == 201
    counts = (Settlement.objects.count(), SettlementLine.objects.count(), LedgerEntry.objects.count())
    state = Accumulator.objects.get(person=person).state
    response = hospital.post(
        URL + "trial/",
        inpatient(person, "T2", eligible="10000.00", discharge="2024-05-01", admission="2024-04-25"),
        format="json",
    )
    assert response.status_code == 200, response.content
    # cumulative 10,000 → 20,000 in band 1, no deductible left: 10,000 × 82% = 8,200
    assert response.json()["deductible"] == "0.00"
    assert response.json()["basic_fund_paid"] == "8200.00"
    assert (Settlement.objects.count(), SettlementLine.objects.count(), LedgerEntry.objects.count()) == counts
    assert Accumulator.objects.get(person=person).state == state


def test_bill_dated_before_latest_is_settled_on_current_state(hospital, person_factory):
    """Documented order: bills apply as settled; an earlier-dated bill after a later one sees the current state."""
    person = person_factory()
    assert (
        hospital.post(
            URL,
            inpatient(person, "L1", discharge="2024-06-01", admission="2024-05-20", eligible="5000.00"),
            format="json",
        ).status_code
        == 201
    )
    late = hospital.post(
        URL,
        inpatient(person, "E1", discharge="2024-02-01", admission="2024-01-20", eligible="5000.00"),
        format="json",
    )
    assert late.status_code == 201
    assert late.json()["deductible"] == "0.00"  # the deductible was paid by the bill settled first


def test_date_of_non_inpatient_is_required(hospital, person_factory):
    person = person_factory()
    body = {"id_number": person.id_number, "bill_number": "X", "kind": "outpatient", "eligible": "1.00"}
    response = hospital.post(URL, body, format="json")
    assert response.status_code == 400
    assert "date" in response.json()


def test_amount_with_three_decimals_is_bad_input(hospital, person_factory):
    person = person_factory()
    response = hospital.post(URL, inpatient(person, eligible="10.001"), format="json")
    assert response.status_code == 400
    assert "eligible" in response.json()


def test_settlement_detail_only_for_own_institution(hospital, api_client_factory, person_factory):
    from .conftest import OTHER

    person = person_factory()
    created = hospital.post(URL, inpatient(person), format="json").json()
    assert hospital.get(f"{URL}{created['settlement_id']}/").json() == created
    other, _ = api_client_factory(organisation_code=OTHER)
    assert other.get(f"{URL}{created['settlement_id']}/").status_code == 404


def test_anonymous_and_wrong_scope_are_refused(client, api_client_factory, person_factory, institutions):
    person = person_factory()
    assert client.post(URL, inpatient(person), content_type="application/json").status_code in (401, 403)
    tax, _ = api_client_factory(kind="tax_bureau", scopes=("contributions",))
    assert tax.post(URL, inpatient(person), format="json").status_code == 403
    trial_only, _ = api_client_factory(scopes=("trial_settlement",), organisation_code="H330100001")
    assert trial_only.post(URL, inpatient(person), format="json").status_code == 403
    assert not Settlement.objects.exists()


def test_gp_contract_read_from_records_art29(api_client_factory, institutions, person_factory):
    """杭州 art. 29(4)–(5): at the contracted community centre the deductible is 1,000 − 300 = 700 and the ratio
    86% + 3 = 89%: (2,000 − 700) × 89% = 1,157. The contract is read from the person's records, not the request."""
    from enrollment.models import GpContract

    from .conftest import COMMUNITY

    http, _ = api_client_factory(organisation_code=COMMUNITY)
    person = person_factory()
    GpContract.objects.create(person=person, centre_code=COMMUNITY, valid_from=dt.date(2023, 6, 1))
    body = {
        "id_number": person.id_number,
        "bill_number": "GP1",
        "kind": "outpatient",
        "date": "2024-05-06",
        "eligible": "2000.00",
    }
    response = http.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["deductible"] == "700.00"
    assert response.json()["basic_fund_paid"] == "1157.00"
    # without a contract the same bill at the same centre: 1,000 deductible, (2,000 − 1,000) × 86% = 860
    stranger = person_factory()
    body = {**body, "id_number": stranger.id_number, "bill_number": "GP2", "at_contracted_centre": True}
    response = http.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["deductible"] == "1000.00"
    assert response.json()["basic_fund_paid"] == "860.00"


def test_trial_scope_may_trial_but_not_settle(api_client_factory, person_factory, institutions):
    from .conftest import LEVEL3

    trial_only, _ = api_client_factory(scopes=("trial_settlement",), organisation_code=LEVEL3)
    person = person_factory()
    response = trial_only.post(URL + "trial/", inpatient(person), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["basic_fund_paid"] == "40944.00"
    assert response.json()["trial"] is True
    assert trial_only.post(URL, inpatient(person), format="json").status_code == 403
    assert not Settlement.objects.exists()
