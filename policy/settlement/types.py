"""Plain data the settlement rules work on: no ORM, no I/O, JSON-safe where stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from operator import attrgetter
from typing import Any

from policy.explain import Line, money_text
from policy.money import ZERO

SCHEMES = ("employee", "resident")
CATEGORIES = {
    "employee": ("active", "retired", "flexible"),
    "resident": ("child", "student", "adult_tier1", "adult_tier2", "adult_tier3"),
}
CERTIFICATES = (
    "extreme_poverty",
    "minimum_living",
    "low_income_edge",
    "disability_living",
    "disability_grade2",
)
CERTIFICATE_NAMES = {
    "extreme_poverty": "特困人员救助供养证",
    "minimum_living": "最低生活保障家庭证",
    "low_income_edge": "最低生活保障边缘家庭证",
    "disability_living": "残疾人基本生活保障证",
    "disability_grade2": "二级及以上残疾人证",
}
KINDS = ("outpatient", "pharmacy", "inpatient", "specified_disease")
LEVELS = ("level3", "other", "community")
# The first four are the contract's; the last three are the counter's reimbursement cases (规程 §5).
SETTLEMENTS = (
    "local",
    "direct_offsite",
    "reimbursed_in_province",
    "reimbursed_out_of_province",
    "non_designated_in_referral_area",
    "abroad_temporary",
    "unfiled_self_referral",
)
INPATIENT_KINDS = ("inpatient", "specified_disease")
# 舟山 art. 32(2) distinguishes tuberculosis and uncomplicated hypertension/diabetes from other chronic diseases
CHRONIC_DISEASES = ("general", "tuberculosis", "hypertension_diabetes")


@dataclass(frozen=True)
class PersonProfile:
    """Who the person is for the rules on the bill's date (the caller resolves certificates valid that day)."""

    region: str
    scheme: str
    category: str
    age: int
    certificate: str | None = None
    contracted_gp: bool = False
    use_historical_funds: bool = True
    # 舟山 art. 42(5): an assistance recipient who also holds a mental-disability certificate on the bill date
    mental_disability: bool = False

    @property
    def is_retired(self) -> bool:
        return self.scheme == "employee" and self.category == "retired"

    @property
    def is_student(self) -> bool:
        return self.scheme == "resident" and self.category == "student"


@dataclass(frozen=True)
class Bill:
    """One medical bill; for inpatient bills `date` is the discharge date (杭州 art. 64(6))."""

    id: str
    date: dt.date
    kind: str
    institution_level: str = "other"
    at_contracted_centre: bool = False
    referred_by_contracted_centre: bool = False
    settlement: str = "local"
    out_of_scope: Decimal = ZERO
    self_pay_first: Decimal = ZERO
    eligible: Decimal = ZERO
    special_drug: Decimal = ZERO
    # 舟山 art. 23(2), 32(2): an outpatient bill of a chronic-disease visit (慢性病门诊), one of
    # CHRONIC_DISEASES; None for an ordinary visit. Hangzhou's measures set no separate chronic ratio.
    chronic_disease: str | None = None
    # 舟山 art. 23(4), 32(4): a pharmacy bill bought on an electronic prescription (电子外配处方) of an
    # in-city designated institution of this level (one of LEVELS); 杭州 art. 64(4)(5) keep the pharmacy ratio.
    prescribed_at: str | None = None
    # the bill's diagnoses (ICD-10 codes); 舟山 art. 42(5) assists psychiatric treatment (chapter V, F00–F99)
    diagnosis_codes: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.out_of_scope + self.self_pay_first + self.eligible + self.special_drug


@dataclass
class Balances:
    """Personal account balances before a bill."""

    current_funds: Decimal = ZERO
    historical_funds: Decimal = ZERO


@dataclass(frozen=True)
class SettlementYear:
    key: str
    start: dt.date
    end: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


_DECIMAL_FIELDS = (
    "inpatient_deductible_paid",
    "offsite_deductible_paid",
    "inpatient_eligible",
    "basic_fund_paid",
    "outpatient_deductible_paid",
    "catastrophic_qualifying",
    "catastrophic_paid",
    "assistance_paid",
    "assistance_outpatient_paid",
)


@dataclass
class YearState:
    """One person's accumulators for ONE settlement year (规程 §2), in bill order."""

    year: str | None = None
    # inpatient deductible: highest level counted so far and what was paid (杭州 art. 28(1); 舟山 art. 24(1), 33(1))
    inpatient_highest_level: str | None = None
    inpatient_deductible_paid: Decimal = ZERO
    # 舟山 art. 24(1), 33(1): the out-of-city deductible, once a year
    offsite_deductible_paid: Decimal = ZERO
    # cumulative eligible inpatient amount, deductible included (规程 §3.3)
    inpatient_eligible: Decimal = ZERO
    # everything the basic fund paid this year (舟山 art. 35 limit)
    basic_fund_paid: Decimal = ZERO
    outpatient_deductible_paid: Decimal = ZERO
    # the GP-contract deductible reduction has been earned this year (杭州 art. 29(5), 40(3))
    gp_reduction: bool = False
    catastrophic_qualifying: Decimal = ZERO
    catastrophic_paid: Decimal = ZERO
    assistance_paid: Decimal = ZERO
    assistance_outpatient_paid: Decimal = ZERO
    bills: int = 0

    @classmethod
    def empty(cls, year: str | None = None) -> YearState:
        return cls(year=year)

    def copy(self, **changes) -> YearState:
        """A shallow copy (every field is immutable), faster than dataclasses.replace."""
        new = object.__new__(YearState)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def to_dict(self) -> dict:
        out = {}
        for item in fields(self):
            value = getattr(self, item.name)
            out[item.name] = f"{value:.2f}" if isinstance(value, Decimal) else value
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> YearState:
        if not data:
            return cls()
        known = {item.name for item in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                continue
            values[name] = Decimal(value) if name in _DECIMAL_FIELDS else value
        return cls(**values)


COMPONENTS = (
    "total",
    "current_funds_paid",
    "deductible",
    "basic_fund_paid",
    "catastrophic_paid",
    "assistance_paid",
    "historical_funds_paid",
    "cash_paid",
)


# the COMPONENTS of anything that has them as attributes, as a tuple in their order
component_values = attrgetter(*COMPONENTS)


@dataclass
class BillResult:
    """The settlement of one bill: components that add up to `total`, lines in the order applied."""

    bill_id: str
    year: str
    total: Decimal
    current_funds_paid: Decimal = ZERO
    deductible: Decimal = ZERO
    basic_fund_paid: Decimal = ZERO
    catastrophic_paid: Decimal = ZERO
    assistance_paid: Decimal = ZERO
    historical_funds_paid: Decimal = ZERO
    cash_paid: Decimal = ZERO
    lines: list[Line] = field(default_factory=list)
    state: YearState | None = None
    balances: Balances | None = None
    illustrative: bool = False

    def as_dict(self) -> dict:
        """The contract's bill object: components and line amounts at two places, lines in the order applied."""
        return bill_object(self.bill_id, self.year, self, self.illustrative, self.lines)


def bill_object(bill_id: str, year: str, amounts, illustrative: bool, lines) -> dict:
    """The contract's bill object, from anything with the COMPONENTS as attributes (a BillResult, the rules' work)."""
    return {
        "id": bill_id,
        **dict(zip(COMPONENTS, map(money_text, component_values(amounts)), strict=True)),
        "settlement_year": year,
        "illustrative": illustrative,
        "lines": [
            {"article": article, "text": text, "amount": money_text(amount)}
            for article, text, amount in lines
        ],
    }
