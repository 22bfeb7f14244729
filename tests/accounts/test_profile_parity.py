"""Parity: the profile refresh job writes the profiles the per-account `services.refresh_from_enrolment`
writes (category, the art. 27 suspension flag and reason, the base of the latest month paid, 杭州 art. 23;
coverage-rules readings 1–4), for the accounts its one statement handles (`simple_profiles`) and for the
rest alike.

A seeded random population (the arrears parity's: flexible workers and unemployed persons paying on
time, late or not at all, back payments, second enrolments, transfers, deaths, records starting
late), plus retirees, agreement payers and clean payers from their first month, each with an account
whose stored profile is left stale at random. Profiles are computed both ways from the same state on
several days; they must be equal, and the simple path must have handled a share of the accounts.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction

from accounts import services
from accounts.batch import profiles
from accounts.models import Account
from enrollment.models import Enrolment, Person, Transfer
from tests.contributions.test_arrears_parity import MONTHS, one_month_population, population
from tests.enrollment.conftest import make_person, provincial_wage  # noqa: F401  (local persons, as the arrears parity)

pytestmark = pytest.mark.django_db
PROFILE = profiles.PROFILE_FIELDS


class Rollback(Exception):
    pass


def _others(make, rng, size):
    """Retirees, agreement payers and clean payers from their first month (what the simple path takes),
    some of them with what sends them to the derivation after all: a death, a transfer in after a short
    spell elsewhere, an earlier enrolment and a gap, a late registration."""
    from contributions.services import record_monthly_contribution

    ids = []
    for _ in range(size):
        person = make()
        category = rng.choice(["retired", "agreement", "flexible", "flexible"])
        shape = rng.random()
        start = rng.choice(MONTHS[:2] if shape < 0.55 else MONTHS[:8]).replace(day=rng.choice([1, 1, 12]))
        end = start + dt.timedelta(days=300) if rng.random() < 0.2 else None
        if 0.3 <= shape < 0.45:  # an earlier enrolment, then six months unpaid: an interruption (art. 16)
            Enrolment.objects.create(
                person=person,
                scheme="employee",
                category="flexible",
                district="上城区",
                start_date=dt.date(2022, 1, 1),
                end_date=dt.date(2022, 6, 30),
                first_paid_on=dt.date(2022, 1, 5),
            )
        Enrolment.objects.create(
            person=person,
            scheme="employee",
            category=category,
            district="上城区",
            start_date=start,
            end_date=end,
            first_paid_on=start + dt.timedelta(days=3) if category != "retired" else None,
            # registered long after becoming eligible: an interruption (art. 16, late registration)
            eligible_since=start - dt.timedelta(days=400) if 0.45 <= shape < 0.55 else None,
        )
        if category == "flexible":
            for month in MONTHS:
                if month >= start.replace(day=1) and (end is None or month <= end):
                    late = rng.random() < 0.05
                    paid_on = (
                        (month + dt.timedelta(days=40)) if late else month.replace(day=rng.randint(1, 28))
                    )
                    record_monthly_contribution(person=person, month=month, paid_on=paid_on)
        if shape < 0.15:  # dies: refused after the death date
            Person.objects.filter(pk=person.pk).update(death_date=dt.date(2024, rng.randint(1, 9), 5))
        elif shape < 0.3:  # transferred in after too short a spell elsewhere: a waiting period
            Transfer.objects.create(
                person=person,
                direction="in",
                other_place="外省",
                transferred_on=start,
                from_scheme="employee",
                continuous_months_before=6,
            )
        ids.append(person.pk)
    return ids


def _accounts(person_ids, rng):
    """Each person's open account (opened by the enrolment, or now), its stored profile left stale at random."""
    accounts = []
    for pk in person_ids:
        account = Account.objects.filter(person_id=pk).first() or Account.objects.create(
            person_id=pk, region="hangzhou", opened_on=dt.date(2023, 1, 1), birth_date=dt.date(1980, 1, 1)
        )
        Account.objects.filter(pk=account.pk).update(
            status=Account.Status.OPEN,
            opened_on=dt.date(2023, 1, 1),
            category=rng.choice(["active", "flexible", "retired", "none"]),
            credit_base=rng.choice([Decimal("0.00"), Decimal("4000.00"), Decimal("9999.99")]),
            benefit_suspended=rng.random() < 0.3,
            suspension_reason=rng.choice(["", "旧原因"]),
        )
        accounts.append(account.pk)
    return accounts


def _profiles(ids):
    return {a.pk: tuple(getattr(a, f) for f in PROFILE) for a in Account.objects.filter(pk__in=ids)}


@pytest.mark.parametrize("seed", [61, 62])
def test_the_profile_job_equals_the_per_account_refresh_art23_27(make_person, provincial_wage, seed):  # noqa: F811
    rng = random.Random(seed)
    persons = population(make_person, seed, 10) + one_month_population(make_person, seed, 40)
    persons += _others(make_person, rng, 30)
    ids = _accounts(persons, rng)
    simple_seen = 0
    for on in (dt.date(2023, 3, 1), dt.date(2024, 2, 1), dt.date(2024, 10, 1)):
        stale = _profiles(ids)
        try:
            with transaction.atomic():
                for account in Account.objects.filter(pk__in=ids).select_related("person"):
                    services.refresh_from_enrolment(account=account, on=on)
                expected = _profiles(ids)
                raise Rollback
        except Rollback:
            pass
        assert _profiles(ids) == stale
        simple = profiles.simple_profiles(lo=min(ids), hi=max(ids) + 1, until=on)
        assert {pk: new for pk, (new, _stored) in simple.items()} == {pk: expected[pk] for pk in simple}
        simple_seen += len(simple)
        job = profiles.run_profile_refresh(on.year, on.month, chunk_size=9)
        assert job.errors == ""
        assert _profiles(ids) == expected, on
        assert job.result["changed"] == sum(1 for pk in ids if expected[pk] != stale[pk])
        # the next day's start: a stale profile again for some
        for pk in rng.sample(ids, 10):
            Account.objects.filter(pk=pk).update(
                benefit_suspended=rng.random() < 0.5, credit_base=Decimal("1.00")
            )
    assert simple_seen >= 25  # the one-statement path took part
