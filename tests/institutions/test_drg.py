"""The DRG year-end settlement (杭州 art. 90): a hand-worked year of 3 hospitals and 5 DRGs, to the fen.

Parameters the agency sets (杭州 art. 90 leaves them to 另行制定), entered as overrides:
level coefficients level3 1.0 / other 0.9 / community 0.8; high outlier above 3 × the group's
average cost, low outlier below 0.4 ×; stays of 60 days or more by bed-day at 0.05 points a day.

DRG table: G1 1.0 (avg 10,000), G2 2.0 (20,000), G3 0.5 (5,000), G4 3.0 (30,000), G5 1.5 (15,000).

Hospital A (level 3): G1 cost 10,000 → 1.0; G2 20,000 → 2.0; G4 100,000 → ratio 3.3333 > 3, high:
  3.0 × (3.3333 − 3 + 1) = 4.0. Points 7.0 × 1.0 = 7.0. Fund paid 8,000 + 15,000 + 60,000 = 83,000.
Hospital B (other): G3 cost 1,000 → ratio 0.2 < 0.4, low: 0.5 × 0.2 = 0.1; G5 15,000 → 1.5; a stay of
  80 days → 80 × 0.05 = 4.0; one bill without DRG paid by item (fund 3,000). Points 5.6 × 0.9 = 5.04.
  Fund paid for DRG and bed-day cases 800 + 12,000 + 20,000 = 32,800.
Hospital C (community): G1 8,000 → 1.0; G3 5,000 → 0.5; a G2 bill reversed (no points, 16,000 − 16,000).
  Points 1.5 × 0.8 = 1.2. Fund paid 6,000 + 4,000 = 10,000.

District budget 100,000.00; item-paid 3,000.00; to share 97,000.00 over 13.24 points:
point value = 97,000 ÷ 13.24 = 7,326.283988 (kept exact).
Exact dues: A 51,283.98792, B 36,924.47130, C 8,791.54079; cut to the fen 51,283.98 + 36,924.47 +
8,791.54 = 96,999.99; the one fen left goes to the largest remainder, A → 51,283.99.
Year-end: A 51,283.99 − 83,000 = −31,716.01; B 36,924.47 − 32,800 = +4,124.47;
C 8,791.54 − 10,000 = −1,208.46.
Paid in all: 128,800 in the clearings − 28,800 at year end = 100,000.00, the budget.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.models import Settlement
from institutions import clearing, drg, tables
from institutions.models import DrgTable, DrgWeight, DrgYearLine
from policy import drg as rules

from .conftest import COMMUNITY, LEVEL3, OTHER
from .conftest import direct_bill as bill

pytestmark = pytest.mark.django_db

YEAR = 2024
DRG_CSV = "code,name,weight,average_cost\nG1,组一,1.0,10000\nG2,组二,2.0,20000\nG3,组三,0.5,5000\nG4,组四,3.0,30000\nG5,组五,1.5,15000\n"
PARAMETERS = {
    "drg.level_coefficient": "{level3: 1.0, other: 0.9, community: 0.8}",
    "drg.high_outlier_ratio": "3.0",
    "drg.low_outlier_ratio": "0.4",
    "drg.bed_day_threshold_days": "60",
    "drg.bed_day_points": "0.05",
}


def set_parameters():
    from policy.models import ParameterOverride

    for name, value in PARAMETERS.items():
        ParameterOverride.objects.create(
            region="hangzhou",
            name=name,
            effective_from=dt.date(2024, 1, 1),
            value=value,
            note="测试：经办机构设定",
        )


@pytest.fixture
def year(institutions, agreement_factory, person_factory, clerk):
    set_parameters()
    a, b, c = institutions[LEVEL3], institutions[OTHER], institutions[COMMUNITY]
    for institution in (a, b, c):
        agreement_factory(institution)
    person = person_factory()
    bill(a, person, drg="G1", cost="10000", fund="8000")
    bill(a, person, drg="G2", cost="20000", fund="15000")
    bill(a, person, drg="G4", cost="100000", fund="60000")
    bill(b, person, drg="G3", cost="1000", fund="800")
    bill(b, person, drg="G5", cost="15000", fund="12000")
    bill(b, person, cost="9000", fund="3000")
    bill(
        b, person, drg="G1", cost="50000", fund="20000", days=80
    )  # a long stay: by bed-day, whatever its DRG
    bill(c, person, drg="G1", cost="8000", fund="6000")
    bill(c, person, drg="G3", cost="5000", fund="4000")
    reversed_one = bill(c, person, drg="G2", cost="20000", fund="16000", discharge=dt.date(2024, 7, 1))
    bill(
        c, person, drg="G2", cost="20000", fund="16000", discharge=dt.date(2024, 7, 1), reverses=reversed_one
    )
    tables.import_drg_table(
        region="hangzhou",
        year=YEAR,
        effective_from=dt.date(2024, 1, 1),
        content=DRG_CSV.encode(),
        filename="drg.csv",
    )
    tables.import_budget_table(
        region="hangzhou",
        year=YEAR,
        effective_from=dt.date(2024, 1, 1),
        content="辖区,住院预算\n西湖区,100000.00\n".encode(),
        filename="budget.csv",
    )
    for month in range(1, 13):
        for each in clearing.draw_up(month=dt.date(YEAR, month, 1)):
            clearing.approve(clearing=each, user=clerk)
    return a, b, c


def test_hand_worked_year_art90(year, clerk):
    a, b, c = year
    drg_year = drg.run_year_end(region="hangzhou", year=YEAR, user=clerk)
    [district] = drg_year.districts
    assert district["available"] == "97000.00" and district["total_points"] == "13.2400"
    assert district["point_value"] == "7326.283988"
    lines = {line.institution_id: line for line in DrgYearLine.objects.filter(drg_year=drg_year)}
    assert (lines[a.pk].points, lines[b.pk].points, lines[c.pk].points) == (
        Decimal("7.0000"),
        Decimal("5.0400"),
        Decimal("1.2000"),
    )
    assert (lines[a.pk].due, lines[b.pk].due, lines[c.pk].due) == (
        Decimal("51283.99"),
        Decimal("36924.47"),
        Decimal("8791.54"),
    )
    assert (lines[a.pk].paid, lines[b.pk].paid, lines[c.pk].paid) == (
        Decimal("83000.00"),
        Decimal("32800.00"),
        Decimal("10000.00"),
    )
    assert (lines[a.pk].balance, lines[b.pk].balance, lines[c.pk].balance) == (
        Decimal("-31716.01"),
        Decimal("4124.47"),
        Decimal("-1208.46"),
    )


def test_total_paid_equals_the_budget_to_the_fen(year, clerk):
    """Item-paid payments + every hospital's due = the budget exactly; with what the clearings paid, the year pays the budget."""
    drg_year = drg.run_year_end(region="hangzhou", year=YEAR, user=clerk)
    lines = list(DrgYearLine.objects.filter(drg_year=drg_year))
    assert sum(line.due for line in lines) + Decimal("3000.00") == Decimal("100000.00")
    in_clearings = sum(
        Settlement.objects.filter(bill_kind="inpatient").values_list("basic_fund_paid", flat=True), Decimal(0)
    )
    assert in_clearings + sum(line.balance for line in lines) == Decimal("100000.00")


def test_refuses_while_a_month_is_not_cleared(institutions, agreement_factory, clerk):
    set_parameters()
    agreement_factory(institutions[LEVEL3])
    for month in range(1, 12):
        for each in clearing.draw_up(month=dt.date(YEAR, month, 1)):
            clearing.approve(clearing=each, user=clerk)
    clearing.draw_up(month=dt.date(YEAR, 12, 1))  # December drawn up, not approved
    with pytest.raises(ValidationError) as error:
        drg.run_year_end(region="hangzhou", year=YEAR)
    assert "12月" in str(error.value)


def test_missing_agency_parameter_is_named(year):
    from policy.models import ParameterOverride

    ParameterOverride.objects.filter(name="drg.bed_day_points").delete()
    with pytest.raises(ValidationError) as error:
        drg.run_year_end(region="hangzhou", year=YEAR)
    assert "drg.bed_day_points" in str(error.value) and "第九十条" in str(error.value)


def test_approved_year_is_not_run_again(year, clerk):
    drg_year = drg.run_year_end(region="hangzhou", year=YEAR)
    drg.approve_year(drg_year=drg_year, user=clerk)
    with pytest.raises(ValidationError):
        drg.run_year_end(region="hangzhou", year=YEAR)
    with pytest.raises(ValidationError):
        drg.approve_year(drg_year=drg_year, user=clerk)


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**9, places=2),
    shares=st.lists(
        st.decimals(min_value=Decimal("0.0001"), max_value=10**6, places=4), min_size=1, max_size=30
    ),
)
def test_allocate_adds_up_to_the_fen_and_is_within_a_fen(amount, shares):
    keyed = {f"H{index:03d}": share for index, share in enumerate(shares)}
    parts = rules.allocate(amount, keyed)
    assert sum(parts.values()) == amount
    total = sum(keyed.values())
    for key, part in parts.items():
        assert abs(part - amount * keyed[key] / total) < Decimal("0.01")
        assert part.as_tuple().exponent == -2


# --- tables -----------------------------------------------------------------------------------


def refused(content: bytes, filename="drg.csv"):
    with pytest.raises(tables.TableRefused) as error:
        tables.import_drg_table(
            region="hangzhou",
            year=YEAR,
            effective_from=dt.date(2024, 1, 1),
            content=content,
            filename=filename,
        )
    assert DrgTable.objects.count() == 0 and DrgWeight.objects.count() == 0  # nothing loaded
    return [str(e) for e in error.value.errors]


def test_duplicate_code_negative_weight_refused_row_by_row():
    errors = refused(b"code,weight,average_cost\nG1,1.0,100\nG2,-1,100\nG1,2,100\nG3,abc,100\n")
    assert errors == [
        "第 3 行 weight：不能为负数：-1",
        "第 4 行 code：DRG 编码 G1 重复（第 2 行）",
        "第 5 行 weight：不是数字：'abc'",
    ]


def test_missing_column_refused():
    errors = refused(b"code,weight\nG1,1.0\n")
    assert len(errors) == 1 and "average_cost" in errors[0] and errors[0].startswith("第 1 行")


def test_xlsx_is_loaded_as_the_next_version():
    from openpyxl import Workbook

    tables.import_drg_table(
        region="hangzhou",
        year=YEAR,
        effective_from=dt.date(2024, 1, 1),
        content=DRG_CSV.encode(),
        filename="a.csv",
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["DRG编码", "病组名称", "权重", "均次费用"])
    sheet.append(["G1", "组一", 1.1, 10000])
    sheet.append(["G2", "组二", 2.2, 20000])
    buffer = io.BytesIO()
    book.save(buffer)
    table = tables.import_drg_table(
        region="hangzhou",
        year=YEAR,
        effective_from=dt.date(2024, 7, 1),
        content=buffer.getvalue(),
        filename="b.xlsx",
    )
    assert table.version == 2
    assert dict(table.weights.values_list("code", "weight")) == {
        "G1": Decimal("1.1000"),
        "G2": Decimal("2.2000"),
    }
    assert tables.table_in_force(DrgTable, region="hangzhou", year=YEAR, on=dt.date(2024, 3, 1)).version == 1
    assert (
        tables.table_in_force(DrgTable, region="hangzhou", year=YEAR, on=dt.date(2024, 12, 31)).version == 2
    )


def test_xlsx_with_errors_loads_nothing():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["code", "weight", "average_cost"])
    book.active.append(["G1", -0.5, 100])
    buffer = io.BytesIO()
    book.save(buffer)
    assert refused(buffer.getvalue(), "bad.xlsx") == ["第 2 行 weight：不能为负数：-0.5"]


# --- the bill carries its DRG ------------------------------------------------------------------


def test_inpatient_bill_carries_an_optional_drg_code(hospital, person_factory):
    from .conftest import inpatient

    person = person_factory()
    response = hospital.post("/api/v1/settlements/", inpatient(person, "D1", drg_code="GB19"), format="json")
    assert response.status_code == 201, response.content
    assert Settlement.objects.get(pk=response.json()["settlement_id"]).drg_code == "GB19"
    response = hospital.post(
        "/api/v1/settlements/",
        inpatient(person, "D2", discharge="2024-04-01", admission="2024-03-25"),
        format="json",
    )
    assert (
        response.status_code == 201
        and Settlement.objects.get(pk=response.json()["settlement_id"]).drg_code == ""
    )
    outpatient = {
        "id_number": person.id_number,
        "bill_number": "M1",
        "kind": "outpatient",
        "date": "2024-03-01",
        "eligible": "100.00",
        "drg_code": "GB19",
    }
    response = hospital.post("/api/v1/settlements/", outpatient, format="json")
    assert response.status_code == 400 and "drg_code" in response.json().get("errors", response.json())
