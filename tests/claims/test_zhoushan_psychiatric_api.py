"""舟山 art. 42(5) through `POST /api/v1/settlements/`: a recipient holding a mental-disability
certificate is assisted in full on psychiatric costs (a diagnosis in ICD-10 chapter V, F00–F99),
sent as the bill's `diagnosis_codes`.

Hand-worked figures on the ILLUSTRATIVE Zhoushan set (zhoushan-illustrative.yaml, not official):
resident (一档) outpatient at a level-2 ("other") institution, 1,000.00 eligible, no outpatient
deductible, fund 40 % = 400.00; the burden 600.00 is below the recipients' catastrophic
deductible (10,000). 低保 certificate and mental-disability certificate both valid from
2023-01-01 (they count from the month after recognition, art. 44).
- diagnosis F20.0 (schizophrenia): art. 42(5) 600.00 × 100 % = 600.00 assisted, cash 0.00;
- diagnosis I10 (hypertension): art. 42(1) 低保 70 %: 600.00 × 70 % = 420.00, cash 180.00.
"""

import datetime as dt
import itertools

import pytest

from .conftest import OTHER

pytestmark = pytest.mark.django_db

API = "/api/v1/settlements/"
PSYCHIATRIC = "舟山 第四十二条第(五)项"
GROUP_RATIO = "舟山 第四十二条第(一)至(四)项"

_sequence = itertools.count(700)


@pytest.fixture(autouse=True)
def _illustrative():
    from policy.parameters import set_illustrative_default

    set_illustrative_default(True)
    yield
    set_illustrative_default(False)


@pytest.fixture
def level2(api_client_factory, institutions):
    http, _client = api_client_factory(organisation_code=OTHER)
    return http


def zhoushan_resident(*, mental_disability: bool):
    """A Zhoushan resident (一档, born 1984) enrolled and paid from 2023-01-01, holding a 低保 certificate."""
    from core.identity import make_resident_id
    from enrollment.models import Certificate, Enrolment, Person

    birth = dt.date(1984, 5, 1)
    number = make_resident_id("330902", birth, next(_sequence))
    person = Person.objects.create(
        name=f"舟山{number[-4:]}",
        id_number=number,
        birth_date=birth,
        sex="F",
        hukou_district="定海区",
        region="zhoushan",
    )
    Enrolment.objects.create(
        person=person,
        scheme="resident",
        category="adult_tier1",
        district="定海区",
        region="zhoushan",
        start_date=dt.date(2023, 1, 1),
        first_paid_on=dt.date(2023, 1, 1),
    )
    kinds = ["minimum_living", *(["mental_disability"] if mental_disability else [])]
    for kind in kinds:
        Certificate.objects.create(
            person=person, kind=kind, valid_from=dt.date(2023, 1, 1), registered_on=dt.date(2023, 1, 1)
        )
    return person


def settle(http, person, number, codes):
    body = {
        "id_number": person.id_number,
        "bill_number": number,
        "kind": "outpatient",
        "date": "2024-03-01",
        "eligible": "1000.00",
        "diagnosis_codes": codes,
    }
    response = http.post(API, body, format="json")
    assert response.status_code == 201, response.content.decode()
    return response.json()


def assistance_line(data):
    (line,) = [line for line in data["lines"] if line["article"] in (PSYCHIATRIC, GROUP_RATIO)]
    return line


def test_zhoushan_art_42_5_psychiatric_bill_of_a_certificate_holder_assisted_in_full(level2):
    """F20.0 with the certificate: fund 400.00; art. 42(5) 600.00 × 100 % = 600.00; cash 0.00."""
    person = zhoushan_resident(mental_disability=True)
    data = settle(level2, person, "MZ-PSY-1", ["F20.0"])
    assert data["basic_fund_paid"] == "400.00"
    assert data["catastrophic_paid"] == "0.00"
    assert data["assistance_paid"] == "600.00"
    assert data["cash_paid"] == "0.00"
    line = assistance_line(data)
    assert line["article"] == PSYCHIATRIC and line["amount"] == "600.00"
    assert "精神" in line["text"]


def test_zhoushan_art_42_1_same_holder_other_diagnosis_at_the_low_income_ratio(level2):
    """I10 with the certificate: not psychiatric, art. 42(1) 低保 600.00 × 70 % = 420.00; cash 180.00."""
    person = zhoushan_resident(mental_disability=True)
    data = settle(level2, person, "MZ-PSY-2", ["I10"])
    assert (data["assistance_paid"], data["cash_paid"]) == ("420.00", "180.00")
    assert assistance_line(data)["article"] == GROUP_RATIO


def test_zhoushan_art_42_5_needs_the_mental_disability_certificate(level2):
    """F32.1 without the certificate: 低保 70 % as any bill, 420.00; cash 180.00 (art. 42(1))."""
    person = zhoushan_resident(mental_disability=False)
    data = settle(level2, person, "MZ-PSY-3", ["F32.1"])
    assert (data["assistance_paid"], data["cash_paid"]) == ("420.00", "180.00")
    assert assistance_line(data)["article"] == GROUP_RATIO
