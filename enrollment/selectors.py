"""Reads: the one answer to "may this person be settled on this date, and if not, why".

`benefit_status` derives the answer from the records (enrolments, payments as recorded
on the enrolment by the contributions service, suspensions, transfers, certificates,
GP contracts, filings). Nothing about status is typed in by a clerk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core import dates
from core.identity import mask_id_number, normalise_id_number
from core.intake import field_error
from core.rows import queue_all, queue_one
from policy.parameters import ParameterError, parameters_for

from .models import (
    CERTIFICATE_PRIORITY,
    Category,
    Certificate,
    Enrolment,
    Filing,
    GpContract,
    Person,
    Scheme,
    Suspension,
    Transfer,
)

# Articles by region for each rule benefit_status applies.
ARTICLES = {
    "hangzhou": {
        "no_enrolment": "杭州 第十四条、第七十三条",
        "death": "杭州 第二十七条第(三)项",
        "employee_start": "杭州 第十五条",
        "unemployed_start": "杭州 第十五条第三款",
        "suspension": "杭州 第十五条第二款",
        "restored": "杭州 第十六条第二款",
        "interruption": "杭州 第十六条第(一)项",
        "late_registration": "杭州 第十五条、第十六条",
        "switch_to_flexible": "杭州 第七十三条第(一)项",
        "switch_to_resident": "杭州 第七十三条第(二)项",
        "switch_after_stop": "杭州 第七十三条第(三)项",
        "resident_to_employee": "杭州 第七十三条第四款",
        "transfer_from_resident": "杭州 第七十七条",
        "transfer_waiting": "杭州 第七十八条",
        "resident_start": "杭州 第三十四条",
        "newborn": "杭州 第三十四条",
        "resident_interruption": "杭州 第三十五条",
        "retired": "杭州 第二十条",
    },
    "zhoushan": {
        "no_enrolment": "舟山 第十三条、第六十二条",
        "death": "舟山 第十五条",
        "employee_start": "舟山 第十三条",
        "unemployed_start": "舟山 第八条",
        "suspension": "舟山 第十四条",
        "restored": "舟山 第十四条",
        "interruption": "舟山 第十五条",
        "late_registration": "舟山 第十三条",
        "switch_to_flexible": "舟山 第六十二条",
        "switch_to_resident": "舟山 第六十二条",
        "switch_after_stop": "舟山 第六十二条",
        "resident_to_employee": "舟山 第六十二条",
        "transfer_from_resident": "舟山 第六十三条",
        "transfer_waiting": "舟山 第六十三条",
        "resident_start": "舟山 第二十八条",
        "newborn": "舟山 第二十八条",
        "resident_interruption": "舟山 第二十九条",
        "retired": "舟山 第十一条",
    },
}


def article(region: str, key: str) -> str:
    return ARTICLES.get(region, ARTICLES["hangzhou"])[key]


@dataclass(frozen=True)
class BenefitStatus:
    """Whether a person may be settled on a date, under which scheme and category, and why not."""

    eligible: bool
    region: str
    scheme: str | None
    category: str | None
    enrolment_category: str | None
    district: str | None
    reason: str
    article: str
    certificate: str | None
    contracted_gp: bool
    contracted_centre_code: str | None
    filings: list[str] = field(default_factory=list)
    benefit_from: dt.date | None = None
    enrolment_id: int | None = None


def age_on(person: Person, on: dt.date) -> int:
    """The person's age in full years on `on`."""
    return dates.age_on(person.birth_date, on)


def engine_category(scheme: str, category: str) -> str:
    """The settlement engine's category: unemployed and agreement payers settle as active (规程 §3)."""
    if scheme == Scheme.EMPLOYEE:
        if category == Category.RETIRED:
            return "retired"
        if category == Category.FLEXIBLE:
            return "flexible"
        return "active"
    return category


def certificate_on(person: Person, on: dt.date) -> str | None:
    """The certificate kind that counts on `on` (valid and registered), highest priority first."""
    kinds = {c.kind for c in person.certificates.all() if c.counts_on(on)}
    for kind in CERTIFICATE_PRIORITY:
        if kind in kinds:
            return kind
    return None


def enrolment_on(person: Person, on: dt.date) -> Enrolment | None:
    for enrolment in person.enrolments.all():
        if enrolment.covers(on):
            return enrolment
    return None


@dataclass(frozen=True)
class _Window:
    """When benefits of an enrolment start, and a bridge (other scheme's benefits) before that."""

    benefit_from: dt.date | None
    reason: str = ""
    article: str = ""
    bridge_until: dt.date | None = None  # exclusive
    bridge_scheme: str | None = None
    bridge_category: str | None = None
    bridge_district: str | None = None
    bridge_article: str = ""


def _previous(enrolments: list[Enrolment], current: Enrolment) -> Enrolment | None:
    earlier = [e for e in enrolments if e.pk != current.pk and e.end_date and e.end_date < current.start_date]
    return max(earlier, key=lambda e: e.end_date) if earlier else None


def _all_enrolments(person: Person) -> list[Enrolment]:
    return list(person.enrolments.all())


def _gap_months(previous: Enrolment, current: Enrolment) -> int:
    """Whole months without cover between two enrolments (0 when the new one starts the next month)."""
    return max(dates.months_between(previous.end_date, current.start_date) - 1, 0)


def _transfer_in(transfers: list[Transfer], current: Enrolment) -> Transfer | None:
    relevant = [
        t
        for t in transfers
        if t.direction == Transfer.Direction.IN and abs((t.transferred_on - current.start_date).days) <= 92
    ]
    return relevant[-1] if relevant else None


def _employee_window(
    person: Person, current: Enrolment, previous: Enrolment | None, transfers: list[Transfer], on: dt.date
) -> _Window:
    region = current.region
    if current.category == Category.RETIRED:
        return _Window(current.start_date)
    if current.category == Category.UNEMPLOYED:
        # 杭州 art. 15 ¶3: from the day of enrolment.
        return _Window(current.start_date)
    if region == "zhoushan":
        # 舟山 art. 13: from the Nth natural month counting the month of registration as the first
        params = parameters_for(region, max(on, current.start_date))
        natural = int(params["enrolment.benefit_start_natural_month"])
        start = dates.add_months(dates.month_start(current.start_date), natural - 1)
        return _Window(
            start,
            f"自办理参保登记的第{natural}个自然月（{start.isoformat()}）起享受职工医保待遇（{article(region, 'employee_start')}）",
            article(region, "employee_start"),
        )
    if current.first_paid_on is None:
        return _Window(
            None,
            f"已办理参保登记但尚未缴费，缴费后次月起享受职工医保待遇（{article(region, 'employee_start')}）",
            article(region, "employee_start"),
        )
    paid_month = dates.month_start(max(current.start_date, current.first_paid_on))
    normal_start = dates.add_months(paid_month, 1)
    params = parameters_for(region, max(on, current.start_date))

    def waiting(key: str, why: str, bridge: dict | None = None) -> _Window:
        months = int(params["enrolment.employee_waiting_months"])
        start = dates.add_months(paid_month, months)
        reason = f"{why}，须连续正常缴费满{months}个月，自{start.isoformat()}起享受职工医保待遇（{article(region, key)}）"
        if bridge:
            return _Window(
                start,
                reason,
                article(region, key),
                bridge_until=start,
                bridge_article=article(region, key),
                **bridge,
            )
        return _Window(start, reason, article(region, key))

    # art. 15, 16: registered later than the window after meeting the conditions → interruption
    window = int(params["enrolment.registration_window_months"])
    if current.eligible_since and current.start_date > dates.add_months(current.eligible_since, window):
        return waiting("late_registration", f"符合参保条件后超过{window}个月才办理参保缴费，视为中断参保")
    transfer = _transfer_in(transfers, current)
    if previous is None or previous.region != region:
        if transfer and transfer.from_scheme == Scheme.RESIDENT:
            # art. 77: waiting period with the highest resident tier's benefits
            return waiting(
                "transfer_from_resident",
                "外地城乡居民医保转入本市职工医保",
                {
                    "bridge_scheme": Scheme.RESIDENT,
                    "bridge_category": Category.ADULT_TIER1,
                    "bridge_district": current.district,
                },
            )
        if transfer and transfer.continuous_months_before < 12:
            return waiting("transfer_waiting", "转入本市参保前12个月未在其他统筹地连续正常参加职工医保")
        return _Window(normal_start)
    gap = _gap_months(previous, current)
    interruption = int(params["enrolment.interruption_months"])
    if gap >= interruption:
        key = "switch_after_stop" if previous.scheme != current.scheme else "interruption"
        return waiting(key, f"停保{gap}个月后重新参保，视为中断参保")
    if previous.scheme == Scheme.RESIDENT:
        before = _previous([e for e in _all_enrolments(person) if e.pk != current.pk], previous)
        if (
            current.category == Category.FLEXIBLE
            and before is not None
            and before.scheme == Scheme.EMPLOYEE
            and before.category == Category.FLEXIBLE
            and _gap_months(before, previous) == 0
            and current.start_date < dates.add_months(previous.start_date, 3)
        ):
            # art. 73(2): back to the employee scheme within 3 months: from the month after the (back) payment
            return _Window(normal_start, bridge_article=article(region, "switch_to_resident"))
        if current.category == Category.FLEXIBLE and previous.category in {
            Category.ADULT_TIER1,
            Category.ADULT_TIER2,
            Category.ADULT_TIER3,
        }:
            # art. 73(1): resident benefits continue for the first 6 months of employee payment
            return waiting(
                "switch_to_flexible",
                "其他城乡居民医保转为灵活就业人员参加职工医保",
                {
                    "bridge_scheme": Scheme.RESIDENT,
                    "bridge_category": previous.category,
                    "bridge_district": previous.district,
                },
            )
        # art. 73 ¶4: the month of enrolment keeps the resident benefits
        bridge_until = dates.add_months(dates.month_start(current.start_date), 1)
        return _Window(
            normal_start,
            bridge_until=min(bridge_until, normal_start),
            bridge_scheme=Scheme.RESIDENT,
            bridge_category=previous.category,
            bridge_district=previous.district,
            bridge_article=article(region, "resident_to_employee"),
        )
    return _Window(normal_start)


def _settlement_year_start(current: Enrolment) -> dt.date:
    if current.category == Category.STUDENT:
        year = current.start_date.year if current.start_date.month >= 9 else current.start_date.year - 1
        return dt.date(year, 9, 1)
    return dt.date(current.start_date.year, 1, 1)


def _resident_window(person: Person, current: Enrolment, previous: Enrolment | None, on: dt.date) -> _Window:
    region = current.region
    bridge = {}
    if previous and previous.scheme == Scheme.EMPLOYEE and _gap_months(previous, current) == 0:
        # art. 73(2): the month of enrolment keeps the employee benefits
        bridge = {
            "bridge_until": dates.add_months(dates.month_start(current.start_date), 1),
            "bridge_scheme": Scheme.EMPLOYEE,
            "bridge_category": previous.category,
            "bridge_district": previous.district,
            "bridge_article": article(region, "switch_to_resident"),
        }
    if current.first_paid_on is None:
        return _Window(
            None,
            f"尚未缴纳城乡居民医保费，缴费次月起享受待遇（{article(region, 'resident_start')}）",
            article(region, "resident_start"),
            **bridge,
        )
    paid = current.first_paid_on
    year_start = _settlement_year_start(current)
    params = parameters_for(region, max(on, current.start_date))
    if region == "zhoushan":
        # 舟山 art. 28: paid in the collection period → from the year's start; art. 29: late → Nth natural month
        if paid < year_start:
            return _Window(max(current.start_date, year_start), **bridge)
        natural = int(params["resident.late_enrolment_natural_month"])
        start = max(current.start_date, dates.add_months(dates.month_start(paid), natural - 1))
        key = "resident_interruption"
        reason = f"未在集中征缴期内参保缴费，自缴费月起的第{natural}个自然月（{start.isoformat()}）起享受待遇（{article(region, key)}）"
        return _Window(start, reason, article(region, key), **bridge)
    # art. 34: newborns enrolled and paid within 3 months of birth, from the day of birth
    newborn_window = int(params["enrolment.newborn_window_months"])
    birth = person.birth_date
    if (
        current.category == Category.CHILD
        and current.start_date <= dates.add_months(birth, newborn_window)
        and paid <= dates.add_months(birth, newborn_window)
    ):
        return _Window(max(birth, current.start_date), **bridge)
    waiting_months = int(params["enrolment.resident_waiting_months"])

    def waiting(why: str) -> _Window:
        start = dates.add_months(dates.month_start(paid), waiting_months)
        key = "resident_interruption"
        reason = f"{why}，缴费满{waiting_months}个月后自{start.isoformat()}起享受当年度剩余月份待遇（{article(region, key)}）"
        return _Window(start, reason, article(region, key), **bridge)

    window = int(params["enrolment.registration_window_months"])
    if current.eligible_since and paid > dates.add_months(current.eligible_since, window):
        return waiting(f"符合参保条件后超过{window}个月才参保缴费，视为中断参保")
    continuing = (
        previous is not None and previous.scheme == Scheme.RESIDENT and _gap_months(previous, current) == 0
    )
    if continuing and paid >= year_start and current.start_date <= year_start:
        return waiting("未在参（续）保期内办理下一年度续保缴费，视为中断参保")
    return _Window(max(current.start_date, dates.next_month(paid)), **bridge)


def queue_person(*, id_number: str):
    """The person with this (normalised) ID number, or None, with what `benefit_status` reads first.

    Sent now and answered later (`core.rows.queue_one`): in a `core.rows.together()`
    block the person and their enrolments travel in one round trip with the caller's other
    reads (a settlement reads the institution too). The enrolments are kept on the person
    for the next `benefit_status` of it.
    """
    person = queue_one(Person, '"id_number" = %s', [id_number])
    enrolments = _queue_enrolments_with_flags(
        f'"{Enrolment._meta.db_table}"."person_id" = (SELECT "id" FROM "{Person._meta.db_table}" WHERE "id_number" = %s)',
        [id_number],
    )

    def answer() -> Person | None:
        found, rows = person(), enrolments()
        if found is not None:
            found._status_enrolments = rows
        return found

    return answer


def _queue_enrolments_with_flags(condition: str, params):
    # one fixed SELECT with EXISTS columns: compiling it as a queryset with five annotations
    # cost ~2 ms of Python per bill (core.rows)
    enrolment_table = Enrolment._meta.db_table

    def exists_in(model, column: str, outer: str) -> str:
        return f'EXISTS (SELECT 1 FROM "{model._meta.db_table}" WHERE "{column}" = "{enrolment_table}"."{outer}")'

    return queue_all(
        Enrolment,
        condition,
        params,
        order_by=f'"{enrolment_table}"."start_date", "{enrolment_table}"."id"',
        extra=(
            ("has_suspensions", exists_in(Suspension, "enrolment_id", "id")),
            ("person_has_certificates", exists_in(Certificate, "person_id", "person_id")),
            ("person_has_gp_contracts", exists_in(GpContract, "person_id", "person_id")),
            ("person_has_filings", exists_in(Filing, "person_id", "person_id")),
            ("person_has_transfers", exists_in(Transfer, "person_id", "person_id")),
        ),
    )


def _enrolments_with_flags(person: Person) -> tuple[list[Enrolment], dict | None]:
    """The person's enrolments and which other records exist, in one query.

    A settlement reads the status on every bill; most persons have no certificate, GP
    contract, filing, transfer or suspension, so those tables are read only when a row
    exists. Returns flags None when the caller prefetched the enrolments (then every
    table is read as before, using the caller's caches). Enrolments read with the person
    (`queue_person`) serve once.
    """
    if "enrolments" in getattr(person, "_prefetched_objects_cache", {}):
        return list(person.enrolments.all()), None
    enrolments = person.__dict__.pop("_status_enrolments", None)
    if enrolments is None:
        enrolments = _queue_enrolments_with_flags(
            f'"{Enrolment._meta.db_table}"."person_id" = %s', [person.pk]
        )()
    for enrolment in enrolments:
        Enrolment.person.field.set_cached_value(enrolment, person)
    if not enrolments:
        return enrolments, None
    first = enrolments[0]
    flags = {
        "certificates": first.person_has_certificates,
        "gp_contracts": first.person_has_gp_contracts,
        "filings": first.person_has_filings,
        "transfers": first.person_has_transfers,
    }
    return enrolments, flags


def benefit_status(*, person: Person, on: dt.date) -> BenefitStatus:
    """May `person` be settled on `on`; under which scheme and category; if not, why (with the article)."""
    region = person.region
    enrolments, flags = _enrolments_with_flags(person)

    def has(name: str) -> bool:
        return flags is None or flags[name]

    certificate = certificate_on(person, on) if has("certificates") else None
    contracts = [c for c in person.gp_contracts.all() if c.counts_on(on)] if has("gp_contracts") else []
    filings = sorted({f.kind for f in person.filings.all() if f.counts_on(on)}) if has("filings") else []
    common = {
        "region": region,
        "certificate": certificate,
        "contracted_gp": bool(contracts),
        "contracted_centre_code": contracts[-1].centre_code if contracts else None,
        "filings": filings,
    }

    def refuse(reason: str, art: str, enrolment: Enrolment | None = None, benefit_from=None) -> BenefitStatus:
        return BenefitStatus(
            eligible=False,
            scheme=enrolment.scheme if enrolment else None,
            category=engine_category(enrolment.scheme, enrolment.category) if enrolment else None,
            enrolment_category=enrolment.category if enrolment else None,
            district=enrolment.district if enrolment else None,
            reason=reason,
            article=art,
            benefit_from=benefit_from,
            enrolment_id=enrolment.pk if enrolment else None,
            **common,
        )

    def grant(scheme: str, category: str, district: str, enrolment: Enrolment, benefit_from) -> BenefitStatus:
        return BenefitStatus(
            eligible=True,
            scheme=scheme,
            category=engine_category(scheme, category),
            enrolment_category=category,
            district=district,
            reason="",
            article="",
            benefit_from=benefit_from,
            enrolment_id=enrolment.pk,
            **common,
        )

    if person.death_date and on > person.death_date:
        return refuse(f"参保人已于{person.death_date.isoformat()}死亡", article(region, "death"))
    current = next((enrolment for enrolment in enrolments if enrolment.covers(on)), None)
    if current is None:
        return refuse(f"{on.isoformat()} 无有效的基本医疗保险参保登记", article(region, "no_enrolment"))
    previous = _previous(enrolments, current)
    try:
        if current.scheme == Scheme.EMPLOYEE:
            transfers = list(person.transfers.all()) if has("transfers") else []
            window = _employee_window(person, current, previous, transfers, on)
        else:
            window = _resident_window(person, current, previous, on)
    except ParameterError as error:
        # a figure the rule needs is not set (e.g. a Zhoushan blank): refuse, naming it; never guess
        return refuse(str(error), getattr(error, "article", ""), current)

    if window.bridge_until and on < window.bridge_until and window.bridge_scheme:
        if window.bridge_article == article(region, "switch_to_flexible"):
            # 杭州 art. 73(1): resident benefits continue only while the employee contributions are paid
            known = current.suspensions.all() if flags is None or current.has_suspensions else ()
            stopped = next((s for s in known if s.blocks(on)), None)
            if stopped:
                return refuse(
                    f"转为灵活就业人员参加职工医保后{stopped.unpaid_month:%Y年%m月}未正常缴费，"
                    f"自{stopped.suspended_from.isoformat()}起不再继续享受城乡居民医保待遇"
                    f"（{window.bridge_article}、{stopped.article}）",
                    window.bridge_article,
                    current,
                    stopped.restored_from,
                )
        return grant(window.bridge_scheme, window.bridge_category, window.bridge_district, current, on)
    if window.benefit_from is None:
        return refuse(window.reason, window.article, current)
    if on < window.benefit_from:
        reason = window.reason or (
            f"待遇自{window.benefit_from.isoformat()}起享受（"
            f"{article(region, 'employee_start' if current.scheme == Scheme.EMPLOYEE else 'resident_start')}）"
        )
        art = window.article or article(
            region, "employee_start" if current.scheme == Scheme.EMPLOYEE else "resident_start"
        )
        return refuse(reason, art, current, window.benefit_from)
    suspensions = current.suspensions.all() if flags is None or current.has_suspensions else ()
    for suspension in suspensions:
        if suspension.blocks(on):
            if suspension.restored_from:
                reason = (
                    f"{suspension.unpaid_month:%Y年%m月}欠缴，自{suspension.suspended_from.isoformat()}起暂停待遇；"
                    f"已于{suspension.lifted_on.isoformat()}补缴，自{suspension.restored_from.isoformat()}起恢复，"
                    f"补缴时段内的医疗费基金不予支付"
                )
                return refuse(
                    f"{reason}（{suspension.article}）", suspension.article, current, suspension.restored_from
                )
            reason = f"{suspension.unpaid_month:%Y年%m月}未缴费，自{suspension.suspended_from.isoformat()}起暂停享受待遇"
            return refuse(f"{reason}（{suspension.article}）", suspension.article, current)
    return grant(current.scheme, current.category, current.district, current, window.benefit_from)


def benefit_status_text(status: BenefitStatus) -> str:
    """One line for clerks: the status and why."""
    if status.eligible:
        return f"可享受待遇：{status.scheme}/{status.category}，辖区 {status.district}"
    return f"不可享受待遇：{status.reason}"


def person_from(record: dict) -> Person:
    """The registered person an intake record names by `id_number`, or a refusal on that field."""
    number = normalise_id_number(str(record.get("id_number") or ""))
    if not number:
        raise field_error("id_number", "须填写证件号码")
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise field_error(
            "id_number", f"证件号码 {mask_id_number(number)} 未登记参保人，须先办理参保登记（杭州 第十四条）"
        )
    return person
