"""Property: whatever sequence of credits, payments, reversals, transfers and rollovers, the stored
balances equal the ledger and nothing goes negative where the measures forbid it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.batch import rollover
from accounts.models import Account, LedgerEntry
from accounts.selectors import audit_balances

cents = st.integers(min_value=0, max_value=400000).map(lambda c: Decimal(c) / 100)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), st.integers(1, 12)),
        st.tuples(st.just("pay"), cents, cents),
        st.tuples(st.just("reverse"), st.integers(0, 20)),
        st.tuples(st.just("transfer_in"), cents),
        st.tuples(st.just("rollover"), st.just(0)),
        st.tuples(st.just("base"), st.integers(3000, 30000)),
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, birth_year=st.integers(1950, 2000))
def test_ledger_always_equals_stored_balances(make_account, steps, birth_year):
    account = make_account(birth_date=dt.date(birth_year, 7, 1))
    year = 2024
    paid_sources = []
    for number, step in enumerate(steps):
        kind = step[0]
        try:
            if kind == "credit":
                services.credit_month(account=account, year=year, month=step[1])
            elif kind == "pay":
                source = f"P{account.pk}-{number}"
                services.pay_for_settlement(
                    person=account.person,
                    on=dt.date(year, 6, 1),
                    current_funds=step[1],
                    historical_funds=step[2],
                    source_type="settlement",
                    source_id=source,
                    text="门诊",
                    article="杭州 第二十四条",
                )
                paid_sources.append(source)
            elif kind == "reverse" and paid_sources:
                source = paid_sources[step[1] % len(paid_sources)]
                services.reverse_source(source_type="settlement", source_id=source, on=dt.date(year, 6, 2))
            elif kind == "transfer_in" and step[1] > 0:
                services.transfer_in(
                    person=account.person, amount=step[1], on=dt.date(year, 3, 1), other_place="苏州"
                )
            elif kind == "rollover":
                rollover.run_rollover(year)
                year += 1
            elif kind == "base":
                services.set_profile(account=account, base=Decimal(step[1]))
        except ValidationError:
            pass  # refused (over the balance, already reversed, …): must leave nothing half-written
        account.refresh_from_db()
        assert audit_balances(account_ids=[account.pk]) == []
        assert account.historical >= 0, "historical funds never go negative"
        # Current funds go negative only through a year-end shortfall (art. 22(5)), never through a payment.
        negative_allowed = LedgerEntry.objects.filter(
            account=account, kind="reconciliation", amount__lt=0
        ).exists()
        assert account.current >= 0 or negative_allowed
    assert Account.objects.filter(pk=account.pk, rolled_over_year__isnull=False).count() in (0, 1)
