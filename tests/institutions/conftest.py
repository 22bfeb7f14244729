"""Fixtures of the institutions tests: the claims fixtures (persons, institutions, API clients) and agreements."""

import datetime as dt

import pytest

from tests.claims.conftest import (  # noqa: F401  (fixtures)
    COMMUNITY,
    LEVEL3,
    OTHER,
    PHARMACY,
    _media,
    hospital,
    inpatient,
    institutions,
    make_person,
    person_factory,
)

ALL_SERVICES = ["inpatient", "outpatient", "pharmacy", "specified_disease", "offsite"]


@pytest.fixture
def agreement_factory(db):
    from institutions.agreements import create_agreement

    def make(
        institution,
        number=None,
        *,
        services=ALL_SERVICES,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 12, 31),
        district="西湖区",
        signed=True,
    ):
        return create_agreement(
            institution=institution,
            number=number or f"XY-{institution.code}-{start.year}",
            district=district,
            start_date=start,
            end_date=end,
            services=services,
            terms="按协议约定提供医药服务",
            signed_on=start if signed else None,
        )

    return make


_numbers = iter(range(1, 1_000_000))


def direct_bill(
    institution,
    person,
    *,
    drg="",
    cost,
    fund,
    days=5,
    discharge=dt.date(2024, 6, 10),
    reverses=None,
    kind="inpatient",
):
    """A direct settlement row with the given total and basic-fund payment (the engine is not the subject here)."""
    from decimal import Decimal

    from claims.models import Settlement

    number = next(_numbers)
    sign = -1 if reverses else 1
    stay = kind == "inpatient"
    row = Settlement.objects.create(
        kind="reversal" if reverses else "settlement",
        status="reversal" if reverses else "settled",
        source="api",
        reverses=reverses,
        idempotency_key=f"T:{number}",
        request_digest="",
        person=person,
        institution=institution,
        bill_number=f"ZY{number}",
        bill_date=discharge,
        admission_date=discharge - dt.timedelta(days=days) if stay else None,
        discharge_date=discharge if stay else None,
        bill_kind=kind,
        institution_level=institution.level,
        region="hangzhou",
        year_key=str(discharge.year),
        drg_code=drg,
        out_of_scope=0,
        self_pay_first=0,
        eligible=Decimal(cost) * sign,
        special_drug=0,
        total=Decimal(cost) * sign,
        current_funds_paid=0,
        deductible=0,
        basic_fund_paid=Decimal(fund) * sign,
        catastrophic_paid=0,
        assistance_paid=0,
        historical_funds_paid=0,
        cash_paid=(Decimal(cost) - Decimal(fund)) * sign,
    )
    if reverses:
        Settlement.objects.filter(pk=reverses.pk).update(status="reversed")
    return row
