"""Checks and computation of an allowance application, from the records already in the system.

`check_input` refuses what must not be recorded at all (a 4xx, nothing written): a future
date, an event that does not exist or does not fit the person, an employer acting for
someone it has not registered, an application past the deadline (杭州 art. 60).

`assess` works out what the agency would decide: eligibility (杭州 art. 56(2): 12 continuous
months without back payments; 舟山 art. 48: benefits started as for basic insurance, and N
continuous months) and the amount (杭州 art. 58, 59; 舟山 art. 49, 50) with explanation lines.
Every figure and citation comes from `policy.regions.region_of(...)`; nothing here names a region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from contributions import selectors as contribution_selectors
from enrollment.models import Category, Employer, Person, Scheme
from enrollment.selectors import benefit_status, enrolment_on
from policy import maternity as rules
from policy.amount import RuleInputError
from policy.explain import Line
from policy.parameters import ParameterError
from policy.regions import region_of

from .models import EventKind


class MaternityError(Exception):
    """A refusal of bad input or a forbidden action: the field, the reason, the article, the HTTP status."""

    status = 400

    def __init__(self, field: str, text: str, article: str = "", status: int | None = None):
        self.field, self.text, self.article = field, text, article
        if status is not None:
            self.status = status
        super().__init__(f"{field}: {text}" + (f"（{article}）" if article else ""))

    def as_dict(self) -> dict:
        return {"field": self.field, "detail": self.text, "article": self.article}

    @property
    def message(self) -> str:
        return self.text + (f"（{self.article}）" if self.article else "")


@dataclass
class Event:
    """What an application says happened."""

    person: Person
    employer: Employer | None
    event_kind: str
    event_date: dt.date
    babies: int = 1
    difficult_birth: bool = False
    child_order: int = 1
    pregnancy_months: int | None = None


@dataclass
class Assessment:
    eligible: bool
    continuous_months: int = 0
    missing_months: int = 0
    average_wage: Decimal | None = None
    days: int | None = None
    amount: Decimal | None = None
    reason: str = ""
    reason_article: str = ""
    lines: list[dict] = field(default_factory=list)


def _article(region, key: str) -> str:
    return region.article(key) if region.has(key) else ""


def deadline(event: Event) -> dt.date | None:
    """The last day to apply, where the region sets one (杭州 art. 60); None where it sets none."""
    region = region_of(event.person.region)
    if not region.has("maternity.claim_deadline"):
        return None
    return rules.claim_deadline(params=region.parameters(event.event_date), event_date=event.event_date)


def check_input(event: Event, *, today: dt.date, acting_employer: str | None = None) -> None:
    """Refuse an application that must not be recorded (MaternityError: field, reason, article)."""
    person = event.person
    region = region_of(person.region)
    days_article = region.article("maternity.allowance_days")
    if event.event_kind not in EventKind.values:
        raise MaternityError(
            "event_kind",
            f"没有 {event.event_kind!r} 这一事件或手术种类，应为 {', '.join(EventKind.values)} 之一",
            days_article,
        )
    if event.event_date > today:
        raise MaternityError("event_date", f"事件日期 {event.event_date} 晚于今天 {today}，不能申请")
    if not rules.event_fits_sex(event.event_kind, person.sex):
        label = EventKind(event.event_kind).label
        who = "男性" if person.sex == "M" else "女性"
        raise MaternityError(
            "event_kind", f"{label}不适用于{who}参保人（男职工仅可申请输精管结扎手术津贴）", days_article
        )
    if event.babies < 1 or event.babies > 10:
        raise MaternityError("babies", "婴儿数应在 1–10 之间", days_article)
    if event.event_kind != EventKind.BIRTH and (event.babies != 1 or event.difficult_birth):
        raise MaternityError("difficult_birth", "难产、多胞胎增加天数只适用于生育", days_article)
    try:
        rules.rule_event(
            params=region.parameters(event.event_date),
            kind=event.event_kind,
            pregnancy_months=event.pregnancy_months,
        )
    except RuleInputError as error:
        raise MaternityError(error.field, error.message, days_article) from None
    except ParameterError:
        pass  # a figure not in our copy: the assessment refuses naming it
    last_day = deadline(event)
    if last_day is not None and today > last_day:
        raise MaternityError(
            "event_date",
            f"应在{event.event_date.year}年的次年年底（{last_day}）前申请，已逾期",
            region.article("maternity.claim_deadline"),
            status=422,
        )
    _check_party(event, acting_employer=acting_employer)


def _check_party(event: Event, *, acting_employer: str | None) -> None:
    """The employer named registered the person at the event (杭州 art. 56(2)); or she is a flexible worker (舟山 art. 46)."""
    person, employer = event.person, event.employer
    region = region_of(person.region)
    enrolment = enrolment_on(person, event.event_date)
    registration = _article(region, "maternity.employer_registration")
    if acting_employer is not None and (employer is None or employer.credit_code != acting_employer):
        raise MaternityError(
            "employer_credit_code", f"只能为本单位（{acting_employer}）职工申请", registration, status=403
        )
    if employer is not None:
        registered = (
            enrolment is not None
            and enrolment.scheme == Scheme.EMPLOYEE
            and enrolment.category == Category.ACTIVE
            and enrolment.employer_id == employer.pk
        )
        if not registered:
            if acting_employer is not None:
                raise MaternityError(
                    "id_number",
                    f"该参保人在{event.event_date}不是本单位参保职工，不能代其申请",
                    registration,
                    status=403,
                )
            raise MaternityError(
                "employer",
                f"{event.event_date}该参保人未由{employer.name}办理职工医保（生育保险）参保登记",
                registration,
                status=422,
            )
        if employer.region != person.region:
            raise MaternityError("employer", "用人单位与参保人不在同一统筹地区", registration, status=422)
        return
    if not region.has("maternity.flexible_workers"):
        raise MaternityError(
            "employer",
            "生育津贴由用人单位申请，请填写用人单位",
            _article(region, "maternity.application"),
            status=422,
        )
    flexible_article = region.article("maternity.flexible_workers")
    if enrolment is None or enrolment.scheme != Scheme.EMPLOYEE or enrolment.category != Category.FLEXIBLE:
        raise MaternityError(
            "employer",
            f"{event.event_date}该参保人不是以灵活就业人员身份参加职工医保，本人不能申请（单位职工由用人单位申请）",
            flexible_article,
            status=422,
        )


def _lines(lines) -> list[dict]:
    return [line.as_dict() if isinstance(line, Line) else line for line in lines]


def _refused(lines, reason: str, article: str, **counts) -> Assessment:
    return Assessment(
        eligible=False, reason=reason[:300], reason_article=article[:120], lines=_lines(lines), **counts
    )


def average_wage(event: Event, params) -> tuple[Decimal, list[Line]]:
    """The monthly figure the allowance is paid on (杭州 art. 58(2); 舟山 art. 50), from contribution records."""
    region = region_of(event.person.region)
    article = region.article("maternity.employer_average_wage")
    if event.employer is None:  # a flexible worker: her own base (舟山 art. 50)
        found = contribution_selectors.own_flexible_base(person=event.person, on=event.event_date)
        if found is None:
            raise RuleInputError("employer", f"没有灵活就业人员缴费记录，无法确定计发基数（{article}）")
        month, base = found
        return base, [Line(article, f"灵活就业人员本人月缴费基数（{month:%Y年%m月}）", base)]
    december = dt.date(event.event_date.year - 1, 12, 1)
    bases = contribution_selectors.employer_month_bases(employer_id=event.employer.pk, month=december)
    new_employer = False
    month = december
    if not bases:
        first = contribution_selectors.employer_first_month(employer_id=event.employer.pk)
        if first is None or first.year < event.event_date.year:
            raise RuleInputError(
                "employer",
                f"{event.employer.name}上年度 12 月份没有参保职工缴费基数，无法计算月平均工资（{article}）",
            )
        new_employer, month = True, first
        bases = contribution_selectors.employer_month_bases(employer_id=event.employer.pk, month=first)
    result = rules.average_base(article=article, bases=bases, month=month, new_employer=new_employer)
    return result.amount, list(result.lines)


def assess(event: Event) -> Assessment:
    """Eligibility and amount of the allowance, with the lines that decided them (nothing written)."""
    person = event.person
    region = region_of(person.region)
    params = region.parameters(event.event_date)
    lines: list = []
    try:
        eligibility = rules.maternity_eligibility(
            params=params,
            event_date=event.event_date,
            paid_months=contribution_selectors.month_kinds(person=person),
        )
    except ParameterError as error:
        return _refused(lines, str(error), getattr(error, "article", ""))
    lines.extend(eligibility.lines)
    counts = {
        "continuous_months": eligibility.continuous_months,
        "missing_months": eligibility.missing_months,
    }
    if region.has("maternity.benefit_start"):
        status = benefit_status(person=person, on=event.event_date)
        start_article = region.article("maternity.benefit_start")
        if not status.eligible:
            lines.append(Line(start_article, f"生育时不能享受职工医保待遇：{status.reason}", Decimal("0.00")))
            return _refused(lines, f"生育时不能享受职工医保待遇：{status.reason}", start_article, **counts)
    if not eligibility.eligible:
        return _refused(
            lines,
            eligibility.lines[0].text,
            eligibility.lines[0].article,
            **counts,
        )
    try:
        wage, wage_lines = average_wage(event, params)
        lines.extend(wage_lines)
        event_name, pregnancy_months = rules.rule_event(
            params=params, kind=event.event_kind, pregnancy_months=event.pregnancy_months
        )
        result = rules.maternity_allowance(
            params=params,
            employer_average_monthly_wage=wage,
            event=event_name,
            difficult_birth=event.difficult_birth,
            extra_babies=event.babies - 1,
            child_order=event.child_order,
            pregnancy_months=pregnancy_months,
        )
    except RuleInputError as error:
        return _refused(lines, error.message, _article(region, "maternity.employer_average_wage"), **counts)
    except ParameterError as error:
        return _refused(lines, str(error), getattr(error, "article", ""), **counts)
    days, _day_lines = rules.allowance_days(
        params=params,
        event=event_name,
        difficult_birth=event.difficult_birth,
        extra_babies=event.babies - 1,
        child_order=event.child_order,
        pregnancy_months=pregnancy_months,
    )
    lines.extend(result.lines)
    return Assessment(
        eligible=True,
        average_wage=wage,
        days=days,
        amount=result.amount,
        lines=_lines(lines),
        **counts,
    )
