"""Benefit status as a pure function of the records (coverage-rules.md readings 1–10).

Plain values in, a `Coverage` out: the enrolments (`Span`), each employee month's
payment with its payment date (`Paid`), transfers in, the birth and death dates. Nothing
here reads a database or asks when a batch ran (reading 1).

Two families of rules, chosen by the parameters a region declares, never by its name:

- *month by month* (杭州 art. 15–17, readings 2–4): a month not paid by its last day
  suspends the next month; three consecutive months unpaid at the end of the third are an
  interruption, after which benefits start after six consecutive months paid on time;
  employee coverage continues across employee enrolments.
- *natural months* (舟山 art. 13–15, declared by `enrolment.arrears_suspension_natural_month`):
  benefits from the Nth natural month of registration; an unpaid month suspends from its
  Nth natural month until paid, and a payment inside the window covers the period.

Each refusal names an article key; the caller turns it into the region's citation
(`policy.regions.region_of(code).article(key)`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

EMPLOYEE, RESIDENT = "employee", "resident"
MONTHLY = frozenset({"active", "flexible", "unemployed"})
ADULT = frozenset({"adult_tier1", "adult_tier2", "adult_tier3"})
HIGHEST_RESIDENT_TIER = "adult_tier1"


# --- months ----------------------------------------------------------------------------


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `month`'s month."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def six_full_months(paid_on: dt.date, months: int) -> dt.date:
    """Reading 5: "缴费满 N 个月" counts N full calendar months from the payment date."""
    first_full = month_of(paid_on) if paid_on.day == 1 else add_months(paid_on, 1)
    return add_months(first_full, months)


# --- facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One enrolment as the derivation sees it."""

    id: int
    scheme: str
    category: str
    district: str
    start: dt.date
    end: dt.date | None = None
    first_paid_on: dt.date | None = None  # the first payment recorded for this enrolment
    eligible_since: dt.date | None = None
    switched: bool = False  # ended by a scheme switch (art. 73), not naturally

    def covers(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)

    def overlaps_month(self, month: dt.date) -> bool:
        return self.start <= month_end(month) and (self.end is None or self.end >= month)


@dataclass(frozen=True)
class Paid:
    """An employee month's contribution: when it was paid, and whether by an art. 17 back payment."""

    paid_on: dt.date
    back_paid: bool = False


@dataclass(frozen=True)
class TransferIn:
    on: dt.date
    from_scheme: str = EMPLOYEE
    continuous_months_before: int = 0


@dataclass(frozen=True)
class Facts:
    birth_date: dt.date
    spans: tuple[Span, ...]
    paid: Mapping[dt.date, Paid] = field(default_factory=dict)
    transfers: tuple[TransferIn, ...] = ()
    death_date: dt.date | None = None


@dataclass(frozen=True)
class Coverage:
    """The answer: granted under (scheme, category, district) of `span`, or refused with a reason."""

    eligible: bool
    span: Span | None
    scheme: str | None = None
    category: str | None = None
    district: str | None = None
    benefit_from: dt.date | None = None
    key: str = ""  # article key of the refusal (coverage.*)
    reason: str = ""  # the refusal without its citation
    also: tuple[str, ...] = ()  # further article keys the reason relies on


def _grant(span: Span, benefit_from, scheme=None, category=None, district=None) -> Coverage:
    return Coverage(
        True,
        span,
        scheme or span.scheme,
        category or span.category,
        district or span.district,
        benefit_from,
    )


def _refuse(span: Span | None, key: str, reason: str, benefit_from=None, also=()) -> Coverage:
    return Coverage(
        False,
        span,
        span.scheme if span else None,
        span.category if span else None,
        span.district if span else None,
        benefit_from,
        key,
        reason,
        tuple(also),
    )


# --- entry point -----------------------------------------------------------------------


def coverage(facts: Facts, on: dt.date, params) -> Coverage:
    """The status on `on`. `params` is the region's parameter view (`__getitem__`, `has`)."""
    if facts.death_date and on > facts.death_date:
        return _refuse(None, "coverage.death", f"参保人已于{facts.death_date.isoformat()}死亡")
    current = next((s for s in facts.spans if s.covers(on)), None)
    if current is None:
        current = _newborn_span(facts, on, params)
    if current is None:
        return _refuse(None, "coverage.no_enrolment", f"{on.isoformat()} 无有效的基本医疗保险参保登记")
    if current.scheme == EMPLOYEE:
        return _employee(facts, current, on, params)
    return _resident(facts, current, on, params)


def _natural_months(params) -> bool:
    """The region declares the natural-month rules (whether or not their figures are entered)."""
    declared = getattr(params, "declared", params)
    return "enrolment.arrears_suspension_natural_month" in declared


def _previous(facts: Facts, span: Span) -> Span | None:
    earlier = [s for s in facts.spans if s.id != span.id and s.end and s.end < span.start]
    return max(earlier, key=lambda s: s.end) if earlier else None


# --- employee: the month-by-month timeline -----------------------------------------------


class _Timeline:
    """Employee months from the person's first employee enrolment, with their payments."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.spans = [s for s in facts.spans if s.scheme == EMPLOYEE]
        self.first = month_of(min(s.start for s in self.spans)) if self.spans else None
        recorded = [m for m in facts.paid if self.first and m >= self.first]
        # months before the first recorded payment were never owed as arrears: benefits had not
        # started (art. 15); the first payment is then known from the enrolment
        self.checked_from = min(recorded) if recorded else None
        starts = [month_of(max(s.start, s.first_paid_on)) for s in self.spans if s.first_paid_on]
        if self.checked_from:
            starts.append(self.checked_from)
        # before the first payment benefits never started (art. 15): no month is owed yet
        self.owed_from = min(starts) if starts else None

    def span_in(self, month: dt.date) -> Span | None:
        inside = [s for s in self.spans if s.overlaps_month(month)]
        return max(inside, key=lambda s: s.start) if inside else None

    def checked(self, month: dt.date) -> bool:
        return self.checked_from is not None and month >= self.checked_from

    def paid_by(self, month: dt.date, day: dt.date) -> bool:
        payment = self.facts.paid.get(month)
        return payment is not None and payment.paid_on <= day

    def unpaid_at(self, month: dt.date, day: dt.date) -> bool:
        """No payment for `month` by `day`. A month outside any employee enrolment counts as unpaid
        unless paid (back paid); an enrolled month before the first recorded payment is not owed."""
        if self.owed_from is None or month < self.owed_from:
            return False
        span = self.span_in(month)
        if span is not None and span.category not in MONTHLY:
            return False  # agreement payers paid once; retirees pay nothing
        if span is not None and not self.checked(month):
            return not self._paid_per_enrolment(span, month, day)
        return not self.paid_by(month, day)

    def _paid_per_enrolment(self, span: Span, month: dt.date, day: dt.date) -> bool:
        if span.first_paid_on is None or span.first_paid_on > day:
            return False
        return month >= month_of(max(span.start, span.first_paid_on)) or month < month_of(span.start)

    def on_time(self, month: dt.date) -> bool:
        return not self.unpaid_at(month, month_end(month))

    def first_payment(self, since: dt.date) -> dt.date | None:
        """The earliest payment date for a month from `since` on (records or enrolments)."""
        dates = [p.paid_on for m, p in self.facts.paid.items() if m >= since]
        dates += [s.first_paid_on for s in self.spans if s.first_paid_on and month_of(s.start) >= since]
        dates += [s.first_paid_on for s in self.spans if s.first_paid_on and s.overlaps_month(since)]
        return min(dates) if dates else None


def _interruption_before(tl: _Timeline, facts: Facts, month: dt.date, params) -> tuple[dt.date, str] | None:
    """The last interruption that ended before `month`: (its last month, article key)."""
    window = int(params["enrolment.interruption_months"])
    found = None
    probe = tl.first
    while probe is not None and probe < month:
        end = month_end(probe)
        payment = facts.paid.get(probe)
        if payment is not None and payment.paid_on <= end:
            # recorded and paid by its month's end: `unpaid_at(probe, end)` is False (the month is
            # checked, being recorded), so no run of unpaid months ends here
            probe = add_months(probe, 1)
            continue
        run = [add_months(probe, -i) for i in range(window)]
        if run[-1] >= tl.first and all(tl.unpaid_at(m, end) for m in run):
            spans = [tl.span_in(m) for m in run]
            # art. 16(2) ¶2: an employer's arrears for its staff restore from the month after its back
            # payment, without a waiting period; any other run of unpaid months is an interruption
            if not all(s is not None and s.category == "active" for s in spans):
                found = (probe, "coverage.interruption")
        probe = add_months(probe, 1)
    registration_window = int(params["enrolment.registration_window_months"])
    for span in tl.spans:
        start = month_of(span.start)
        if start > month or not _starts_spell(tl, span):
            continue
        before = add_months(start, -1)
        if found is not None and found[0] >= before:
            continue
        if span.eligible_since and span.start > _add_months_day(span.eligible_since, registration_window):
            found = (before, "coverage.late_registration")
            continue
        transfer = _transfer_of(facts, span)
        if transfer and transfer.from_scheme == EMPLOYEE and transfer.continuous_months_before < 12:
            found = (before, "coverage.transfer_waiting")
    return found


def _starts_spell(tl: _Timeline, span: Span) -> bool:
    """No employee month of this person in the month before the enrolment's start month."""
    before = add_months(month_of(span.start), -1)
    return not any(s.overlaps_month(before) for s in tl.spans if s.id != span.id) and not any(
        s.id != span.id and s.start < span.start and s.overlaps_month(month_of(span.start)) for s in tl.spans
    )


def _transfer_of(facts: Facts, span: Span) -> TransferIn | None:
    """Reading 9: a transfer-in belongs to the employee enrolment it came with, whenever recorded:
    the one covering its date, else the next one starting after it."""
    employee = sorted((s for s in facts.spans if s.scheme == EMPLOYEE), key=lambda s: s.start)
    mine = None
    for transfer in facts.transfers:
        owner = next((s for s in employee if s.covers(transfer.on)), None)
        owner = owner or next((s for s in employee if s.start > transfer.on), None)
        if owner is not None and owner.id == span.id:
            mine = transfer
    return mine


def _wait_end(tl: _Timeline, after: dt.date, until: dt.date, months: int) -> tuple[dt.date | None, int]:
    """The month after `months` consecutive months paid on time, counted from the month after `after`."""
    count, probe = 0, add_months(after, 1)
    while probe < until:
        span = tl.span_in(probe)
        count = count + 1 if span is not None and tl.on_time(probe) else 0
        if count >= months:
            return add_months(probe, 1), count
        probe = add_months(probe, 1)
    return None, count


def _employee(facts: Facts, current: Span, on: dt.date, params) -> Coverage:
    if current.category == "retired":
        return _grant(current, current.start)
    if _natural_months(params):
        return _employee_natural(facts, current, on, params)
    if current.category == "agreement":
        if current.first_paid_on is None:
            return _refuse(
                current, "coverage.employee_start", "已办理参保登记但尚未缴费，缴费后次月起享受职工医保待遇"
            )
        start = add_months(month_of(max(current.start, current.first_paid_on)), 1)
        if on < start:
            return _refuse(current, "coverage.employee_start", f"待遇自{start.isoformat()}起享受", start)
        return _grant(current, start)
    tl = _Timeline(facts)
    month = month_of(on)
    payment = facts.paid.get(month)
    if payment is not None and payment.back_paid:
        return _refuse(
            current,
            "coverage.back_paid",
            f"{month:%Y年%m月}为补缴月份（{payment.paid_on.isoformat()}补缴），补缴时段内的医疗费基金不予支付",
        )
    if current.category == "unemployed":
        benefit_from = current.start  # art. 15 ¶3: from the day of enrolment
        if month_of(on) > month_of(current.start):
            refused = _month_rule(tl, current, month)
            if refused:
                return refused
        return _grant(current, benefit_from)

    # where the present run of employee months began, and what it waits for
    interruption = _interruption_before(tl, facts, month, params)
    switch = _switch_into_employee(facts, tl, current, params)
    if switch is not None:
        return _switch_status(facts, tl, current, on, params, switch)
    if interruption is not None:
        last, key = interruption
        waiting = int(params["enrolment.employee_waiting_months"])
        start, count = _wait_end(tl, last, month, waiting)
        if start is None or on < start:
            transfer = _transfer_of(facts, current)
            why = {
                "coverage.interruption": f"{last:%Y年%m月}止连续{int(params['enrolment.interruption_months'])}个月及以上未缴费，视为中断参保",
                "coverage.late_registration": f"符合参保条件后超过{int(params['enrolment.registration_window_months'])}个月才办理参保缴费，视为中断参保",
                "coverage.transfer_waiting": "转入本市参保前12个月未在其他统筹地连续正常参加职工医保",
            }[key]
            expected = add_months(month, waiting - count) if start is None else start
            reason = f"{why}，须连续正常缴费满{waiting}个月后享受职工医保待遇（已连续正常缴费{count}个月）"
            return _refuse(current, key, reason, expected if start is None else start)
        return _month_rule(tl, current, month) or _grant(current, start)
    # art. 77: from a resident scheme elsewhere, the waiting period with the highest resident tier
    transfer = _transfer_of(facts, current)
    first_paid = tl.first_payment(tl.first)
    if first_paid is None:
        return _refuse(
            current, "coverage.employee_start", "已办理参保登记但尚未缴费，缴费后次月起享受职工医保待遇"
        )
    if transfer and transfer.from_scheme == RESIDENT and _starts_spell(tl, current):
        waiting = int(params["enrolment.employee_waiting_months"])
        start, count = _wait_end(tl, add_months(month_of(current.start), -1), month, waiting)
        if start is None or on < start:
            bridge = _month_rule(tl, current, month) if month > month_of(current.start) else None
            if bridge:
                return bridge
            return _grant(current, on, RESIDENT, HIGHEST_RESIDENT_TIER, current.district)
        return _month_rule(tl, current, month) or _grant(current, start)
    start = add_months(month_of(max(first_paid, tl.first)), 1)
    if on < start:
        return _refuse(
            current,
            "coverage.employee_start",
            f"缴费后次月起享受职工医保待遇，待遇自{start.isoformat()}起享受",
            start,
        )
    return _month_rule(tl, current, month) or _grant(current, start)


def _month_rule(tl: _Timeline, current: Span, month: dt.date) -> Coverage | None:
    """Reading 2: the month before governs this one."""
    before = add_months(month, -1)
    if tl.first is None or before < tl.first or tl.on_time(before):
        return None
    payment = tl.facts.paid.get(before)
    if tl.span_in(before) is None and payment is None:
        return _refuse(
            current,
            "coverage.employee_start",
            f"{before:%Y年%m月}未参加职工医保缴费，自缴费次月起享受职工医保待遇",
        )
    if payment is not None:
        restored = add_months(month_of(payment.paid_on), 1)
        return _refuse(
            current,
            "coverage.restored",
            f"{before:%Y年%m月}未按时缴费，自{month.isoformat()}起暂停待遇；已于{payment.paid_on.isoformat()}补缴，"
            f"自{restored.isoformat()}起恢复，补缴时段内的医疗费基金不予支付",
            restored,
            also=("coverage.suspension",),
        )
    return _refuse(
        current, "coverage.suspension", f"{before:%Y年%m月}未缴费，自{month.isoformat()}起暂停享受待遇"
    )


# --- employee: art. 73 switches into the employee scheme ---------------------------------


@dataclass(frozen=True)
class _Switch:
    kind: str  # "bridge" (art. 73(1)), "after_stop" (art. 73(3)), "natural_end" (art. 73 ¶4)
    previous: Span
    chain_start: Span


def _chain_start(tl: _Timeline, current: Span) -> Span:
    span = current
    while True:
        before = [
            s
            for s in tl.spans
            if s.id != span.id
            and s.start < span.start
            and s.end is not None
            and months_between(s.end, span.start) <= 1
        ]
        if not before:
            return span
        span = max(before, key=lambda s: s.start)


def _switch_into_employee(facts: Facts, tl: _Timeline, current: Span, params) -> _Switch | None:
    first = _chain_start(tl, current)
    previous = _previous(facts, first)
    if previous is None or previous.scheme != RESIDENT:
        return None
    # art. 73(2): back to the employee scheme within 3 months of leaving it is a continuation
    window = int(params["enrolment.interruption_months"])
    if any(
        s.scheme == EMPLOYEE
        and s.end is not None
        and s.end < previous.start
        and months_between(s.end, first.start) <= window
        for s in tl.spans
    ):
        return None
    live = previous.first_paid_on is not None and previous.covers(first.start - dt.timedelta(days=1))
    if not live:
        stopped_since = (
            previous.start if previous.first_paid_on is None else previous.end + dt.timedelta(days=1)
        )
        if months_between(stopped_since, first.start) >= window:
            return _Switch("after_stop", previous, first)
        return None
    if previous.switched and first.category == "flexible" and previous.category in ADULT:
        return _Switch("bridge", previous, first)
    return _Switch("natural_end", previous, first)


def _switch_status(facts, tl, current, on, params, switch: _Switch) -> Coverage:
    month = month_of(on)
    first_paid = tl.first_payment(month_of(switch.chain_start.start))
    previous = switch.previous
    if switch.kind == "natural_end":
        # art. 73 ¶4: the month of enrolment keeps the resident benefits
        if month == month_of(switch.chain_start.start):
            return _grant(current, on, RESIDENT, previous.category, previous.district)
        if first_paid is None:
            return _refuse(
                current, "coverage.employee_start", "已办理参保登记但尚未缴费，缴费后次月起享受职工医保待遇"
            )
        start = add_months(month_of(max(first_paid, switch.chain_start.start)), 1)
        if on < start:
            return _refuse(current, "coverage.employee_start", f"待遇自{start.isoformat()}起享受", start)
        return _month_rule(tl, current, month) or _grant(current, start)
    waiting = int(params["enrolment.employee_waiting_months"])
    if first_paid is None:
        if switch.kind == "bridge":
            return _grant(current, on, RESIDENT, previous.category, previous.district)
        return _refuse(
            current, "coverage.employee_start", "已办理参保登记但尚未缴费，缴费后次月起享受职工医保待遇"
        )
    start = six_full_months(first_paid, waiting)
    if switch.kind == "after_stop":
        if on < start:
            return _refuse(
                current,
                "coverage.switch_after_stop",
                f"原险种停保3个月及以上后转换险种，视为中断参保，新险种缴费满{waiting}个月后自{start.isoformat()}起享受待遇",
                start,
            )
        return _month_rule(tl, current, month) or _grant(current, start)
    # art. 73(1): resident benefits continue during the first six months of employee payment, while paid
    if on < start:
        if month > month_of(switch.chain_start.start):
            stopped = _month_rule(tl, current, month)
            if stopped:
                return Coverage(
                    False,
                    current,
                    current.scheme,
                    current.category,
                    current.district,
                    stopped.benefit_from,
                    "coverage.switch_to_flexible",
                    f"转为灵活就业人员参加职工医保后未正常缴费，不再继续享受城乡居民医保待遇：{stopped.reason}",
                    (stopped.key,),
                )
        return _grant(current, on, RESIDENT, previous.category, previous.district)
    return _month_rule(tl, current, month) or _grant(current, start)


# --- employee: natural months (declared by the region's parameters) ----------------------


def _employee_natural(facts: Facts, current: Span, on: dt.date, params) -> Coverage:
    tl = _Timeline(facts)
    first = _chain_start(tl, current)
    natural = int(params["enrolment.benefit_start_natural_month"])
    start = add_months(month_of(first.start), natural - 1)
    if current.category == "unemployed":
        start = current.start
    if on < start:
        return _refuse(
            current,
            "coverage.employee_start",
            f"自办理参保登记的第{natural}个自然月（{start.isoformat()}）起享受职工医保待遇",
            start,
        )
    if current.category not in MONTHLY:
        return _grant(current, start)
    suspension = int(params["enrolment.arrears_suspension_natural_month"])
    window = int(params["enrolment.back_payment_window_months"])
    month = month_of(on)
    probe = tl.checked_from
    while probe is not None and probe < month:
        if tl.span_in(probe) is not None and add_months(probe, suspension - 1) <= month:
            payment = facts.paid.get(probe)
            if payment is None:
                return _refuse(
                    current,
                    "coverage.suspension",
                    f"{probe:%Y年%m月}欠缴，自{add_months(probe, suspension - 1).isoformat()}起暂停享受待遇",
                )
            late = payment.paid_on > month_end(probe)
            covered = payment.paid_on < add_months(probe, window + 1)
            restored = add_months(month_of(payment.paid_on), 1)
            if late and not covered and on < restored:
                return _refuse(
                    current,
                    "coverage.restored",
                    f"{probe:%Y年%m月}欠缴，已于{payment.paid_on.isoformat()}补缴，自{restored.isoformat()}起恢复",
                    restored,
                )
        probe = add_months(probe, 1)
    return _grant(current, start)


# --- residents ---------------------------------------------------------------------------


def _resident_year_start(span: Span) -> dt.date:
    if span.category == "student":
        year = span.start.year if span.start.month >= 9 else span.start.year - 1
        return dt.date(year, 9, 1)
    return dt.date(span.start.year, 1, 1)


def _newborn_span(facts: Facts, on: dt.date, params) -> Span | None:
    """Reading 8: a newborn enrolled and paid within the window is covered from birth, whatever start was typed."""
    if _natural_months(params) or on < facts.birth_date:
        return None
    window = int(params["enrolment.newborn_window_months"])
    limit = _add_months_day(facts.birth_date, window)
    for span in facts.spans:
        if (
            span.scheme == RESIDENT
            and span.category == "child"
            and facts.birth_date <= on < span.start
            and span.start <= limit
            and span.first_paid_on is not None
            and span.first_paid_on <= limit
        ):
            return span
    return None


def _add_months_day(day: dt.date, months: int) -> dt.date:
    target = add_months(day, months)
    for candidate in (day.day, 30, 29, 28):
        try:
            return target.replace(day=min(day.day, candidate))
        except ValueError:
            continue
    return target


def _resident(facts: Facts, current: Span, on: dt.date, params) -> Coverage:
    previous = _previous(facts, current)
    bridge = None
    if (
        previous is not None
        and previous.scheme == EMPLOYEE
        and months_between(previous.end, current.start) <= 1
    ):
        # art. 73(2): the month of enrolment keeps the employee benefits, if there were any that day (reading 7)
        if month_of(on) == month_of(current.start):
            employee = _employee(facts, previous, on, params) if not _natural_months(params) else None
            if employee is None or employee.eligible:
                bridge = _grant(current, on, EMPLOYEE, previous.category, previous.district)
            else:
                bridge = Coverage(
                    False,
                    current,
                    current.scheme,
                    current.category,
                    current.district,
                    None,
                    "coverage.switch_to_resident",
                    f"转换险种当月不能继续享受职工医保待遇：{employee.reason}",
                    (employee.key,),
                )
    if current.first_paid_on is None:
        if bridge is not None and bridge.eligible:
            return bridge
        return _refuse(current, "coverage.resident_start", "尚未缴纳城乡居民医保费，缴费次月起享受待遇")
    paid = current.first_paid_on
    year_start = _resident_year_start(current)
    if _natural_months(params):
        if paid < year_start:
            return bridge if bridge and bridge.eligible else _grant(current, max(current.start, year_start))
        natural = int(params["resident.late_enrolment_natural_month"])
        start = max(current.start, add_months(month_of(paid), natural - 1))
        if on < start:
            if bridge is not None and bridge.eligible:
                return bridge
            return _refuse(
                current,
                "coverage.resident_interruption",
                f"未在集中征缴期内参保缴费，自缴费月起的第{natural}个自然月（{start.isoformat()}）起享受待遇",
                start,
            )
        return _grant(current, start)
    window = int(params["enrolment.newborn_window_months"])
    limit = _add_months_day(facts.birth_date, window)
    if current.category == "child" and current.start <= limit and paid <= limit:
        return _grant(current, facts.birth_date)  # art. 34, reading 8: from the date of birth
    waiting = int(params["enrolment.resident_waiting_months"])
    interruption_window = int(params["enrolment.interruption_months"])
    registration_window = int(params["enrolment.registration_window_months"])
    start, key, why = max(current.start, add_months(month_of(paid), 1)), "coverage.resident_start", ""
    if current.eligible_since and paid > _add_months_day(current.eligible_since, registration_window):
        key, why = (
            "coverage.resident_interruption",
            f"符合参保条件后超过{registration_window}个月才参保缴费，视为中断参保",
        )
    elif (
        previous is not None
        and previous.scheme == EMPLOYEE
        and (months_between(previous.end, current.start) - 1 >= interruption_window)
    ):
        key, why = "coverage.switch_after_stop", "原险种停保3个月及以上后转换险种，视为中断参保"
    elif paid >= year_start and any(
        s.scheme == RESIDENT and s.end is not None and s.end < current.start for s in facts.spans
    ):
        key, why = "coverage.resident_interruption", "未在参（续）保期内办理下一年度续保缴费，视为中断参保"
    if why:
        start = max(current.start, six_full_months(paid, waiting))
        if on < start:
            if bridge is not None:
                return bridge if bridge.eligible else bridge
            return _refuse(
                current,
                key,
                f"{why}，缴费满{waiting}个月后自{start.isoformat()}起享受当年度剩余月份待遇",
                start,
            )
        return _grant(current, start)
    if on < start:
        if bridge is not None:
            return bridge
        return _refuse(
            current, key, f"缴费次月起享受城乡居民医保待遇，待遇自{start.isoformat()}起享受", start
        )
    return _grant(current, start)


# --- the suspensions the derivation implies (what the arrears job writes for clerks) ----------


@dataclass(frozen=True)
class Suspended:
    unpaid_month: dt.date
    suspended_from: dt.date
    paid_on: dt.date | None
    restored_from: dt.date | None
    key: str


def suspensions(facts: Facts, span: Span, until: dt.date, params_on) -> list[Suspended]:
    """Reading 1: each month of a monthly-paying enrolment not paid on time whose suspension has begun
    by `until`, with when benefits return as the derivation says (None while unknown).

    `params_on(day)` gives the parameter view of a day. A month whose suspension the derivation
    does not confirm (paid inside a covering window, or a switch elsewhere) gives no row.
    """
    if span.scheme != EMPLOYEE or span.category not in MONTHLY:
        return []
    tl = _Timeline(facts)
    if tl.owed_from is None:
        return []
    found = []
    month = max(month_of(span.start), tl.owed_from)
    last = month_of(min(span.end or until, until))
    while month <= last:
        params = params_on(month)
        natural = int(params["enrolment.arrears_suspension_natural_month"]) if _natural_months(params) else 2
        suspended_from = add_months(month, natural - 1)
        if suspended_from > until:
            break
        if not tl.on_time(month):
            status = coverage(facts, suspended_from, params_on(suspended_from))
            if not status.eligible and status.key != "coverage.no_enrolment":
                payment = facts.paid.get(month)
                restored = _restored_from(facts, status, suspended_from, params_on) if payment else None
                paid_on = payment.paid_on if payment else None
                found.append(Suspended(month, suspended_from, paid_on, restored, status.key))
        month = add_months(month, 1)
    return found


def _first_covered(facts: Facts, since: dt.date, params_on) -> dt.date | None:
    """The first month start from `since` on with benefits, as far as the payments recorded reach."""
    horizon = add_months(max(facts.paid), 2) if facts.paid else since
    month = add_months(since, 1)
    while month <= horizon:
        if coverage(facts, month, params_on(month)).eligible:
            return month
        month = add_months(month, 1)
    return None


WAITS = frozenset({"coverage.interruption", "coverage.late_registration", "coverage.transfer_waiting"})


def _restored_from(facts: Facts, status: Coverage, since: dt.date, params_on) -> dt.date | None:
    """When a paid month's suspension ends: the month after its payment (art. 16(2)), or, when the
    month is part of an interruption, the end of the waiting period (art. 16(1))."""
    if status.key == "coverage.restored" and status.benefit_from:
        after = coverage(facts, status.benefit_from, params_on(status.benefit_from))
        if after.eligible or after.key not in WAITS:
            return status.benefit_from
    return _first_covered(facts, since, params_on)
