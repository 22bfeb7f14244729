"""Demo data of the funds: the books posted, 2025 closed for Hangzhou with its deficit cover, and published.

Hangzhou art. 97 leaves the municipal risk fund's share of an employee-fund deficit to rules
made separately, so the demo enters a clearly labelled DEMO share as an override (like the
DEMO 省平工资 of the policy demo); a real deployment enters the rule's figure instead.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from policy.models import ParameterOverride

from . import posting, services
from .models import ReformDraft, SimulationRun, YearClose
from .simulation import start_run
from .simulation.run import carry_out

DEMO_YEAR = 2025
DEMO_RISK_FUND_SHARE = (
    "hangzhou",
    "funds.deficit.risk_fund_share",
    dt.date(2021, 1, 1),
    "0.40",
    "DEMO 演示用数值：市级职工医保风险调剂金承担职工医保统筹基金赤字的比例由另行规定的办法确定（杭州 第九十七条），"
    "为使演示能完成年度决算而设。正式使用前请删除本条，按市政府规定录入。",
)


# A district of retirees only: their personal accounts are credited from the employee fund every month
# (杭州 art. 23) and no one there pays a contribution, so the district's employee fund closes DEMO_YEAR in
# deficit, covered per art. 95, 97. Made through the services (registration, enrolment, monthly credits).
DEFICIT_DISTRICT = "拱墅区"
RETIREES = [("演示退休人员甲", dt.date(1950, 3, 3), 7), ("演示退休人员乙", dt.date(1952, 8, 8), 9)]
DEMO_PENSION = Decimal("5800.00")  # demo data: a retiree's monthly pension


def load_retirees(stdout) -> None:
    """DEMO_YEAR's credits of the retirees of DEFICIT_DISTRICT (once: persons by ID number, credits by month)."""
    from django.core.exceptions import ValidationError

    from accounts.models import Account
    from accounts.services import credit_month
    from core.identity import make_resident_id
    from enrollment.models import Person
    from enrollment.services import enrol, register_person

    credited = 0
    for name, birth, sequence in RETIREES:
        number = make_resident_id("330105", birth, sequence)
        person = Person.objects.filter(id_number=number).first()
        try:
            if person is None:
                person = register_person(
                    name=name,
                    id_number=number,
                    birth_date=birth,
                    sex="M" if sequence % 2 else "F",
                    hukou_local=True,
                    hukou_district=DEFICIT_DISTRICT,
                    residence_district=DEFICIT_DISTRICT,
                )
                enrol(
                    person=person,
                    category="retired",
                    district=DEFICIT_DISTRICT,
                    start_date=dt.date(DEMO_YEAR, 1, 1),
                    pension=DEMO_PENSION,
                    handled_on=dt.date(DEMO_YEAR, 1, 1),
                    _allow_retired=True,
                )
            account = Account.objects.get(person=person)
            for month in range(1, 13):
                credited += credit_month(account=account, year=DEMO_YEAR, month=month) is not None
        except (ValidationError, Account.DoesNotExist) as error:
            stdout.write(f"funds: demo retiree {name} not enrolled/credited: {error}\n")
    stdout.write(f"funds: {DEFICIT_DISTRICT} retirees' {DEMO_YEAR} account credits: {credited} new\n")


def load(stdout) -> None:
    region, name, effective_from, value, note = DEMO_RISK_FUND_SHARE
    ParameterOverride.objects.get_or_create(
        region=region, name=name, effective_from=effective_from, defaults={"value": value, "note": note}
    )
    if not YearClose.objects.filter(region="hangzhou", year=DEMO_YEAR).exists():
        load_retirees(stdout)
        # This year's credits and payments of the new retirees now, as for every account, so that a
        # second load_demo finds nothing left to write.
        from accounts import demo as accounts_demo

        accounts_demo.load(stdout)
    written = posting.post_all()
    load_simulations(stdout)
    stdout.write(f"funds: posted {sum(written.values())} journal entries\n")
    if timezone.localdate() <= dt.date(DEMO_YEAR, 12, 31):
        stdout.write(f"funds: {DEMO_YEAR} not over yet, not closed\n")
        return
    close = YearClose.objects.filter(region="hangzhou", year=DEMO_YEAR).first()
    if close is None:
        close = services.close_year(region="hangzhou", year=DEMO_YEAR)
        stdout.write(f"funds: closed hangzhou {DEMO_YEAR}: {close.shares.count()} deficit shares\n")
    if close.status != YearClose.Status.PUBLISHED:
        services.publish(close=close)
        stdout.write(f"funds: published hangzhou {DEMO_YEAR}\n")


def _ratio_choice(community: str, year: int) -> list:
    """杭州 art. 29(3): the active employees' outpatient ratios with the community ratio set to `community`."""
    value = f"{{active: {{level3: 0.76, other: 0.80, community: {community}}}, retired: {{level3: 0.82, other: 0.86, community: 0.92}}}}"
    return [{"name": "outpatient.employee.ratio", "effective_from": f"{year}-01-01", "value": value}]


REFORM_DRAFTS = [
    ("演示：在职职工社区门诊支付比例 88%", "0.88"),
    ("演示：在职职工社区门诊支付比例 90%", "0.90"),
]


def load_simulations(stdout) -> None:
    """Two outpatient-ratio choices (杭州 art. 33 review), each with a finished run over the demo's bills."""
    from django.apps import apps

    latest = (
        apps.get_model("claims", "Settlement")
        .objects.filter(region="hangzhou")
        .order_by("-bill_date")
        .first()
    )
    if latest is None:
        stdout.write("funds: no settled bills, no simulation\n")
        return
    year = latest.bill_date.year
    for name, community in REFORM_DRAFTS:
        draft, _created = ReformDraft.objects.get_or_create(
            name=name,
            defaults={
                "region": "hangzhou",
                "year": year,
                "changes": _ratio_choice(community, year),
                "note": "演示数据：比较两种门诊支付比例",
            },
        )
        if not draft.runs.filter(status=SimulationRun.Status.DONE).exists():
            run = carry_out(start_run(draft=draft))
            stdout.write(f"funds: simulation {name}: {run.status}\n")
