"""Demo data of chapter 9: two agreements (one with outpatient care suspended), a cleared month with
its PDF statement and a month awaiting approval, a DRG year with its year-end settlement, and
supervision flags awaiting review.

Idempotent: agreements by number, breaches by agreement and description, tables only when the
year has none, the DRG year's bills by their key, clearings by (institution, month) (an
approved month is never drawn up again), flags once per (settlement, rule).

The DRG year is the year before the demo year: its inpatient bills, each with the DRG code the
hospital's grouper gave it, are settled through the claims settlement service (`claims.services.settle`,
as the hospitals' API does), so the fund amounts the year-end reads are the engine's; every month
of it is cleared. The agency's DRG parameters, which the measures leave to it
(具体办法另行制定), are entered as dated overrides marked as demo values.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from . import agreements, clearing, drg, supervision, tables
from .models import Agreement, Breach, BudgetTable, Clearing, DrgTable, DrgYear, Flag

HOSPITAL, COMMUNITY = "H330100001", "C330100003"
DISTRICT = "西湖区"
DRG_TABLE = (
    "DRG编码,病组名称,权重,均次费用\n"
    "GB19,胃肠手术伴并发症,2.1,25000\n"
    "ES29,呼吸系统感染,1.0,12000\n"
    "FM19,经皮心血管介入治疗,3.0,40000\n"
    "IB39,关节置换,2.5,45000\n"
    "RU19,化学治疗,0.6,6000\n"
)
PARAMETERS = {
    "drg.level_coefficient": "{level3: 1.0, other: 0.9, community: 0.8}",
    "drg.high_outlier_ratio": "3.0",
    "drg.low_outlier_ratio": "0.4",
    "drg.bed_day_threshold_days": "60",
    "drg.bed_day_points": "0.05",
}
# discharge day, institution, DRG, days, eligible cost: the previous year's inpatient bills of the demo patient
DRG_BILLS = [
    ((3, 10), HOSPITAL, "ES29", 5, "12000.00"),
    ((6, 15), HOSPITAL, "GB19", 8, "25000.00"),
    ((6, 15), COMMUNITY, "RU19", 2, "1500.00"),  # same day, overlapping: flagged
    ((9, 20), HOSPITAL, "FM19", 15, "150000.00"),  # high outlier
    ((10, 5), HOSPITAL, "", 4, "8000.00"),  # no DRG: paid by item
    ((11, 2), COMMUNITY, "ES29", 6, "11000.00"),
]


def _year() -> int:
    today = timezone.localdate()
    return today.year if today >= dt.date(today.year, 3, 1) else today.year - 1


def load(stdout) -> None:
    from claims import selectors as claims_selectors
    from users.models import User

    hospital = claims_selectors.institution_by_code(HOSPITAL)
    community = claims_selectors.institution_by_code(COMMUNITY)
    if hospital is None or community is None:
        stdout.write("institutions: claims demo institutions missing, skipped")
        return
    clerk = User.objects.filter(username="admin").first()
    year = _year()
    previous = year - 1
    region = hospital.region
    first = _agreement(hospital, f"XY-{previous}-{HOSPITAL}", previous, year, list(agreements.SERVICE_CODES))
    second = _agreement(
        community,
        f"XY-{previous}-{COMMUNITY}",
        previous,
        year,
        ["inpatient", "outpatient", "specified_disease"],
    )
    _suspension(second, dt.date(year, 11, 1))
    stdout.write(f"institutions: agreements {first.number}, {second.number} (outpatient suspended)")

    _parameters(region, previous)
    _tables(region, previous)
    _drg_bills(hospital, community, previous, stdout)
    for month in range(1, 13):
        _clear(dt.date(previous, month, 1), clerk)
    flags = supervision.run(day=dt.date(previous, 6, 15))
    drg_year = DrgYear.objects.filter(region=region, year=previous).first()
    if drg_year is None:
        drg_year = drg.run_year_end(region=region, year=previous, user=clerk)
    stdout.write(f"institutions: {drg_year} with {drg_year.lines.count()} hospitals; {flags} new flags")

    january = _clear(dt.date(year, 1, 1), clerk)
    clearing.draw_up(month=dt.date(year, 2, 1))
    stdout.write(
        f"institutions: {len(january)} clearings of {year}-01 approved with PDF; {year}-02 awaits approval; "
        f"{Flag.objects.filter(state='open').count()} flags await review"
    )


def _agreement(institution, number, start_year, end_year, services) -> Agreement:
    found = Agreement.objects.filter(number=number).first()
    if found:
        return found
    return agreements.create_agreement(
        institution=institution,
        number=number,
        district=DISTRICT,
        start_date=dt.date(start_year, 1, 1),
        end_date=dt.date(end_year, 12, 31),
        services=services,
        terms="按医保服务协议提供医药服务，执行医保支付、价格及集中采购政策。（演示）",
        signed_on=dt.date(start_year - 1, 12, 20),
    )


def _suspension(agreement: Agreement, since: dt.date) -> None:
    description = "门诊费用涉嫌分解处方，调查期间暂停普通门诊结算（演示）"
    if not Breach.objects.filter(agreement=agreement, description=description).exists():
        agreements.record_breach(
            agreement=agreement,
            found_on=since,
            description=description,
            sanction="suspend_services",
            services=["outpatient"],
            starts_on=since,
            clause="协议第二十条",
        )


def _parameters(region: str, year: int) -> None:
    from policy.models import ParameterOverride

    for name, value in PARAMETERS.items():
        ParameterOverride.objects.get_or_create(
            region=region,
            name=name,
            effective_from=dt.date(year, 1, 1),
            defaults={"value": value, "note": "演示：经办机构设定（具体办法另行制定）"},
        )


def _tables(region: str, year: int) -> None:
    if not DrgTable.objects.filter(region=region, year=year).exists():
        tables.import_drg_table(
            region=region,
            year=year,
            effective_from=dt.date(year, 1, 1),
            content=DRG_TABLE.encode(),
            filename="drg-weights-demo.csv",
            note="演示",
        )
    if not BudgetTable.objects.filter(region=region, year=year).exists():
        tables.import_budget_table(
            region=region,
            year=year,
            effective_from=dt.date(year, 1, 1),
            content=f"辖区,住院预算\n{DISTRICT},180000.00\n".encode(),
            filename="budget-demo.csv",
            note="演示",
        )


def _drg_bills(hospital, community, year: int, stdout) -> None:
    """The DRG year's inpatient bills, settled as the hospital's API settles them (a replay returns the first)."""
    from claims import services as claims_services
    from enrollment.models import Person

    person = Person.objects.order_by("id").first()
    if person is None:
        return
    by_code = {HOSPITAL: hospital, COMMUNITY: community}
    for index, ((month, day), code, drg_code, days, cost) in enumerate(DRG_BILLS, start=1):
        discharge = dt.date(year, month, day)
        bill = claims_services.BillInput(
            bill_number=f"DEMO-DRG-{year}-{index}",
            kind="inpatient",
            admission_date=discharge - dt.timedelta(days=days),
            discharge_date=discharge,
            eligible=Decimal(cost),
            drg_code=drg_code,
        )
        body = {
            "demo": True,
            "person": person.pk,
            "bill_number": bill.bill_number,
            "kind": bill.kind,
            "admission_date": str(bill.admission_date),
            "discharge_date": str(discharge),
            "eligible": cost,
            "drg_code": drg_code,
        }
        try:
            claims_services.settle(person=person, institution=by_code[code], bill=bill, body=body)
        except claims_services.ClaimError as error:
            stdout.write(f"institutions: DRG bill {bill.bill_number} not settled: {error.text}")


def _clear(month: dt.date, clerk) -> list[Clearing]:
    from .tasks import render

    approved = []
    for draft in clearing.draw_up(month=month):
        approved.append(clearing.approve(clearing=draft, user=clerk))
    for each in Clearing.objects.filter(month=month).exclude(state=Clearing.State.DRAFT):
        if each.pdf_status != Clearing.PdfStatus.READY:
            render(each.pk)
    return approved
