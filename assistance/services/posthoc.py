"""Post-hoc assistance (事后救助, 杭州 art. 50(2); 舟山 art. 42, 42(6)).

A clerk picks the person and a period. The settled bills of the period are assisted in date
order, each on its personal burden in assistance scope (the engine's formula, `policy.assistance`),
at the ratio of the recipient kind on the bill's date, less any immediate assistance it already
had, within what is left under the year's caps. The caps are the person's year row in claims
(`assistance_paid`, `assistance_outpatient_paid`): the settlement's immediate assistance adds to
the same figures under the same row lock, so neither path pays past a cap.

Which bills: settled, not reversed, not assisted post hoc before (an item's settlement is
unique), dated when the person was a recipient: 杭州 art. 52 from the certificate's registration
day (bills settled before the registration reached the system, or at an institution not
networked, art. 50(2)); 舟山 art. 44 from the month after recognition, and art. 42(6) the N
months before recognition (`assistance.pre_recognition_months`).

Paying once: `pay_posthoc` locks the application, then the person's year rows (the order every
settlement takes them); a paid application returns as it is, and a second application of the
same person and period finds nothing left and is refused. Nothing is written on a refusal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from claims import selectors as claims_selectors
from enrollment import selectors as enrollment_selectors
from policy import assistance as rules
from policy.money import ZERO
from policy.parameters import ParameterError
from policy.regions import region_of

from ..models import AssistancePosting, Channel, PostHocApplication, PostHocItem
from .errors import AssistanceError, require

DEC = Decimal("0.01")


@dataclass
class Planned:
    settlement: object
    recipient: rules.Recipient
    year_key: str
    burden: Decimal
    assisted: rules.Assisted


def _state_decimal(state: dict, name: str) -> Decimal:
    return Decimal(str(state.get(name) or "0")).quantize(DEC)


def _check_period(person, start, end) -> None:
    if start is None or end is None:
        raise AssistanceError("period_start" if start is None else "period_end", "请填写费用期间")
    if end < start:
        raise AssistanceError("period_end", "费用期间止不能早于费用期间起")
    if start > timezone.localdate():
        raise AssistanceError("period_start", "费用期间不能在今天之后")


def plan_posthoc(*, person, period_start: dt.date, period_end: dt.date, lock: bool = False) -> list[Planned]:
    """What post-hoc assistance would pay on the period's bills, in date order (refused when nothing).

    With `lock`, the person's year rows are locked first (inside the caller's transaction).
    """
    _check_period(person, period_start, period_end)
    region = person.region
    region_rules = region_of(region)
    facts = enrollment_selectors.certificate_facts(person)
    bills = list(claims_selectors.settled_bills(person=person, start=period_start, end=period_end))
    if not facts:
        raise AssistanceError(
            "person",
            f"{person.name} 没有救助证件登记，不是医疗救助对象",
            region_rules.article("assistance.recipients"),
        )
    if not bills:
        raise AssistanceError(
            "period_end",
            f"{period_start}至{period_end} 没有已结算的医疗费，没有可救助的费用",
            region_rules.article("assistance.posthoc"),
        )
    years = sorted({bill.year_key for bill in bills})
    rows = {}
    for key in years:  # the order every settlement of the person takes them: one row at a time, by year
        rows[key] = claims_selectors.year_row(person=person, year_key=key, for_update=lock)
    done = set(
        PostHocItem.objects.filter(settlement__in=[bill.pk for bill in bills]).values_list(
            "settlement_id", flat=True
        )
    )
    used = {
        key: [
            _state_decimal(row.state if row else {}, "assistance_paid"),
            _state_decimal(row.state if row else {}, "assistance_outpatient_paid"),
        ]
        for key, row in rows.items()
    }
    planned: list[Planned] = []
    recipient_seen = False
    for bill in bills:
        params = region_rules.parameters(bill.bill_date)
        try:
            recipient = rules.posthoc_recipient_on(region, facts, bill.bill_date, params)
        except ParameterError as error:
            raise AssistanceError("period_start", str(error), getattr(error, "article", "")) from None
        if recipient is None:
            continue
        recipient_seen = True
        if bill.pk in done:
            continue
        burden = rules.personal_burden(
            region,
            rules.Components(
                kind=bill.bill_kind,
                self_pay_first=bill.self_pay_first,
                eligible=bill.eligible,
                special_drug=bill.special_drug,
                current_funds_paid=bill.current_funds_paid,
                basic_fund_paid=bill.basic_fund_paid,
                catastrophic_paid=bill.catastrophic_paid,
            ),
        )
        if burden <= ZERO:
            continue
        total, outpatient = used[bill.year_key]
        try:
            caps = rules.caps_for(region, recipient, params, used_total=total, used_outpatient=outpatient)
            assisted = rules.assist(
                region,
                recipient,
                bill.bill_kind,
                burden,
                caps,
                params,
                already=bill.assistance_paid,
                psychiatric_bill=rules.is_psychiatric(bill.diagnosis_codes),
            )
        except ParameterError as error:
            raise AssistanceError("period_start", str(error), getattr(error, "article", "")) from None
        if assisted.amount <= ZERO:
            continue
        used[bill.year_key][0] += assisted.amount
        if assisted.outpatient:
            used[bill.year_key][1] += assisted.amount
        planned.append(Planned(bill, recipient, bill.year_key, burden, assisted))
    if not recipient_seen:
        raise AssistanceError(
            "person",
            f"{person.name} 在 {period_start}至{period_end} 的费用日期均不是医疗救助对象",
            region_rules.article("assistance.recipients"),
        )
    if not planned:
        raise AssistanceError(
            "period_end",
            f"{period_start}至{period_end} 没有可救助的费用（已救助、已达年度限额或个人负担为零）",
            region_rules.article("assistance.posthoc"),
        )
    return planned


@transaction.atomic
def create_posthoc(*, person, period_start, period_end, user=None, note: str = "") -> PostHocApplication:
    """Take a post-hoc application (the counter): refused when there is nothing to assist."""
    if user is not None:
        require(user, "add_posthocapplication", "受理事后救助申请")
    planned = plan_posthoc(person=person, period_start=period_start, period_end=period_end)
    return PostHocApplication.objects.create(
        person=person,
        period_start=period_start,
        period_end=period_end,
        preview_total=sum((p.assisted.amount for p in planned), ZERO),
        note=note,
        created_by=user,
    )


def pay_posthoc(
    *, application: PostHocApplication, user=None, today: dt.date | None = None
) -> PostHocApplication:
    """Pay an application once: items, the year rows' figures, the fund book, in one transaction."""
    if user is not None:
        require(user, "change_posthocapplication", "支付事后救助")
    today = today or timezone.localdate()
    with transaction.atomic():
        application = PostHocApplication.objects.select_for_update().get(pk=application.pk)
        if application.status == PostHocApplication.Status.PAID:
            return application  # paid before: a second run pays nothing more
        person = application.person
        planned = plan_posthoc(
            person=person, period_start=application.period_start, period_end=application.period_end, lock=True
        )
        by_year: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        postings = []
        items = []
        for plan in planned:
            bill, amount = plan.settlement, plan.assisted.amount
            by_year[plan.year_key][0] += amount
            if plan.assisted.outpatient:
                by_year[plan.year_key][1] += amount
            items.append(
                PostHocItem(
                    application=application,
                    settlement=bill,
                    bill_date=bill.bill_date,
                    year_key=plan.year_key,
                    certificate_kind=plan.recipient.kind,
                    outpatient=plan.assisted.outpatient,
                    burden=plan.burden,
                    ratio=plan.assisted.ratio,
                    already=bill.assistance_paid,
                    amount=amount,
                    lines=[line.as_dict() for line in plan.assisted.lines],
                )
            )
            postings.append(
                AssistancePosting(
                    fund="assistance",
                    channel=Channel.POSTHOC,
                    person=person,
                    region=person.region,
                    year_key=plan.year_key,
                    certificate_kind=plan.recipient.kind,
                    outpatient=plan.assisted.outpatient,
                    district=_district(person, bill.bill_date),
                    posted_on=today,
                    amount=-amount,
                    source_kind=AssistancePosting.SourceKind.APPLICATION,
                    source_id=f"{application.pk}:{bill.pk}",
                    application=application,
                    article=plan.assisted.lines[0].article,
                    text=f"事后救助 结算单 {bill.bill_number}（{bill.bill_date}）"[:200],
                )
            )
        PostHocItem.objects.bulk_create(items)
        AssistancePosting.objects.bulk_create(postings)
        for key, (total, outpatient) in by_year.items():
            row = claims_selectors.year_row(person=person, year_key=key, for_update=True)
            state = dict(row.state or {})
            state["assistance_paid"] = f"{_state_decimal(state, 'assistance_paid') + total:.2f}"
            state["assistance_outpatient_paid"] = (
                f"{_state_decimal(state, 'assistance_outpatient_paid') + outpatient:.2f}"
            )
            row.state = state
            row.save(update_fields=["state", "updated"])
        application.status = PostHocApplication.Status.PAID
        application.total = sum((item.amount for item in items), ZERO)
        application.paid_on = today
        application.paid_by = user
        application.save(update_fields=["status", "total", "paid_on", "paid_by"])
        return application


def run_posthoc(
    *, person, period_start, period_end, user=None, today=None, note: str = ""
) -> PostHocApplication:
    """Take and pay an application in one go (the clerk's usual path): a refusal leaves nothing behind."""
    with transaction.atomic():
        application = create_posthoc(
            person=person, period_start=period_start, period_end=period_end, user=user, note=note
        )
        return pay_posthoc(application=application, user=user, today=today)


def _district(person, on):
    from ..selectors import district_on

    return district_on(person, on)
