"""Family mutual aid (家庭共济, 杭州 art. 26(6))."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.selectors import audit_balances

D = Decimal


def insure(person):
    from enrollment.models import Enrolment

    Enrolment.objects.create(
        person=person,
        scheme="resident",
        category="adult_tier1",
        district="上城区",
        start_date=dt.date(2024, 1, 1),
        first_paid_on=dt.date(2023, 12, 1),
    )


@pytest.mark.django_db
def test_grant_pay_and_revoke(make_account, make_person, clerk, relate):
    holder = make_account()
    services.transfer_in(person=holder.person, amount=D("800.00"), on=dt.date(2024, 2, 1), other_place="苏州")
    mother = make_person(name="母亲", birth_date=dt.date(1955, 1, 1))
    insure(mother)
    relate(holder.person, mother, "parent")
    grant = services.grant_mutual_aid(
        holder=holder.person, relative=mother, relation="parent", granted_by=clerk, on=dt.date(2024, 3, 1)
    )
    entry = services.pay_for_relative(
        holder=holder.person,
        relative=mother,
        on=dt.date(2024, 4, 1),
        amount=D("300.40"),
        source_type="settlement",
        source_id="M-1",
    )
    assert (entry.kind, entry.bucket, entry.amount) == ("mutual_aid", "historical", D("-300.40"))
    # Only historical funds pay, up to their balance: 499.60 left of a 1,000 bill.
    entry = services.pay_for_relative(
        holder=holder.person,
        relative=mother,
        on=dt.date(2024, 4, 2),
        amount=D("1000.00"),
        source_type="settlement",
        source_id="M-2",
    )
    assert entry.amount == D("-499.60")
    holder.refresh_from_db()
    assert (holder.current, holder.historical) == (D("2952.00"), D("0.00"))
    assert (
        services.pay_for_relative(
            holder=holder.person,
            relative=mother,
            on=dt.date(2024, 4, 3),
            amount=D("1.00"),
            source_type="settlement",
            source_id="M-3",
        )
        is None
    )
    services.revoke_mutual_aid(grant=grant, revoked_by=clerk, on=dt.date(2024, 5, 1))
    with pytest.raises(ValidationError):
        services.pay_for_relative(
            holder=holder.person,
            relative=mother,
            on=dt.date(2024, 5, 2),
            amount=D("1.00"),
            source_type="settlement",
            source_id="M-4",
        )
    assert audit_balances() == []


@pytest.mark.django_db
def test_grant_refused_for_uninsured_relative_other_relation_or_self(make_account, make_person, relate):
    holder = make_account()
    cousin = make_person(name="堂兄")
    relate(holder.person, cousin, "parent")
    with pytest.raises(ValidationError) as error:
        services.grant_mutual_aid(holder=holder.person, relative=cousin, relation="parent")
    assert "relative" in error.value.message_dict  # not insured
    insure(cousin)
    with pytest.raises(ValidationError) as error:
        services.grant_mutual_aid(holder=holder.person, relative=cousin, relation="cousin")
    assert "relation" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.grant_mutual_aid(holder=holder.person, relative=holder.person, relation="spouse")
    assert "relative" in error.value.message_dict
    no_account = make_person(name="无账户")
    with pytest.raises(ValidationError) as error:
        services.grant_mutual_aid(holder=no_account, relative=cousin, relation="spouse")
    assert "holder" in error.value.message_dict


@pytest.mark.django_db
def test_second_live_grant_refused(make_account, make_person, relate):
    holder = make_account()
    child = make_person(name="子女", birth_date=dt.date(2015, 1, 1))
    insure(child)
    relate(holder.person, child, "child")
    services.grant_mutual_aid(holder=holder.person, relative=child, relation="child")
    with pytest.raises(ValidationError):
        services.grant_mutual_aid(holder=holder.person, relative=child, relation="child")
