"""Demo contributions: a year of monthly records, resident payments, credited years, a retirement,
and the arrears check (one person suspended). Idempotent: records carry demo record ids.

Needs the 省平工资 override that `policy.demo` enters (DEMO value) and the persons of
`enrollment.demo`.
"""

import datetime as dt
from decimal import Decimal

from core import dates
from enrollment.demo import anchor, employer, months_ago, person, zhoushan_illustrative

from .models import (
    AgreementPayment,
    BaseDeclaration,
    ContributionRecord,
    CreditedPeriod,
    ResidentPayment,
    RetirementConfirmation,
)
from .services import (
    ContributionError,
    check_arrears,
    confirm_retirement,
    declare_base,
    record_agreement_payment,
    record_monthly_contribution,
    record_resident_payment,
)

# key, employer key (active only), last year's monthly wage, first and last month paid (months ago)
MONTHLY = [
    ("zhangsan", "tech", Decimal("12000"), 12, 1),
    ("lisi", None, None, 12, 3),  # the last 2 months unpaid → suspended (art. 15), no interruption yet
    ("wangfang", None, None, 12, 1),  # 低保: personal share subsidised (art. 13(5))
    ("zhaomin", None, None, 12, 1),  # paid while enrolled; back 2 months ago → waiting (art. 16)
    ("qianlao", None, None, 12, 4),  # unemployed on benefit until retirement
    ("chenye", None, None, 4, 1),  # unemployed on benefit (art. 13(6))
    ("sunli", None, None, 2, 1),  # switched to flexible (art. 73(1))
    ("zhouqiang", "hospital", Decimal("9000"), 1, 1),  # transferred in (art. 78)
]


def _declare_once(*, person, employer, year, monthly_wage) -> None:
    """A base is declared once a year (杭州 art. 13(2)); a second demo load declares nothing."""
    if not BaseDeclaration.objects.filter(person=person, employer=employer, year=year).exists():
        declare_base(
            person=person,
            employer=employer,
            year=year,
            monthly_wage=monthly_wage,
            declared_on=dt.date(year, 1, 5),
        )


def _monthly(key, employer_key, wage, first_ago, last_ago) -> int:
    who = person(key)
    made = 0
    for ago in range(first_ago, last_ago - 1, -1):
        month = months_ago(ago)
        if employer_key:
            _declare_once(person=who, employer=employer(employer_key), year=month.year, monthly_wage=wage)
        record_id = f"DEMO-{key}-{month:%Y%m}"
        if ContributionRecord.objects.filter(external_id=record_id).exists():
            continue
        try:
            record_monthly_contribution(
                person=who,
                month=month,
                paid_on=month.replace(day=15),
                source="tax_bureau",
                external_id=record_id,
            )
            made += 1
        except ContributionError:
            continue  # not enrolled in the employee scheme that month
    return made


def load(stdout) -> None:
    made = 0
    for item in MONTHLY:
        made += _monthly(*item)
    from enrollment.models import Person

    foreigner = Person.objects.get(id_number="USA330100198503079")
    for ago in range(12, 0, -1):
        month = months_ago(ago)
        _declare_once(
            person=foreigner, employer=employer("hospital"), year=month.year, monthly_wage=Decimal("15000")
        )
        record_id = f"DEMO-foreigner-{month:%Y%m}"
        if not ContributionRecord.objects.filter(external_id=record_id).exists():
            record_monthly_contribution(
                person=foreigner,
                month=month,
                paid_on=month.replace(day=15),
                source="tax_bureau",
                external_id=record_id,
            )
            made += 1

    # residents paid in the renewal period (杭州 art. 34, 35); the student before September
    year_start = dt.date(anchor().year, 1, 1)
    for key in ("sunli", "wuxiaobao", "fengyi", "chucan", "zhengda"):
        who = person(key)
        enrolment = who.enrolments.filter(scheme="resident").order_by("-start_date").first()
        if enrolment is None or ResidentPayment.objects.filter(enrolment=enrolment).exists():
            continue
        paid_on = (
            dt.date(enrolment.start_date.year, 8, 20)
            if enrolment.category == "student"
            else dt.date(year_start.year - 1, 12, 1)
        )
        record_resident_payment(
            enrolment=enrolment, paid_on=paid_on, external_id=f"DEMO-RES-{key}-{enrolment.start_date:%Y}"
        )

    # the agreement payer's one-time payment (杭州 art. 13(7))
    weixie = person("weixie").enrolments.filter(category="agreement").first()
    if weixie and not AgreementPayment.objects.filter(enrolment=weixie).exists():
        record_agreement_payment(
            enrolment=weixie,
            amount=Decimal("36000.00"),
            paid_on=weixie.start_date,
            standard="市政府协缴标准（演示金额，非官方）",
        )

    # contribution years and a retirement with the years met (杭州 art. 18–20)
    qianlao = person("qianlao")
    CreditedPeriod.objects.get_or_create(
        person=qianlao,
        kind=CreditedPeriod.Kind.LEGACY_LOCAL,
        first_month=dt.date(2000, 1, 1),
        defaults={
            "last_month": dt.date(2009, 12, 1),
            "evidence": "本市城镇企业职工大病住院基本医疗保险缴费记录（演示）",
        },
    )
    CreditedPeriod.objects.get_or_create(
        person=qianlao,
        kind=CreditedPeriod.Kind.DEEMED,
        first_month=dt.date(1985, 1, 1),
        defaults={"last_month": dt.date(1999, 12, 1), "evidence": "基本养老保险视同缴费年限（演示）"},
    )
    if not RetirementConfirmation.objects.filter(person=qianlao).exists():
        retire_on = months_ago(3)
        confirm_retirement(person=qianlao, retirement_date=retire_on, confirmed_on=retire_on)

    made += _zhoushan(stdout)
    suspended = check_arrears(on=anchor())
    stdout.write(
        f"contributions: {made} monthly records made ({ContributionRecord.objects.count()} in all), "
        f"{ResidentPayment.objects.count()} resident payments, {BaseDeclaration.objects.count()} base declarations, "
        f"{suspended} new suspensions on {dates.month_start(anchor())}\n"
    )


def _zhoushan(stdout) -> int:
    """舟山 art. 9, 27, 28 on the ILLUSTRATIVE figures: the employee and the flexible worker paid every
    month since January last year, the resident on time for this year (in last December)."""
    if not zhoushan_illustrative():
        return 0
    since_january = 12 + anchor().month - 1
    made = _monthly("zs_chenhai", "zs_fishery", Decimal("8000"), since_january, 1)
    made += _monthly("zs_yeshan", None, None, since_january, 1)
    resident = person("zs_lexiaomei").enrolments.filter(scheme="resident").order_by("-start_date").first()
    if resident and not ResidentPayment.objects.filter(enrolment=resident).exists():
        record_resident_payment(
            enrolment=resident,
            paid_on=dt.date(resident.start_date.year - 1, 12, 1),
            external_id=f"DEMO-RES-zs_lexiaomei-{resident.start_date:%Y}",
        )
    stdout.write(f"contributions: 舟山 {made} monthly records on the ILLUSTRATIVE figures (示例参数)\n")
    return made
