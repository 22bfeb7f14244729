"""舟山 art. 42(5) in the settlement: a recipient holding a mental-disability certificate is assisted in
full on psychiatric costs (ICD-10 chapter V, F00–F99). Illustrative Zhoushan parameters
(zhoushan-illustrative.yaml): resident outpatient at a level-2 institution 40 %, no outpatient
deductible; catastrophic for recipients from 10,000; 低保 assistance 70 %, yearly cap 100,000.
"""

import datetime as dt
from decimal import Decimal

from policy.parameters import parameters_for
from policy.settlement import Balances, Bill, PersonProfile, YearState, settle_bill

ON = dt.date(2024, 3, 1)


def _settle(*, mental_disability: bool, codes: tuple[str, ...]):
    person = PersonProfile(
        region="zhoushan",
        scheme="resident",
        category="adult_tier1",
        age=40,
        certificate="minimum_living",
        mental_disability=mental_disability,
    )
    bill = Bill(
        id="psy1",
        date=ON,
        kind="outpatient",
        institution_level="other",
        eligible=Decimal("1000.00"),
        diagnosis_codes=codes,
    )
    return settle_bill(
        person=person,
        bill=bill,
        state=YearState.empty(),
        balances=Balances(),
        params=parameters_for("zhoushan", ON, illustrative=True),
    )


def test_art_42_5_psychiatric_bill_of_mental_disability_holder_assisted_in_full():
    """1,000 eligible: fund 1,000 × 40 % = 400; burden 600 below the catastrophic deductible;
    art. 42(5): 600 × 100 % = 600 assisted; cash 0."""
    result = _settle(mental_disability=True, codes=("F20.0",))
    assert result.basic_fund_paid == Decimal("400.00")
    assert result.catastrophic_paid == Decimal("0.00")
    assert result.assistance_paid == Decimal("600.00")
    assert result.cash_paid == Decimal("0.00")
    line = result.lines[-2]
    assert line.article == "舟山 第四十二条第(五)项" and line.amount == Decimal("600.00")
    assert "精神" in line.text and "100%" in line.text


def test_art_42_1_same_holder_other_diagnosis_at_the_group_ratio():
    """Not a psychiatric diagnosis (I10): 低保 70 % of 600 = 420; cash 180 (art. 42(1), 41)."""
    result = _settle(mental_disability=True, codes=("I10",))
    assert result.assistance_paid == Decimal("420.00")
    assert result.cash_paid == Decimal("180.00")


def test_art_42_5_needs_the_certificate():
    """A 低保 recipient without a mental-disability certificate: a psychiatric bill at 70 % too (420)."""
    result = _settle(mental_disability=False, codes=("F32.1",))
    assert result.assistance_paid == Decimal("420.00")
