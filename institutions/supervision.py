"""Intelligent supervision (智能监管, 杭州 art. 99, 舟山 art. 71, 77): the higher part, above claims.

Rules are data (`Rule`: enabled, thresholds, article). They run as a batch over the bills
of a day (nightly, `institutions.tasks.supervise_day`) and over single settlements after
their commit (`claims.signals.settlement_committed` → a Celery task; with no broker the
settlement does not wait for them: the queued batch `supervise_recent` picks them up).
A rule flags a bill for review and never blocks or delays its payment. Each rule is one
set-based query over the scope; a flag is written once per (settlement, rule).

A clerk reviews a flag: dismissed, or confirmed, which records a recovery (追回) of the
amount on the institution's agreement in force on the bill date (`agreements.record_breach`);
the next clearing deducts it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import selectors as claims_selectors
from policy.regions import region_of

from . import agreements
from .models import Flag, Rule

DEFAULTS = {
    Rule.Kind.SAME_DAY_INPATIENT: {},
    Rule.Kind.OVERLAPPING_STAYS: {},
    Rule.Kind.VOLUME_SPIKE: {"factor": 3, "min_count": 20, "window_days": 90},
    Rule.Kind.JUST_UNDER_THRESHOLD: {"threshold": "200.00", "margin": "0.05", "count": 5, "window_days": 30},
    Rule.Kind.AFTER_DEATH: {},
}


def ensure_rules() -> dict[str, Rule]:
    """The rule rows, created with their default thresholds when missing (a clerk changes them in the admin)."""
    rules = {rule.kind: rule for rule in Rule.objects.all()}
    for kind, thresholds in DEFAULTS.items():
        if kind not in rules:
            rules[kind], _created = Rule.objects.get_or_create(
                kind=kind, defaults={"name": Rule.Kind(kind).label, "thresholds": thresholds}
            )
    return rules


def _settled():
    return claims_selectors.direct_settlements().filter(kind="settlement", status="settled")


def _threshold(rule: Rule, key: str):
    value = (rule.thresholds or {}).get(key, DEFAULTS[rule.kind].get(key))
    if value is None:
        raise ValidationError(
            {"thresholds": _("规则 %(rule)s 缺少阈值 %(key)s") % {"rule": rule.name, "key": key}}
        )
    return Decimal(str(value))


# --- the rules: each returns (settlement row, words) for the scope -------------------------------

FIELDS = ("pk", "institution_id", "person_id", "bill_date", "basic_fund_paid", "region")


def same_day_inpatient(scope, rule, *, day: dt.date | None = None):
    """Another institution's inpatient settlement of the same person on the same day.

    Over a day: one GROUP BY of the day's inpatient bills (persons with more than one
    institution); over a few settlements: an EXISTS probe per bill (by the person's index).
    """
    inpatient = scope.filter(bill_kind="inpatient")
    if day is not None:
        persons = (
            _settled()
            .filter(bill_date=day, bill_kind="inpatient")
            .order_by()
            .values("person_id")
            .annotate(low=Min("institution_id"), high=Max("institution_id"))
            .filter(low__lt=F("high"))
            .values("person_id")
        )
        rows = inpatient.filter(person_id__in=persons)
    else:
        other = (
            _settled()
            .filter(person_id=OuterRef("person_id"), bill_date=OuterRef("bill_date"), bill_kind="inpatient")
            .exclude(institution_id=OuterRef("institution_id"))
        )
        rows = inpatient.filter(Exists(other))
    for row in rows.values(*FIELDS):
        yield row, _("同一参保人同日在另一家机构也有住院结算")


def overlapping_stays(scope, rule, **_ignored):
    """Another inpatient stay of the same person overlapping this one (not the same stay's other segment).

    A stay is settled on its discharge (bill date = discharge date, claims' check), so a stay
    that ends after the scope's earliest admission has a bill date after it: the other side
    reads only the bills dated since then (the bill date's index), not the persons' history.
    """
    stays = scope.filter(bill_kind="inpatient", admission_date__isnull=False)
    earliest = stays.order_by().aggregate(first=Min("admission_date"))["first"]
    if earliest is None:
        return
    other = (
        _settled()
        .filter(bill_kind="inpatient", admission_date__isnull=False, bill_date__gt=earliest)
        .filter(
            person_id=OuterRef("person_id"),
            admission_date__lt=OuterRef("discharge_date"),
            discharge_date__gt=OuterRef("admission_date"),
        )
        .exclude(pk=OuterRef("pk"))
        .exclude(admission_date=OuterRef("admission_date"), institution_id=OuterRef("institution_id"))
    )
    for row in stays.filter(Exists(other)).values(*FIELDS):
        yield row, _("住院期间与该参保人另一次住院重叠")


def volume_spike(scope, rule, *, day: dt.date | None):
    """An institution's count of bills on the day above `factor` × its own median day of the past `window_days`."""
    if day is None:
        return  # a day-level rule: the day batch runs it
    factor, least = _threshold(rule, "factor"), int(_threshold(rule, "min_count"))
    window = int(_threshold(rule, "window_days"))
    today = {
        row["institution_id"]: row
        for row in scope.values("institution_id").annotate(n=Count("pk"), last=Max("pk")).order_by()
        if row["n"] >= least
    }
    if not today:
        return
    history = defaultdict(dict)
    for row in (
        _settled()
        .filter(
            institution_id__in=list(today), bill_date__gte=day - dt.timedelta(days=window), bill_date__lt=day
        )
        .values("institution_id", "bill_date")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        history[row["institution_id"]][row["bill_date"]] = row["n"]
    spikes = []
    for institution, row in today.items():
        counts = [history[institution].get(day - dt.timedelta(days=back), 0) for back in range(1, window + 1)]
        median = Decimal(str(statistics.median(counts)))
        if row["n"] > factor * max(median, Decimal(1)):
            spikes.append((row, median))
    flagged = {
        found["pk"]: found
        for found in _settled().filter(pk__in=[r["last"] for r, _m in spikes]).values(*FIELDS)
    }
    for row, median in spikes:
        yield (
            flagged[row["last"]],
            _("当日结算 %(n)s 笔，超过本机构前 %(w)s 日中位数 %(m)s 的 %(f)s 倍")
            % {"n": row["n"], "w": window, "m": median, "f": factor},
        )


def just_under_threshold(scope, rule, **_ignored):
    threshold, margin = _threshold(rule, "threshold"), _threshold(rule, "margin")
    times, window = int(_threshold(rule, "count")), int(_threshold(rule, "window_days"))
    low = threshold * (1 - margin)
    near = _settled().filter(bill_kind="pharmacy", total__gte=low, total__lt=threshold)
    candidates = list(scope.filter(bill_kind="pharmacy", total__gte=low, total__lt=threshold).values(*FIELDS))
    if not candidates:
        return
    persons = {row["person_id"] for row in candidates}
    first = min(row["bill_date"] for row in candidates) - dt.timedelta(days=window)
    dates = defaultdict(list)
    last = max(row["bill_date"] for row in candidates)
    for person, day in near.filter(
        person_id__in=persons, bill_date__gte=first, bill_date__lte=last
    ).values_list("person_id", "bill_date"):
        dates[person].append(day)
    for days in dates.values():
        days.sort()
    for row in candidates:
        since = row["bill_date"] - dt.timedelta(days=window - 1)
        days = dates[row["person_id"]]
        seen = bisect_right(days, row["bill_date"]) - bisect_left(days, since)
        if seen >= times:
            yield (
                row,
                _("%(w)s 日内 %(n)s 次药店费用略低于 %(t)s 元") % {"w": window, "n": seen, "t": threshold},
            )


def after_death(scope, rule, **_ignored):  # a join to the person
    rows = scope.filter(person__death_date__isnull=False, bill_date__gt=F("person__death_date"))
    for row in rows.values(*FIELDS, "person__death_date"):
        yield row, _("费用日期晚于参保人死亡日期 %(d)s") % {"d": row["person__death_date"].isoformat()}


RULES = {
    Rule.Kind.SAME_DAY_INPATIENT: same_day_inpatient,
    Rule.Kind.OVERLAPPING_STAYS: overlapping_stays,
    Rule.Kind.VOLUME_SPIKE: volume_spike,
    Rule.Kind.JUST_UNDER_THRESHOLD: just_under_threshold,
    Rule.Kind.AFTER_DEATH: after_death,
}


def run(*, day: dt.date | None = None, settlement_ids=None) -> int:
    """Run the enabled rules over a day's bills, or over some settlements; returns the flags written."""
    if (day is None) == (settlement_ids is None):
        raise ValueError("either day or settlement_ids")
    scope = (
        _settled().filter(bill_date=day)
        if day is not None
        else _settled().filter(pk__in=list(settlement_ids))
    )
    flags, articles = [], {}
    for kind, rule in ensure_rules().items():
        if not rule.enabled:
            continue
        for row, words in RULES[kind](scope, rule, day=day):
            flags.append(
                (
                    rule.pk,
                    row["pk"],
                    row["institution_id"],
                    row["person_id"],
                    row["bill_date"],
                    str(words)[:300],
                    rule.article or _region_article(articles, row["region"]),
                    row["basic_fund_paid"],
                )
            )
    if not flags:
        return 0
    before = Flag.objects.count()
    _write_flags(flags)
    return Flag.objects.count() - before


FLAG_COLUMNS = ("rule", "settlement", "institution", "person", "day", "detail", "article", "amount")


def _write_flags(flags: list[tuple]) -> None:
    """Insert the flags, once per (settlement, rule) (ON CONFLICT DO NOTHING), from plain tuples: on
    PostgreSQL one INSERT … SELECT FROM unnest(arrays), elsewhere one executemany. (Compiling 10,000
    model instances through bulk_create cost more than the rules' queries.)"""
    meta, ops = Flag._meta, connection.ops
    names = [*FLAG_COLUMNS, "state", "created", "review_note"]
    columns = ", ".join(ops.quote_name(meta.get_field(name).column) for name in names)
    table = ops.quote_name(meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = [list(column) for column in zip(*flags, strict=True)]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT f.*, %s, %s, '' FROM unnest(%s::bigint[], %s::bigint[], "
                "%s::bigint[], %s::bigint[], %s::date[], %s::text[], %s::text[], %s::numeric[]) AS f "
                "ON CONFLICT DO NOTHING",
                [Flag.State.OPEN.value, now, *arrays],
            )
            return
        amount = meta.get_field("amount")
        rows = [
            (
                *values[:4],
                ops.adapt_datefield_value(values[4]),
                values[5],
                values[6],
                ops.adapt_decimalfield_value(values[7], amount.max_digits, amount.decimal_places),
                Flag.State.OPEN.value,
                ops.adapt_datetimefield_value(now),
                "",
            )
            for values in flags
        ]
        marks = ", ".join(["%s"] * len(names))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows)


def _region_article(articles: dict, region: str) -> str:
    """The region's supervision article, asked once per region in a batch."""
    if region not in articles:
        articles[region] = _article(region)
    return articles[region]


def _article(region: str) -> str:
    try:
        return region_of(region).article("institutions.supervision")
    except LookupError:
        return ""


def on_settlement_committed(sender, settlement_id: int, **kwargs) -> None:
    """After a settlement commits: queue its rules (Celery). In process (no broker) nothing runs now:
    the settlement must not wait, and the queued batch `supervise_recent` takes it up."""
    from .tasks import supervise_settlement

    if supervise_settlement.app.conf.task_always_eager:
        return
    supervise_settlement.delay(settlement_id)


# --- review ----------------------------------------------------------------------------------


def review(*, flag: Flag, decision: str, user, note: str = "", amount: Decimal | None = None) -> Flag:
    """Dismiss a flag, or confirm it: a recovery (追回) of `amount` (default: what the basic fund paid) on the agreement."""
    if decision not in (Flag.State.DISMISSED, Flag.State.CONFIRMED):
        raise ValidationError({"decision": _("审核结论应为排除或确认违规")})
    with transaction.atomic():
        flag = Flag.objects.select_for_update().select_related("rule").get(pk=flag.pk)
        if flag.state != Flag.State.OPEN:
            raise ValidationError(
                {"state": _("该疑点已审核（%(state)s）") % {"state": flag.get_state_display()}}
            )
        if decision == Flag.State.CONFIRMED:
            amount = flag.amount if amount is None else Decimal(amount)
            agreement = agreements.agreement_on(flag.institution_id, flag.day)
            if agreement is None:
                raise ValidationError({"decision": _("该机构在费用日期没有医保服务协议，无法按协议追回")})
            flag.breach = agreements.record_breach(
                agreement=agreement,
                found_on=timezone.localdate(),
                description=_("智能监管疑点确认：%(rule)s，结算号 %(id)s。%(detail)s")
                % {"rule": flag.rule.name, "id": flag.settlement_id, "detail": flag.detail},
                sanction="recover",
                amount=amount,
                user=user,
            )
        flag.state = decision
        flag.reviewed_by = user if getattr(user, "is_authenticated", False) else None
        flag.reviewed_at = timezone.now()
        flag.review_note = note[:300]
        flag.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "breach"])
    return flag
