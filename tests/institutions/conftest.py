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
