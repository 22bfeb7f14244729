"""杭州 art. 33 reform simulation: with the live parameters unchanged, the replay reproduces every stored settlement.

The bills are settled through the settlement API (the product's own path), certificate holders
included: 杭州 art. 47, 52 (assisted from the certificate's registration), 舟山 art. 41, 44
(assisted from the month after recognition). The replay asks the same recipient rule
(`policy.assistance.recipient_on`), so each bill's components come out as stored.
"""

import datetime as dt

import pytest

from claims.models import Settlement
from funds.simulation.inputs import read_year
from funds.simulation.replay import Views, replay
from tests.assistance.conftest import certify, outpatient, settle, to_zhoushan
from tests.claims.conftest import (  # noqa: F401 (fixtures)
    _media,
    hospital,
    inpatient,
    institutions,
    person_factory,
)

pytestmark = pytest.mark.django_db

COMPONENTS = (
    "basic_fund_paid",
    "catastrophic_paid",
    "assistance_paid",
    "current_funds_paid",
    "historical_funds_paid",
    "cash_paid",
    "deductible",
)


def replayed(region: str) -> dict[int, dict]:
    views = Views(region)
    return {
        int(result.bill_id): {name: getattr(result, name) for name in COMPONENTS}
        for _stored, result, _draft in replay(read_year(region=region, year=2024), views, views)
    }


def stored(region: str) -> dict[int, dict]:
    rows = Settlement.objects.filter(region=region, kind="settlement", status="settled")
    return {row["pk"]: {name: row[name] for name in COMPONENTS} for row in rows.values("pk", *COMPONENTS)}


def test_hangzhou_art_47_52_certificate_counts_from_registration_replayed_as_stored(hospital, person_factory):  # noqa: F811
    """杭州 art. 52: a 低保 certificate valid from 2024-02-01 but registered 2024-04-01 counts from 04-01:
    the March bill is not assisted, the May bill and the inpatient stay are, in the replay as when settled."""
    holder = person_factory()
    certify(holder, "minimum_living", valid_from=dt.date(2024, 2, 1), registered_on=dt.date(2024, 4, 1))
    other = person_factory()
    settle(hospital, outpatient(holder, "HZ-C1", "2024-03-05", eligible="1800.00"))
    settle(hospital, outpatient(holder, "HZ-C2", "2024-05-06", eligible="2600.00"))
    settle(
        hospital,
        inpatient(holder, "HZ-C3", discharge="2024-06-10", admission="2024-06-01", eligible="30000.00"),
    )
    settle(hospital, outpatient(other, "HZ-O1", "2024-03-05", eligible="1800.00"))
    live = stored("hangzhou")
    assert len(live) == 4
    assert any(
        row["assistance_paid"] > 0 for row in live.values()
    )  # the certificate was applied when settled
    assert replayed("hangzhou") == live


def test_zhoushan_art_44_certificate_counts_from_the_month_after_recognition_replayed_as_stored(
    hospital,  # noqa: F811
    person_factory,  # noqa: F811
):
    """舟山 art. 44: recognised 2024-06-15 → no assistance on 06-20, assisted from July; the replay agrees
    (reading the certificate from its dates alone would have assisted the June bill)."""
    holder = to_zhoushan(person_factory())
    certify(holder, "minimum_living", valid_from=dt.date(2024, 6, 15))
    settle(hospital, outpatient(holder, "ZS-C1", "2024-06-20", eligible="1000.00"))
    settle(hospital, outpatient(holder, "ZS-C2", "2024-07-02", eligible="1000.00"))
    live = stored("zhoushan")
    assert [row["assistance_paid"] for _pk, row in sorted(live.items())] == [0, 336]
    assert replayed("zhoushan") == live
