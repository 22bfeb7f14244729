"""An employee enrolment opens the personal account and presets it in the same transaction (杭州 art. 22(3)).

The employee: born 1985 (under 46 all of 2024), monthly base 10,000, so a month's credit is
10,000 × 2% (own contribution) + 10,000 × 0.5% (age ≤ 45) = 250 (art. 23(1)1).
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, LedgerEntry
from enrollment.models import Enrolment
from enrollment.services import end_enrolment, enrol

pytestmark = pytest.mark.django_db


def test_enrolment_in_march_opens_account_preset_march_to_december_art22_3(make_person, employer):
    """Handled in March: 10 months × 250 = 2,500 preset, less the year's 48 premium (art. 41) = 2,452."""
    person = make_person()
    enrol(
        person=person,
        category="active",
        district="上城区",
        start_date=dt.date(2024, 3, 5),
        employer=employer,
        credit_base=Decimal("10000.00"),
        handled_on=dt.date(2024, 3, 5),
    )
    account = Account.objects.get(person=person)
    assert (account.opened_on, account.category, account.credit_base) == (
        dt.date(2024, 3, 5),
        "active",
        Decimal("10000.00"),
    )
    assert account.current == Decimal("2452.00")
    preset = LedgerEntry.objects.get(account=account, kind=LedgerEntry.Kind.PRESET)
    assert preset.amount == Decimal("2500.00") and "第二十二条" in preset.article
    assert LedgerEntry.objects.get(
        account=account, kind=LedgerEntry.Kind.CATASTROPHIC_PREMIUM
    ).amount == Decimal("-48.00")


def test_enrolment_and_account_are_one_transaction(make_person, employer, monkeypatch):
    """When the account cannot be opened, the enrolment is not written either."""

    def fail(*args, **kwargs):
        raise RuntimeError("preset failed")

    monkeypatch.setattr("accounts.services.opening.preset_rest_of_year", fail)
    person = make_person()
    with pytest.raises(RuntimeError):
        enrol(
            person=person,
            category="active",
            district="上城区",
            start_date=dt.date(2024, 3, 5),
            employer=employer,
            credit_base=Decimal("10000.00"),
            handled_on=dt.date(2024, 3, 5),
        )
    assert not Enrolment.objects.filter(person=person).exists()
    assert not Account.objects.filter(person=person).exists()


def test_re_enrolment_next_year_presets_the_existing_account_once_reading_14(make_person, employer):
    """Reading 14: a re-enrolment on an existing account presets the new year from its month, once.

    2024: enrolled in March (2,452 as above); left 30 June. Re-enrolled 1 October 2025 (handled
    that day): Oct–Dec 3 × 250 = 750 preset, 48 premium, on the same account. A second enrolment
    handled in November 2025 presets nothing more.
    """
    person = make_person()
    first = enrol(
        person=person,
        category="active",
        district="上城区",
        start_date=dt.date(2024, 3, 5),
        employer=employer,
        credit_base=Decimal("10000.00"),
        handled_on=dt.date(2024, 3, 5),
    )
    end_enrolment(enrolment=first, end_date=dt.date(2024, 6, 30), reason=Enrolment.EndReason.STOPPED)
    second = enrol(
        person=person,
        category="active",
        district="上城区",
        start_date=dt.date(2025, 10, 1),
        employer=employer,
        handled_on=dt.date(2025, 10, 1),
    )
    account = Account.objects.get(person=person)
    entries = LedgerEntry.objects.filter(account=account, year=2025)
    assert sorted(e.amount for e in entries) == [Decimal("-48.00"), Decimal("750.00")]
    end_enrolment(enrolment=second, end_date=dt.date(2025, 10, 31), reason=Enrolment.EndReason.STOPPED)
    enrol(
        person=person,
        category="active",
        district="上城区",
        start_date=dt.date(2025, 11, 1),
        employer=employer,
        handled_on=dt.date(2025, 11, 1),
    )
    assert LedgerEntry.objects.filter(account=account, year=2025).count() == 2
    assert Account.objects.count() == 1


def test_resident_enrolment_opens_no_account(make_person):
    child = make_person(name="小明", birth=dt.date(2015, 1, 1))
    enrol(person=child, category="child", district="上城区", start_date=dt.date(2024, 1, 1))
    assert not Account.objects.filter(person=child).exists()


def test_counter_clerk_enrols_employee_and_the_account_opens(client, clerk, make_person, employer):
    """The admin's enrolment form takes the base and the account opens with its preset (art. 22(3))."""
    person = make_person(name="周九")
    client.force_login(clerk)
    start = dt.date.today().replace(day=1)
    response = client.post(
        "/admin/enrollment/enrolment/add/",
        {
            "person": person.pk,
            "scheme": "employee",
            "category": "active",
            "district": "上城区",
            "employer": employer.pk,
            "start_date": start.isoformat(),
            "credit_base": "10000.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = Account.objects.get(person=person)
    months = 13 - start.month
    assert LedgerEntry.objects.get(account=account, kind=LedgerEntry.Kind.PRESET).amount == Decimal(
        250 * months
    )


def test_retiree_enrolled_before_the_wage_figure_is_entered_still_gets_the_account(make_person):
    """A retiree's credit needs last year's provincial average wage (art. 23(1)2): while the agency has
    not entered it, the enrolment goes through and the account opens without this year's preset."""
    person = make_person(birth=dt.date(1955, 1, 1))
    enrol(
        person=person,
        category="retired",
        district="上城区",
        start_date=dt.date(2024, 3, 5),
        pension=Decimal("4000.00"),
        handled_on=dt.date(2024, 3, 5),
        _allow_retired=True,
    )
    account = Account.objects.get(person=person)
    assert (account.category, account.pension, account.current) == (
        "retired",
        Decimal("4000.00"),
        Decimal("0"),
    )
    assert not LedgerEntry.objects.filter(account=account).exists()
    assert Enrolment.objects.filter(person=person, category="retired").exists()
