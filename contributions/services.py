"""Business actions on contributions: each a plain function, one transaction.

Amounts are always computed by `policy.contributions` with the parameters of the date the
contribution is for, and stored with their explanation lines. Payments are the records
that start benefits (`Enrolment.first_paid_on`) and lift suspensions; the arrears check
writes the suspensions (杭州 art. 15, 16; 舟山 art. 14, 15).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enrollment import dates
from enrollment.identity import mask_id_number, normalise_id_number
from enrollment.models import (
    CERTIFICATE_PRIORITY,
    Category,
    Employer,
    Enrolment,
    Person,
    Scheme,
    Suspension,
)
from enrollment.services import end_enrolment, enrol
from policy import contributions as rules
from policy import retirement as retirement_rules
from policy.amount import NotInRegion, RuleInputError
from policy.explain import Line
from policy.money import round_yuan
from policy.parameters import ParameterError, parameters_for

from .models import (
    AgreementPayment,
    BackPayment,
    BaseDeclaration,
    CatastrophicPremium,
    ContributionRecord,
    ResidentPayment,
    RetirementConfirmation,
)
from .selectors import MONTHLY_CATEGORIES, contribution_months, paid_months, unpaid_months

log = logging.getLogger(__name__)


class ContributionError(ValidationError):
    """A refused contribution action: a dict of field -> message (with the article)."""


def _refuse(field: str, message: str):
    raise ContributionError({field: [message]})


def _lines(lines) -> list[dict]:
    return [line.as_dict() for line in lines]


def _rule(call, **kwargs):
    """Call a policy rule; its input and parameter errors become field errors."""
    try:
        return call(**kwargs)
    except RuleInputError as error:
        raise ContributionError(error.message_dict)
    except NotInRegion as error:
        raise ContributionError({"region": [str(error)]})
    except ParameterError as error:
        raise ContributionError({"parameters": [str(error)]})


def _params(region: str, on: dt.date):
    return parameters_for(region, on)


def certificate_for_month(person: Person, month: dt.date) -> str | None:
    """The certificate that subsidises a month: registered by that month and valid in it (杭州 art. 13(5))."""
    month_end = dates.add_months(month, 1) - dt.timedelta(days=1)
    kinds = {
        c.kind
        for c in person.certificates.all()
        if dates.month_start(c.registered_on) <= month
        and c.valid_from <= month_end
        and (c.valid_to is None or c.valid_to >= month)
    }
    for kind in CERTIFICATE_PRIORITY:
        if kind in kinds:
            return kind
    return None


def _employee_enrolment(person: Person, month: dt.date) -> Enrolment:
    month_end = dates.add_months(month, 1) - dt.timedelta(days=1)
    for enrolment in person.enrolments.filter(scheme=Scheme.EMPLOYEE).order_by("-start_date"):
        if enrolment.start_date <= month_end and (enrolment.end_date is None or enrolment.end_date >= month):
            return enrolment
    art = "舟山 第八条" if person.region == "zhoushan" else "杭州 第十四条、第十五条"
    _refuse("month", f"{month:%Y年%m月}没有职工医保参保登记，不能记录缴费（{art}）")


# --- base declaration -------------------------------------------------------------------


@transaction.atomic
def declare_base(
    *,
    person: Person,
    employer: Employer,
    year: int,
    monthly_wage: Decimal,
    declared_on: dt.date | None = None,
) -> BaseDeclaration:
    """缴费基数申报: last year's average monthly wage, clamped (杭州 art. 13(1)(2); 舟山 art. 9(2))."""
    params = _params(person.region, dt.date(year, 1, 1))
    base, lines = _rule(rules.employee_base, params=params, monthly_wage=monthly_wage)
    declaration, _created = BaseDeclaration.objects.update_or_create(
        person=person,
        employer=employer,
        year=year,
        defaults={
            "declared_monthly_wage": monthly_wage,
            "base": base,
            "lines": _lines(lines),
            "declared_on": declared_on or timezone.localdate(),
        },
    )
    return declaration


# --- monthly contributions ---------------------------------------------------------------


def _after_payment(enrolment: Enrolment, months: list[dt.date], paid_on: dt.date) -> None:
    """A payment starts benefits (first payment) and lifts the suspensions of the months it pays."""
    if enrolment.first_paid_on is None or paid_on < enrolment.first_paid_on:
        Enrolment.objects.filter(pk=enrolment.pk).update(first_paid_on=paid_on)
        enrolment.first_paid_on = paid_on
    lift_suspensions(enrolment=enrolment, months=months, paid_on=paid_on)


@transaction.atomic
def record_monthly_contribution(
    *,
    person: Person,
    month: dt.date,
    paid_on: dt.date,
    monthly_wage: Decimal | None = None,
    employer: Employer | None = None,
    disabled_veteran: bool = False,
    source: str = ContributionRecord.Source.COUNTER,
    external_id: str | None = None,
) -> ContributionRecord:
    """Record one month's employee-scheme contribution, computed by the person's category that month.

    Active employees: the year's declared base (or `monthly_wage`) clamped (art. 13(1)(2));
    flexible workers: the flexible standard with the certificate subsidy (art. 13(5));
    unemployed on benefit: the flexible standard, paid by the unemployment fund (art. 13(6)).
    """
    month = dates.month_start(month)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if external_id:
        existing = ContributionRecord.objects.filter(external_id=external_id).first()
        if existing:
            if existing.person_id != person.pk or existing.month != month:
                _refuse("id", f"税务记录号 {external_id} 已用于另一条缴费记录")
            return existing
    enrolment = _employee_enrolment(person, month)
    if ContributionRecord.objects.filter(person=person, month=month).exists() or month in paid_months(
        person=person
    ):
        _refuse("month", f"{month:%Y年%m月}已有缴费记录，不能重复缴费")
    params = _params(person.region, month)
    certificate = certificate_for_month(person, month)
    if enrolment.category == Category.ACTIVE:
        employer = employer or enrolment.employer
        if monthly_wage is None:
            declaration = BaseDeclaration.objects.filter(
                person=person, employer=employer, year=month.year
            ).first()
            if declaration is None:
                _refuse(
                    "monthly_wage",
                    f"{month.year}年未申报缴费基数，请先申报或提供本人上年度月平均工资（杭州 第十四条）",
                )
            monthly_wage = declaration.declared_monthly_wage
        result = _rule(
            rules.employee_contribution,
            params=params,
            monthly_wage=monthly_wage,
            certificate=None,
            disabled_veteran=disabled_veteran,
        )
        kind = ContributionRecord.Kind.EMPLOYEE
    elif enrolment.category == Category.FLEXIBLE:
        result = _rule(rules.flexible_contribution, params=params, certificate=certificate)
        kind = ContributionRecord.Kind.FLEXIBLE
    elif enrolment.category == Category.UNEMPLOYED:
        result = _rule(rules.flexible_contribution, params=params, unemployed_on_benefit=True)
        kind = ContributionRecord.Kind.UNEMPLOYED
    elif enrolment.category == Category.AGREEMENT:
        _refuse("month", "协缴人员在办理协缴手续时一次性缴纳职工医保费，不按月缴费（杭州 第十三条第(七)项）")
    else:
        _refuse("month", "退休人员不再缴纳职工医保费（杭州 第二十条）")
    record = ContributionRecord.objects.create(
        person=person,
        enrolment=enrolment,
        employer=employer if kind == ContributionRecord.Kind.EMPLOYEE else None,
        month=month,
        kind=kind,
        base=result.base,
        employer_amount=result.employer,
        employer_maternity=result.employer_maternity,
        personal=result.personal,
        personal_subsidy=result.personal_subsidy,
        personal_payable=result.personal_payable,
        employer_subsidy=result.employer_subsidy,
        subsidy_payer=result.subsidy_payer,
        total=result.total,
        certificate=certificate or "" if kind == ContributionRecord.Kind.FLEXIBLE else "",
        lines=_lines(result.lines),
        paid_on=paid_on,
        source=source,
        external_id=external_id or None,
    )
    _ensure_catastrophic_premium(
        person=person, year=month.year, scheme=Scheme.EMPLOYEE, category=enrolment.category
    )
    _after_payment(enrolment, [month], paid_on)
    log.info("contribution %s %s recorded for %s", month, kind, mask_id_number(person.id_number))
    return record


def _ensure_catastrophic_premium(
    *, person: Person, year: int, scheme: str, category: str
) -> CatastrophicPremium:
    """大病保险费 (杭州 art. 41): once a person a year, with the scheme they pay it under."""
    existing = CatastrophicPremium.objects.filter(person=person, year=year).first()
    if existing:
        return existing
    params = _params(person.region, dt.date(year, 1, 1))
    result = _rule(rules.catastrophic_premium, params=params, scheme=scheme, category=category)
    return CatastrophicPremium.objects.create(
        person=person,
        year=year,
        scheme=scheme,
        total=result.total,
        personal=result.personal,
        other=result.other,
        lines=_lines(result.lines),
    )


# --- residents ---------------------------------------------------------------------------


# 舟山 art. 26, 27: minors, students, adults (one standard for adults)
ZHOUSHAN_RESIDENT_CATEGORIES = {
    Category.CHILD: "minor",
    Category.STUDENT: "student",
    Category.ADULT_TIER1: "adult",
    Category.ADULT_TIER2: "adult",
    Category.ADULT_TIER3: "adult",
}


def contribution_category(region: str, category: str) -> str:
    """The resident category as the region's contribution table names it."""
    if region == "zhoushan":
        return ZHOUSHAN_RESIDENT_CATEGORIES.get(category, category)
    return category


def _settlement_year(enrolment: Enrolment) -> tuple[int, dt.date]:
    if enrolment.category == Category.STUDENT:
        year = enrolment.start_date.year if enrolment.start_date.month >= 9 else enrolment.start_date.year - 1
        return year, dt.date(year, 9, 1)
    return enrolment.start_date.year, dt.date(enrolment.start_date.year, 1, 1)


@transaction.atomic
def record_resident_payment(
    *,
    enrolment: Enrolment,
    paid_on: dt.date,
    subsidy_reason: str | None = None,
    source: str = ResidentPayment.Source.COUNTER,
    external_id: str | None = None,
) -> ResidentPayment:
    """A resident's yearly contribution by category with its subsidy (杭州 art. 31, 32; 舟山 art. 27).

    Without an explicit reason, a certificate valid and registered on the payment day
    gives the subsidy. The catastrophic premium is part of it (art. 41).
    """
    enrolment = Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)
    person = enrolment.person
    if enrolment.scheme != Scheme.RESIDENT:
        _refuse("enrolment", "该参保登记不是城乡居民医保")
    if external_id:
        existing = ResidentPayment.objects.filter(external_id=external_id).first()
        if existing:
            if existing.enrolment_id != enrolment.pk:
                _refuse("id", f"税务记录号 {external_id} 已用于另一条缴费记录")
            return existing
    if ResidentPayment.objects.filter(enrolment=enrolment).exists():
        _refuse("enrolment", "该参保年度已缴费，不能重复缴费")
    year, year_start = _settlement_year(enrolment)
    if subsidy_reason is None:
        from enrollment.selectors import certificate_on

        subsidy_reason = certificate_on(person, paid_on)
    params = _params(person.region, year_start)
    result = _rule(
        rules.resident_contribution,
        params=params,
        category=contribution_category(person.region, enrolment.category),
        subsidy_reason=subsidy_reason,
    )
    payment = ResidentPayment.objects.create(
        person=person,
        enrolment=enrolment,
        year=year,
        category=enrolment.category,
        subsidy_reason=subsidy_reason or "",
        total=result.total,
        personal=result.personal,
        government_share=result.government_share,
        personal_subsidy=result.personal_subsidy,
        personal_payable=result.personal_payable,
        lines=_lines(result.lines),
        paid_on=paid_on,
        source=source,
        external_id=external_id or None,
    )
    _ensure_catastrophic_premium(
        person=person, year=year, scheme=Scheme.RESIDENT, category=enrolment.category
    )
    _after_payment(enrolment, [], paid_on)
    return payment


# --- agreement payers ------------------------------------------------------------------


@transaction.atomic
def record_agreement_payment(
    *, enrolment: Enrolment, amount: Decimal, paid_on: dt.date, standard: str
) -> AgreementPayment:
    """协缴 (杭州 art. 13(7)): the one-time payment; benefits start the month after (art. 15)."""
    enrolment = Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)
    if enrolment.category != Category.AGREEMENT:
        _refuse("enrolment", "该参保登记不是协缴人员（杭州 第十三条第(七)项）")
    if AgreementPayment.objects.filter(enrolment=enrolment).exists():
        _refuse("enrolment", "该协缴登记已缴费")
    if not standard:
        _refuse(
            "standard",
            "请注明执行的市政府协缴标准文件（杭州 第十三条第(七)项：具体标准按市政府有关规定执行）",
        )
    try:
        value = round_yuan(Decimal(str(amount)))
    except Exception:
        _refuse("amount", f"不是有效的金额: {amount!r}")
    if value <= 0:
        _refuse("amount", "协缴金额须大于零")
    article = "杭州 第十三条第(七)项"
    payment = AgreementPayment.objects.create(
        person=enrolment.person,
        enrolment=enrolment,
        amount=value,
        standard=standard,
        lines=_lines([Line(article, f"协缴人员一次性缴纳职工医保费，按{standard}", value)]),
        paid_on=paid_on,
    )
    _ensure_catastrophic_premium(
        person=enrolment.person, year=paid_on.year, scheme=Scheme.EMPLOYEE, category=enrolment.category
    )
    _after_payment(enrolment, [], paid_on)
    return payment


# --- back payment ------------------------------------------------------------------------


@transaction.atomic
def record_back_payment(
    *,
    person: Person,
    identity: str,
    first_month: dt.date,
    last_month: dt.date,
    paid_on: dt.date,
    employer: Employer | None = None,
) -> BackPayment:
    """补缴 (杭州 art. 17): at the standards of the day of payment; years counted, benefits not.

    Months of this year at the current base, earlier years at last year's provincial average
    (employee identity); flexible identity not before this year (art. 17(2)). The suspensions
    of these months are lifted from the month after payment; bills inside stay unpaid (art. 17(4)).
    """
    Person.objects.select_for_update().filter(pk=person.pk).first()
    first_month, last_month = dates.month_start(first_month), dates.month_start(last_month)
    if last_month < first_month:
        _refuse("last_month", "补缴终止月不能早于起始月")
    if last_month >= dates.month_start(paid_on):
        _refuse("last_month", "补缴只适用于办理当月以前的应保未保月份（杭州 第十七条）")
    months = list(dates.month_range(first_month, last_month))
    already = sorted(set(months) & paid_months(person=person))
    if already:
        _refuse("first_month", f"{already[0]:%Y年%m月}已缴费，不能重复补缴")
    this_year = sum(1 for m in months if m.year == paid_on.year)
    earlier = len(months) - this_year
    params = _params(person.region, paid_on)
    current_base = None
    if identity == BackPayment.Identity.EMPLOYEE and this_year:
        declaration = (
            BaseDeclaration.objects.filter(person=person, year=paid_on.year).order_by("-declared_on").first()
        )
        if declaration is None:
            _refuse(
                "identity",
                f"{paid_on.year}年未申报缴费基数，无法按本人当前缴费基数补缴（杭州 第十七条第(一)项）",
            )
        current_base = declaration.base
    result = _rule(
        rules.back_payment,
        params=params,
        identity=identity,
        months=this_year,
        current_base=current_base,
        earlier_months=earlier,
    )
    back = BackPayment.objects.create(
        person=person,
        employer=employer,
        identity=identity,
        first_month=first_month,
        last_month=last_month,
        months=this_year,
        earlier_months=earlier,
        base=result.base,
        employer_amount=result.employer,
        personal=result.personal,
        total=result.total,
        lines=_lines(result.lines),
        paid_on=paid_on,
    )
    for enrolment in person.enrolments.filter(scheme=Scheme.EMPLOYEE):
        lift_suspensions(enrolment=enrolment, months=months, paid_on=paid_on)
    return back


# --- arrears and suspensions -------------------------------------------------------------


def _suspended_from(region: str, month: dt.date) -> dt.date:
    """杭州 art. 15: the month after; 舟山 art. 14: the Nth natural month counting the unpaid month as the first."""
    if region == "zhoushan":
        natural = int(_params(region, month)["enrolment.arrears_suspension_natural_month"])
        return dates.add_months(month, natural - 1)
    return dates.next_month(month)


def _suspension_article(region: str) -> str:
    return "舟山 第十四条" if region == "zhoushan" else "杭州 第十五条第二款"


@transaction.atomic
def check_arrears(*, on: dt.date) -> int:
    """Suspend, from the next month, every enrolment with an unpaid month ended before `on`.

    One row per enrolment and month (unique), so running twice suspends nobody twice.
    Returns the number of suspensions written.
    """
    created = 0
    enrolments = (
        Enrolment.objects.filter(
            scheme=Scheme.EMPLOYEE, category__in=list(MONTHLY_CATEGORIES), start_date__lt=on
        )
        .exclude(end_date__lt=dates.add_months(dates.month_start(on), -1))
        .select_related("person")
    )
    for enrolment in enrolments:
        if enrolment.first_paid_on is None:
            continue  # benefits never started (art. 15): nothing to suspend
        existing = set(enrolment.suspensions.values_list("unpaid_month", flat=True))
        paid = paid_months(person=enrolment.person)
        first_paid = min((m for m in paid if m >= dates.month_start(enrolment.start_date)), default=None)
        for month in unpaid_months(enrolment=enrolment, until=on):
            if month in existing or first_paid is None or month < first_paid:
                continue
            _suspension, was_created = Suspension.objects.get_or_create(
                enrolment=enrolment,
                unpaid_month=month,
                defaults={
                    "suspended_from": _suspended_from(enrolment.region, month),
                    "article": _suspension_article(enrolment.region),
                },
            )
            created += int(was_created)
    log.info("arrears check on %s: %d suspensions written", on, created)
    return created


def lift_suspensions(*, enrolment: Enrolment, months: list[dt.date], paid_on: dt.date) -> int:
    """A payment for suspended months restores benefits as the articles say.

    杭州: from the month after payment (art. 16 ¶2); if the unpaid run was 3 months or more and
    the person pays for themselves, it is an interruption and benefits return after the
    waiting period (art. 16(1)). 舟山: a payment within 3 months covers the period (art. 14, 15),
    otherwise from the month after payment.
    """
    suspensions = list(enrolment.suspensions.filter(unpaid_month__in=months, lifted_on__isnull=True))
    if not suspensions:
        return 0
    all_unpaid = sorted(enrolment.suspensions.values_list("unpaid_month", flat=True))
    for suspension in suspensions:
        if enrolment.region == "zhoushan":
            window = int(_params(enrolment.region, paid_on)["enrolment.back_payment_window_months"])
            if paid_on < dates.add_months(suspension.unpaid_month, window + 1):
                restored, art = suspension.suspended_from, "舟山 第十四条、第十五条"
            else:
                restored, art = dates.next_month(paid_on), "舟山 第十四条"
        else:
            params = _params(enrolment.region, paid_on)
            run = _run_length(all_unpaid, suspension.unpaid_month)
            restored, art = dates.next_month(paid_on), "杭州 第十六条第二款"
            if run >= int(params["enrolment.interruption_months"]) and enrolment.category != Category.ACTIVE:
                waiting = int(params["enrolment.employee_waiting_months"])
                restored = dates.add_months(dates.month_start(paid_on), waiting)
                art = "杭州 第十六条第(一)项"
        suspension.lifted_on = paid_on
        suspension.restored_from = restored
        suspension.article = art
        suspension.save(update_fields=["lifted_on", "restored_from", "article"])
    return len(suspensions)


def _run_length(months: list[dt.date], month: dt.date) -> int:
    """Length of the run of consecutive unpaid months containing `month`."""
    present = set(months)
    length = 1
    probe = dates.add_months(month, -1)
    while probe in present:
        length += 1
        probe = dates.add_months(probe, -1)
    probe = dates.add_months(month, 1)
    while probe in present:
        length += 1
        probe = dates.add_months(probe, 1)
    return length


# --- retirement --------------------------------------------------------------------------


@transaction.atomic
def confirm_retirement(
    *,
    person: Person,
    retirement_date: dt.date,
    confirmed_on: dt.date,
    method: str | None = None,
) -> RetirementConfirmation:
    """医保退休资格确认 (杭州 art. 20, 21): check the years; make them up by lump sum or monthly.

    Qualified (10 local actual years and 20 in total) or lump sum: the active enrolment ends
    and a retired enrolment starts. Monthly top-up: the plan is recorded, the person pays at
    the flexible standard until the years are met, then confirms again.
    """
    Person.objects.select_for_update().filter(pk=person.pk).first()
    region = person.region
    art = "舟山 第十一条" if region == "zhoushan" else "杭州 第二十条"
    current = (
        person.enrolments.filter(scheme=Scheme.EMPLOYEE, start_date__lte=retirement_date)
        .order_by("-start_date")
        .first()
    )
    if current is None:
        _refuse("person", f"退休时未在本市参加职工医保，不能办理医保退休资格确认（{art}）")
    if current.category == Category.RETIRED:
        _refuse("person", "已办理医保退休资格确认")
    try:
        counted = contribution_months(person=person, until=retirement_date)
    except ParameterError as error:
        raise ContributionError({"parameters": [str(error)]})
    from enrollment.selectors import certificate_on

    certificate_holder = certificate_on(person, confirmed_on) is not None
    # the figures of the day the top-up is made (杭州 art. 20: 办理补缴时的上年度省平工资)
    check = _rule(
        retirement_rules.retirement_check,
        params=_params(region, confirmed_on),
        local_actual_months=counted.local_actual,
        total_months=counted.total,
        hukou_local=person.hukou_local,
        employed_locally=current.category == Category.ACTIVE,
        flexible_locally=current.category == Category.FLEXIBLE,
        certificate_holder=certificate_holder,
    )
    lines = [*counted.lines, *check.lines]
    missing_local, missing_total = check.missing_local_months, check.missing_total_months
    lump_sum = Decimal("0.00")
    if check.eligible:
        method = RetirementConfirmation.Method.QUALIFIED
    elif check.refused or not check.may_top_up:
        last = check.lines[-1]
        _refuse("person", f"{last.text}（{last.article}）")
    elif method is None:
        offer = (
            "按月缴纳" if certificate_holder else f"按月缴纳或一次性补缴（一次性补缴 {check.lump_sum} 元）"
        )
        _refuse(
            "method",
            f"缴费年限不足：本市实际缴费缺 {missing_local} 个月，累计缴费缺 {missing_total} 个月；"
            f"请选择{offer}至规定年限（{art}）",
        )
    elif method == RetirementConfirmation.Method.LUMP_SUM:
        if certificate_holder:
            _refuse("method", f"持证人员应按月缴纳至规定年限，应缴部分由政府按规定补贴（{art}）")
        lump_sum = check.lump_sum
    elif method != RetirementConfirmation.Method.MONTHLY:
        _refuse("method", "应为一次性补缴（lump_sum）或按月缴纳（monthly）")
    total = counted.total
    confirmation, _created = RetirementConfirmation.objects.update_or_create(
        person=person,
        defaults={
            "retirement_date": retirement_date,
            "confirmed_on": None if method == RetirementConfirmation.Method.MONTHLY else confirmed_on,
            "local_actual_months": counted.local_actual,
            "total_months": total,
            "missing_local_months": missing_local,
            "missing_total_months": missing_total,
            "method": method,
            "lump_sum": lump_sum,
            "lines": _lines(lines),
        },
    )
    if method == RetirementConfirmation.Method.MONTHLY:
        return confirmation
    start = max(retirement_date, confirmed_on)
    if current.end_date is None or current.end_date >= start:
        end_enrolment(
            enrolment=current, end_date=start - dt.timedelta(days=1), reason=Enrolment.EndReason.STOPPED
        )
    enrol(
        person=person,
        category=Category.RETIRED,
        district=current.district,
        start_date=start,
        note=f"医保退休资格确认（{art}）",
        _allow_retired=True,
    )
    return confirmation


# --- intake from the tax bureau ----------------------------------------------------------

INTAKE_KINDS = ("employee", "flexible", "unemployed", "resident")


def intake_contribution(record: dict) -> tuple[object, bool]:
    """One record from the tax bureau, idempotent on its record id; amounts recomputed here.

    A `total` sent by the tax bureau is checked against the computed total.
    """
    from enrollment.intake import amount_from, date_from, field_error, month_from, person_from

    record_id = str(record["id"]).strip()
    kind = str(record.get("kind") or "")
    if kind not in INTAKE_KINDS:
        raise field_error("kind", f"缴费类型应为 {', '.join(INTAKE_KINDS)} 之一，收到 {kind!r}")
    person = person_from(record)
    # one intake at a time per person, so a record sent twice at once is written once
    Person.objects.select_for_update().filter(pk=person.pk).first()
    paid_on = date_from(record, "paid_on")
    expected_total = amount_from(record, "total")
    if kind == "resident":
        existing = ResidentPayment.objects.filter(external_id=record_id).first()
        if existing:
            if existing.person_id != person.pk:
                raise field_error("id", f"税务记录号 {record_id} 已用于另一参保人")
            return existing, False
        year = record.get("year")
        if not isinstance(year, int):
            raise field_error("year", "须填写参保年度（整数）")
        enrolment = (
            person.enrolments.filter(scheme=Scheme.RESIDENT, start_date__year__in=[year, year - 1])
            .filter(end_date__year__in=[year, year + 1])
            .order_by("-start_date")
            .first()
        )
        if enrolment is None:
            raise field_error("year", f"{year}年度没有城乡居民医保参保登记（杭州 第三十四条、第三十五条）")
        payment = record_resident_payment(
            enrolment=enrolment,
            paid_on=paid_on,
            subsidy_reason=record.get("subsidy_reason") or None,
            source=ResidentPayment.Source.TAX_BUREAU,
            external_id=record_id,
        )
        if expected_total is not None and expected_total != payment.personal_payable:
            raise field_error("total", f"个人实缴应为 {payment.personal_payable}，收到 {expected_total}")
        return payment, True
    existing = ContributionRecord.objects.filter(external_id=record_id).first()
    month = month_from(record)
    if existing:
        if existing.person_id != person.pk or existing.month != month:
            raise field_error("id", f"税务记录号 {record_id} 已用于另一条缴费记录")
        return existing, False
    employer = None
    code = str(record.get("employer_credit_code") or "").strip().upper()
    if code:
        employer = Employer.objects.filter(credit_code=code).first()
        if employer is None:
            raise field_error("employer_credit_code", f"统一社会信用代码 {code} 未登记为参保单位")
    contribution = record_monthly_contribution(
        person=person,
        month=month,
        paid_on=paid_on,
        monthly_wage=amount_from(record, "monthly_wage"),
        employer=employer,
        source=ContributionRecord.Source.TAX_BUREAU,
        external_id=record_id,
    )
    if contribution.kind != kind:
        raise field_error(
            "kind", f"该参保人{month:%Y年%m月}按{contribution.get_kind_display()}缴费，与申报的 {kind!r} 不符"
        )
    if expected_total is not None and expected_total != contribution.total:
        raise field_error("total", f"按规定计算的合计应为 {contribution.total}，收到 {expected_total}")
    return contribution, True


def intake_contributions(records):
    """Bulk contribution records from the tax bureau: all or nothing, idempotent per record id.

    Every person the batch names is locked first, in one fixed order (by id), before any
    record is handled: two batches naming the same persons in different orders then queue
    behind each other instead of each holding one person and waiting for the other (deadlock).
    """
    from enrollment.intake import run_intake

    with transaction.atomic():
        if isinstance(records, list):
            numbers = {
                normalise_id_number(str(record.get("id_number") or ""))
                for record in records
                if isinstance(record, dict)
            }
            numbers.discard("")
            list(
                Person.objects.select_for_update()
                .filter(id_number__in=numbers)
                .order_by("pk")
                .values_list("pk")
            )
        return run_intake(records, intake_contribution)
