"""The monthly credit batch (按月划账, art. 23, 27; readings 11, 16): set-based, resumable, rerunnable.

The batch of month M credits, for every open account, every month up to M that is due
(`services.crediting`: paid for, or retired and not stopped; agreement periods below) and not
yet credited. It reads payments and stops as of each month, never benefit status, so it gives
the same result before or after the arrears check; a rerun of a finished month starts over and
credits what an earlier run refused for a reason since gone (the year end not run yet),
skipping only what is already credited.

What is read: with no finished run before, every paid month of every account. After one, only
what may have become due since its watermark (`Basis`): the months after the month it ran for,
and every month of the accounts whose facts changed since (late records, stops, enrolments, the
account itself); the parity tests hold both equal to the per-account code.

How (as the year-end rollover, `batch.rollover`): chunks of account ids, one transaction each,
on two connections at once on PostgreSQL, each recorded in `BatchChunk` with the job's
counters. Per chunk and region, one statement finds the due months (the month's contribution
record, or a retired enrolment's month without one; minus art. 27 stops and months already
credited), computes each credit from the month's parameters (read once from `policy`, passed
as integer fractions, worked in fen with half-up rounding like `policy.accounts.monthly_credit`)
with the same explanation text, inserts the entries (`ON CONFLICT DO NOTHING` on the
one-credit-per-month constraint) and moves `credited_total` / historical funds by what it
inserted. A parity test holds it equal to the per-account code (`services.crediting`).

Accounts with a fact the statement does not model go through that per-account code, in bulk
(`credit_chunk`): back payments (art. 17(5), with their premium), agreement payers (art. 23(3))
(both read once per run, `exceptional_persons`), and regions whose credit rule is not the banded one (`account.age_threshold_active`), or whose
parameters are missing for a month of the range.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import OuterRef, Sum
from django.utils import timezone

from core.rows import date_literal, sql_month_of, sql_text
from policy.accounts import CATEGORY_NAMES
from policy.amount import NotInRegion, RuleInputError, percent
from policy.parameters import ParameterError, parameters_for
from policy.regions import region_of

from ..models import Account, BatchChunk, BatchJob, CreditStop, LedgerEntry
from ..services import crediting
from ..services.crediting import month_end
from .jobs import (
    chunk_grid,
    commit_chunk,
    finish,
    mark_running,
    record_chunk,
    restart,
    run_job,
)
from .profiles import open_accounts, refresh_accounts
from .rollover import ENTRIES, ENTRY_COLUMNS, Fraction, _as_decimal, _pg, fen

log = logging.getLogger(__name__)
RULE_ERRORS = (ValidationError, ParameterError, RuleInputError, NotInRegion)
ACCOUNTS = Account._meta.db_table


def after_chunk(job: BatchJob, last_id: int) -> None:
    """Hook called after each committed chunk (tests simulate a crash here)."""


# --- SQL dialect pieces (dates; amounts as text) ------------------------------------------


def _period(column: str) -> str:
    return f"to_char({column}, 'YYYY-MM')" if _pg() else f"strftime('%%Y-%%m', {column})"


def _part(part: str, column: str) -> str:
    if _pg():
        return f"CAST(EXTRACT({part.upper()} FROM {column}) AS integer)"
    return f"CAST(strftime('{'%%Y' if part == 'year' else '%%m'}', {column}) AS INTEGER)"


def _yuan(fen_expression: str) -> str:
    """`policy.amount.yuan` of a non-negative fen amount: thousands separators, two places, ' 元'."""
    if _pg():
        return f"(to_char(({fen_expression}) / 100, 'FM999,999,999,999,990') || '.' || lpad(CAST(({fen_expression}) %% 100 AS text), 2, '0') || ' 元')"
    return f"(printf('%%,d', ({fen_expression}) / 100) || '.' || printf('%%02d', ({fen_expression}) %% 100) || ' 元')"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


# --- The plan of one region: each month's parameters, read once -----------------------------


@dataclass
class CreditPlan:
    region: str
    until: dt.date
    set_based: bool  # False: the region's accounts go through the per-account code
    months_sql: str = ""  # the VALUES rows of the month table
    retired: bool = True  # False: 省平工资 missing for a month; retirees go through the per-account code


MONTH_COLUMNS = "m, per, yy, mo, own_art, flex_art, ret_art, ta, yn, yd, obn, obd, ypct, opct, tr, ryn, ryd, ron, rod, rypct, ropct, avg"


def credit_plan(region: str, first: dt.date, until: dt.date) -> CreditPlan:
    """The month table from `first` to `until`: each month's credit rates, age thresholds, 省平工资
    and articles as `policy.accounts.monthly_credit` reads them (art. 23)."""
    rules = region_of(region)
    if not rules.has("account.age_threshold_active"):  # a region crediting one rate at every age
        return CreditPlan(region, until, False)
    rows = []
    retired_complete = True
    month = first.replace(day=1)
    cache: dict[tuple, str] = {}
    while month <= until:
        try:
            params = parameters_for(region, month)
            active, retired = params["account.credit_rate_active"], params["account.credit_rate_retired"]
            young, older = Fraction.of(active["young"]), Fraction.of(active["older"])
            r_young, r_older = Fraction.of(retired["young"]), Fraction.of(retired["older"])
            try:
                average = str(
                    int((Decimal(params["provincial_average_monthly_wage"]) * 100).quantize(Decimal("1")))
                )
            except ParameterError:  # only a retiree's credit reads it (art. 23(4))
                average, retired_complete = "0", False
            values = (
                _quote(params.article("account.own_contribution_credited")),
                _quote(params.article("account.credit_rate_active")),
                _quote(params.article("account.credit_rate_retired")),
                str(int(params["account.age_threshold_active"])),
                str(young.num),
                str(young.den),
                str(older.num),
                str(older.den),
                _quote(percent(active["young"])),
                _quote(percent(active["older"])),
                str(int(params["account.age_threshold_retired"])),
                str(r_young.num),
                str(r_young.den),
                str(r_older.num),
                str(r_older.den),
                _quote(percent(retired["young"])),
                _quote(percent(retired["older"])),
                average,
            )
        except (ParameterError, KeyError, TypeError) as error:
            log.warning(
                "monthly credit: %s %s parameters incomplete (%s); per-account path", region, month, error
            )
            return CreditPlan(region, until, False)
        key = values
        if key not in cache:
            cache[key] = ", ".join(values)
        rows.append(f"({date_literal(month)}, '{month:%Y-%m}', {month.year}, {month.month}, {cache[key]})")
        month = crediting.add_months(month, 1)
    return CreditPlan(region, until, True, ", ".join(rows), retired_complete)


def _due_sql(plan: CreditPlan, narrowed: bool) -> str:
    """The chunk's credits due and not yet credited, with amount (fen), bucket, text and article.

    Named parameters: lo, hi, region, opened (the month's last day: opened by then), others (the
    accounts left to the per-account code), until; when `narrowed` (a finished run's watermark,
    `Basis`), also above (accounts with a higher id are read whole), whole (account ids read whole)
    and after (the month after the basis's: the first month read of the other accounts).
    """
    from contributions.models import ContributionRecord
    from enrollment.models import Enrolment

    records = ContributionRecord._meta.db_table
    names = {k: _quote(v) for k, v in CATEGORY_NAMES.items()}
    false = "false" if _pg() else "0"
    materialized = "MATERIALIZED"
    excluded = (
        "NOT (a.id = ANY(%(others)s))" if _pg() else "a.id NOT IN (SELECT value FROM json_each(%(others)s))"
    )
    whole = (
        "(a.id > %(above)s OR a.id = ANY(%(whole)s))"
        if _pg()
        else "(a.id > %(above)s OR a.id IN (SELECT value FROM json_each(%(whole)s)))"
    )
    # the first month read: the opening month, or for an account not read whole the month after the basis's
    opened = sql_month_of("a.opened_on")
    first = f", (CASE WHEN {whole} OR {opened} > %(after)s THEN {opened} ELSE %(after)s END) AS first"
    category = (
        "CASE r.kind WHEN 'employee' THEN 'active' WHEN 'flexible' THEN 'flexible' "
        "WHEN 'unemployed' THEN 'unemployed' WHEN 'retirement_top_up' THEN 'flexible' "
        "ELSE (CASE WHEN r.employer_amount <> 0 THEN 'active' ELSE 'flexible' END) END"
    )
    age = f"(c.yy - {_part('year', 'c.birth_date')} - (CASE WHEN c.mo < {_part('month', 'c.birth_date')} THEN 1 ELSE 0 END))"
    active_part = "(CASE WHEN d.age <= p.ta THEN (d.base * p.yn + p.yd / 2) / p.yd ELSE (d.base * p.obn + p.obd / 2) / p.obd END)"
    active_band = (
        f"{sql_text('d.age')} || ' 周岁（' || {sql_text('p.ta')} || (CASE WHEN d.age <= p.ta THEN ' 周岁（含）以下）' ELSE ' 周岁以上）' END)"
        " || '：缴费基数 ' || "
        + _yuan("d.base")
        + " || ' × ' || (CASE WHEN d.age <= p.ta THEN p.ypct ELSE p.opct END)"
    )
    basis = "(CASE WHEN d.pen > p.avg THEN d.pen ELSE p.avg END)"
    retired_part = f"(CASE WHEN d.age <= p.tr THEN ({basis} * p.ryn + p.ryd / 2) / p.ryd ELSE ({basis} * p.ron + p.rod / 2) / p.rod END)"
    retired_text = (
        f"{names['retired']} || {sql_text('d.age')} || ' 周岁（' || {sql_text('p.tr')} || (CASE WHEN d.age <= p.tr THEN ' 周岁（含）以下）' ELSE ' 周岁以上）' END) || '：'"
        f" || (CASE WHEN d.pen < p.avg THEN '上年度基本养老金 ' || {_yuan('d.pen')} || ' 低于上年度省平工资，以省平工资 ' || {_yuan('p.avg')} || ' 为基数'"
        f" ELSE '以本人上年度基本养老金 ' || {_yuan('d.pen')} || ' 为基数' END)"
        " || ' × ' || (CASE WHEN d.age <= p.tr THEN p.rypct ELSE p.ropct END)"
    )
    amount = f"(CASE d.cat WHEN 'retired' THEN {retired_part} WHEN 'active' THEN d.own + {active_part} ELSE {active_part} END)"
    text = (
        f"(CASE d.cat WHEN 'retired' THEN {retired_text}"
        f" WHEN 'active' THEN {names['active']} || '本月个人实际缴纳的职工医保费 ' || {_yuan('d.own')} || '；' || {names['active']} || {active_band}"
        f" WHEN 'unemployed' THEN {names['unemployed']} || {active_band}"
        f" ELSE {names['flexible']} || {active_band} END)"
    )
    article = "(CASE d.cat WHEN 'retired' THEN p.ret_art WHEN 'active' THEN p.own_art ELSE p.flex_art END)"
    late = "(d.cy IS NOT NULL AND d.y < d.cy)"
    retirees = (
        ""
        if plan.retired
        else f"AND NOT EXISTS (SELECT 1 FROM {Enrolment._meta.db_table} er WHERE er.person_id = a.person_id"
        " AND er.scheme = 'employee' AND er.category = 'retired')"
    )
    late_prefix = crediting.LATE_PREFIX.replace("{period}", "' || d.period || '")
    retired_only = "e.scheme = 'employee' AND e.category = 'retired' AND e.start_date <= %(until)s"
    enrolments = Enrolment._meta.db_table
    if _pg():  # probed account by account on the person index: joined, each chunk scanned the whole table
        retired_enrolments = (
            f"CROSS JOIN LATERAL (SELECT e.start_date, e.end_date FROM {enrolments} e"
            f" WHERE e.person_id = acc.person_id AND {retired_only} OFFSET 0) e"
        )
    else:
        retired_enrolments = f"JOIN {enrolments} e ON e.person_id = acc.person_id AND {retired_only}"
    records_of = f"{records} r ON r.person_id = acc.person_id AND r.month <= %(until)s AND r.month >= acc.om"
    paid_columns = (
        f"SELECT acc.id, acc.birth_date, acc.cy, acc.pen, p.m, p.per, p.yy, p.mo, {category} AS cat,"
        f" {fen('r.base')} AS base, {fen('r.personal')} AS own"
    )
    if narrowed:
        # the basis run credited every month up to its month (`Basis`): of an account not read whole,
        # only the later months are read (from `acc.first`), with their columns, account by account
        # on the records' (person, month) index; each candidate is then probed on the
        # one-credit-per-month index. On PostgreSQL `OFFSET 0` keeps both as per-row probes: joined,
        # the planner hashes the whole table for the few rows it expects
        offset = "OFFSET 0" if _pg() else ""
        lateral = "CROSS JOIN LATERAL (" if _pg() else "JOIN ("
        on = "" if _pg() else "ON r.person_id = acc.person_id AND r.month >= acc.first"
        paid_months = f"""
        paid AS (
            SELECT acc.id, acc.birth_date, acc.cy, acc.pen, r.month AS m, r.kind, r.employer_amount,
                   r.base, r.personal
            FROM acc {lateral}
                SELECT r.person_id, r.month, r.kind, r.employer_amount, r.base, r.personal FROM {records} r
                WHERE r.month <= %(until)s AND r.is_back_payment = {false}
                  {"AND r.person_id = acc.person_id AND r.month >= acc.first" if _pg() else ""} {offset}
            ) r {on}
        ),"""
        paid_due = f"""
            SELECT r.id, r.birth_date, r.cy, r.pen, p.m, p.per, p.yy, p.mo, {category} AS cat,
                   {fen("r.base")} AS base, {fen("r.personal")} AS own
            FROM paid r JOIN p ON p.m = r.m"""
        retired_window = "AND p.m >= acc.first"
        credited_c = f"SELECT 1 FROM {ENTRIES} k WHERE k.kind = 'credit' AND k.account_id = c.id AND k.period = c.per {offset}"
    else:
        # the chunk's credited months read once and hashed; the months paid for are matched against
        # them from the records' (person, month) index alone, and only the months not yet credited are read
        paid_months = f"""
        credited AS {materialized} (
            SELECT l.account_id, l.period FROM {ENTRIES} l
            WHERE l.kind = 'credit' AND l.account_id >= %(lo)s AND l.account_id < %(hi)s
        ),
        open_paid AS (
            SELECT acc.id, acc.person_id, p.m
            FROM acc JOIN {records_of}
            JOIN p ON p.m = r.month
            WHERE NOT EXISTS (SELECT 1 FROM credited k WHERE k.account_id = acc.id AND k.period = p.per)
        ),"""
        paid_due = f"""
            {paid_columns}
            FROM open_paid o JOIN acc ON acc.id = o.id
            JOIN {records} r ON r.person_id = o.person_id AND r.month = o.m AND r.is_back_payment = {false}
            JOIN p ON p.m = o.m"""
        retired_window = ""
        credited_c = "SELECT 1 FROM credited k WHERE k.account_id = c.id AND k.period = c.per"

    return f"""
        WITH p ({MONTH_COLUMNS}) AS (VALUES {plan.months_sql}),
        acc AS (
            SELECT a.id, a.person_id, a.birth_date, {sql_month_of("a.opened_on")} AS om, a.credited_year AS cy,
                   {fen("a.pension")} AS pen{first if narrowed else ""}
            FROM {ACCOUNTS} a
            WHERE a.id >= %(lo)s AND a.id < %(hi)s AND a.region = %(region)s AND a.status = 'open'
              AND a.opened_on <= %(opened)s AND {excluded}
              {retirees}
        ),
        {paid_months}
        cand AS ({paid_due}
            UNION ALL
            SELECT DISTINCT acc.id, acc.birth_date, acc.cy, acc.pen, p.m, p.per, p.yy, p.mo, 'retired', 0, 0
            FROM acc {retired_enrolments}
            JOIN p ON p.m >= acc.om AND p.m >= {sql_month_of("e.start_date")} {retired_window}
                 AND (e.end_date IS NULL OR p.m <= {sql_month_of("e.end_date")})
            WHERE NOT EXISTS (SELECT 1 FROM {records} r WHERE r.person_id = acc.person_id AND r.month = p.m)
        ),
        d AS (
            SELECT c.id, c.m, c.cat, c.base, c.own, c.pen, c.cy, c.per AS period, c.yy AS y, {age} AS age
            FROM cand c
            WHERE NOT EXISTS (
                SELECT 1 FROM {CreditStop._meta.db_table} s WHERE s.account_id = c.id AND s.first_month <= c.m
                  AND (s.last_month IS NULL OR c.m <= s.last_month))
              AND NOT EXISTS ({credited_c})
        ),
        calc AS (
            SELECT d.id, d.m, d.y, d.cy, d.period, {amount} AS amount,
                   (CASE WHEN {late} THEN 'historical' ELSE 'credited' END) AS bucket,
                   substr((CASE WHEN {late} THEN '{late_prefix}' ELSE '' END) || {text}, 1, 200) AS text,
                   substr({article}, 1, 120) AS article
            FROM d JOIN p ON p.m = d.m
        )
    """


def _run_plan(
    cursor, plan: CreditPlan, lo: int, hi: int, now, others: list[int], basis: Basis | None = None
) -> tuple[int, int, list[tuple]]:
    """Credit the plan's set-based accounts with lo <= id < hi, but `others` (left to the per-account
    code); returns (accounts, entries, refused (account id, credited year, period)). With a `basis`
    (the watermark of a finished run), only what may have become due since is read."""
    import json

    def ids(values) -> object:
        return list(values) if _pg() else json.dumps(list(values))

    params = {
        "lo": lo,
        "hi": hi,
        "region": plan.region,
        "opened": connection.ops.adapt_datefield_value(month_end(plan.until)),
        "others": ids(others),
        "until": connection.ops.adapt_datefield_value(plan.until),
    }
    narrowed = basis is not None and plan.region in basis.months
    if narrowed:
        assert basis is not None
        params |= {
            "above": basis.accounts,
            "whole": ids(sorted(pk for pk in basis.whole if lo <= pk < hi)),
            "after": connection.ops.adapt_datefield_value(crediting.add_months(basis.months[plan.region], 1)),
        }
    due = _due_sql(plan, narrowed)
    params["created"] = connection.ops.adapt_datetimefield_value(now)
    insert = (
        f"INSERT INTO {ENTRIES} ({ENTRY_COLUMNS}) "
        f"SELECT id, 'credit', bucket, {'amount::numeric / 100' if _pg() else 'amount / 100.0'}, m, y, period, text, article, '', '', %(created)s "
        "FROM calc WHERE amount <> 0 AND NOT (cy IS NOT NULL AND y > cy) ON CONFLICT DO NOTHING "
        "RETURNING account_id, bucket, amount"
    )
    refused_sql = (
        "SELECT id, cy, period FROM calc WHERE amount <> 0 AND cy IS NOT NULL AND y > cy ORDER BY id, period"
    )
    count_sql = "(SELECT count(*) FROM acc)"
    if _pg():
        cursor.execute(
            f"{due}, ins AS ({insert}), "
            "s AS (SELECT account_id, SUM(CASE WHEN bucket = 'credited' THEN amount ELSE 0 END) AS c, "
            "SUM(CASE WHEN bucket = 'historical' THEN amount ELSE 0 END) AS h, count(*) AS n FROM ins GROUP BY account_id), "
            f"upd AS (UPDATE {ACCOUNTS} a SET credited_total = a.credited_total + s.c, historical = a.historical + s.h "
            "FROM s WHERE a.id = s.account_id RETURNING a.id) "
            f"SELECT 0, {count_sql}, (SELECT COALESCE(SUM(n), 0) FROM s), '' "
            f"UNION ALL SELECT 1, id, cy, period FROM ({refused_sql}) x",
            params,
        )
        rows = cursor.fetchall()
        head = next(r for r in rows if r[0] == 0)
        refused = [(r[1], r[2], r[3]) for r in rows if r[0] == 1]
        return int(head[1]), int(head[2]), sorted(refused)
    cursor.execute(f"{due} {insert}", params)
    inserted = cursor.fetchall()
    moved: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0.00"), Decimal("0.00")])
    for account_id, bucket, amount in inserted:
        moved[account_id][0 if bucket == "credited" else 1] += _as_decimal(amount)
    if moved:
        cursor.executemany(
            f"UPDATE {ACCOUNTS} SET credited_total = credited_total + %s, historical = historical + %s WHERE id = %s",
            [
                (
                    connection.ops.adapt_decimalfield_value(c, 14, 2),
                    connection.ops.adapt_decimalfield_value(h, 14, 2),
                    pk,
                )
                for pk, (c, h) in moved.items()
            ],
        )
    cursor.execute(f"{due} {refused_sql}", params)
    refused = [tuple(r) for r in cursor.fetchall()]
    cursor.execute(f"{due} SELECT {count_sql}", params)
    return int(cursor.fetchone()[0]), len(inserted), refused


# --- What a finished run guarantees (the watermark) -------------------------------------------

# History rows written this long before a run's start are read as written after it (a transaction
# open across the start, app and database clocks).
MARGIN = dt.timedelta(minutes=10)


@dataclass
class Basis:
    """What the next run may take as credited, from the watermark of a finished run B.

    B started with every record of id <= `records` and account of id <= `accounts` committed
    (read under a share lock on PostgreSQL), and credited, for each region, every month up to
    `months[region]` that was due then: its own month, or December of the lowest year an open
    account of the region had rolled over to (later months may have been refused, reading 16).
    So of an account, a run that follows reads only the later months, unless the account is in
    `whole` or above `accounts`: those are read whole, as without a basis. `whole` holds what
    can make an earlier month due: a record written since for such a month (a late payment), an
    art. 27 stop now or ever (`CreditStop` and its history: a lifted or deleted stop), an account
    changed since B (its history: opened, reopened, opening date, birth date, pension), a person
    whose enrolment changed since B (a retired enrolment reaching back). Persons with a back
    payment or an agreement go through the per-account code every run (`exceptional_persons`).
    Not followed: a month whose credit was 0 (a base of 0) stays uncredited until a record is
    written for it; a record or an account changed by a raw UPDATE (no history) is not seen.
    """

    records: int
    accounts: int
    since: dt.datetime
    months: dict[str, dt.date]
    whole: set[int]


def watermark(until: dt.date) -> dict | None:
    """The watermark a run starting now leaves when it finishes (`Basis`); None if the tables
    could not be locked for a moment (the next run then reads everything)."""
    from django.db.models import Max, Min

    from contributions.models import ContributionRecord

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if _pg():  # wait for the writers in flight: every lower id is then committed
                cursor.execute("SET LOCAL lock_timeout = '10s'")
                cursor.execute(f"LOCK TABLE {ContributionRecord._meta.db_table}, {ACCOUNTS} IN SHARE MODE")
            records = ContributionRecord.objects.aggregate(top=Max("id"))["top"] or 0
            accounts = Account.objects.aggregate(top=Max("id"))["top"] or 0
            since = timezone.now()
            lowest = (
                open_accounts(until).values("region").annotate(year=Min("credited_year")).order_by("region")
            )
            months = {}
            for row in lowest:
                month = until
                if row["year"] is not None and row["year"] < until.year:
                    month = min(until, dt.date(row["year"], 12, 1))
                months[row["region"]] = month.isoformat()
    except OperationalError as error:
        log.warning("monthly credit: no watermark (%s); the next run reads every month", error)
        return None
    return {"records": records, "accounts": accounts, "since": since.isoformat(), "months": months}


def _basis() -> dict | None:
    """The latest watermark of a finished credit run."""
    found = None
    for result in BatchJob.objects.filter(
        kind=BatchJob.Kind.CREDIT_MONTH, status=BatchJob.Status.DONE
    ).values_list("result", flat=True):
        mark = (result or {}).get("watermark")
        if mark and (found is None or mark["since"] > found["since"]):
            found = mark
    return found


def load_basis(mark: dict | None) -> Basis | None:
    """The `Basis` of a stored watermark, with the accounts read whole read now."""
    from django.db.models import Q

    from contributions.models import ContributionRecord
    from enrollment.models import Enrolment

    if not mark:
        return None
    since = dt.datetime.fromisoformat(mark["since"])
    after = since - MARGIN
    whole = set(CreditStop.objects.values_list("account_id", flat=True))
    whole |= set(CreditStop.history.values_list("account_id", flat=True))
    whole |= set(Account.history.filter(history_date__gte=after).values_list("id", flat=True))
    changed = Q(person_id__in=Enrolment.history.filter(history_date__gte=after).values("person_id")) | Q(
        person_id__in=Enrolment.objects.filter(created__gte=after).values("person_id")
    )
    months = {region: dt.date.fromisoformat(m) for region, m in mark["months"].items()}
    if months:  # a record written since for a month the basis had passed (a late payment)
        changed |= Q(
            person_id__in=ContributionRecord.objects.filter(
                id__gt=int(mark["records"]), month__lte=max(months.values())
            ).values("person_id")
        )
    whole |= set(Account.objects.filter(changed).values_list("id", flat=True))
    return Basis(
        records=int(mark["records"]),
        accounts=int(mark["accounts"]),
        since=since,
        months=months,
        whole=whole,
    )


# --- The job -----------------------------------------------------------------------------

# Accounts per chunk (one transaction each); a resumed run redoes at most one chunk per worker.
CHUNK_SIZE = 50_000


def run_credit_month(
    year: int,
    month: int,
    *,
    chunk_size: int | None = None,
    workers: int | None = None,
    refresh: bool = True,
) -> BatchJob:
    """Credit every open account for the months due up to (year, month). Safe to call again: a
    failed or running job resumes with the chunks not yet recorded (and the basis it started
    with); a finished one runs again (reading 16), writing only what is not credited yet. Each run
    records a watermark (`watermark`) in `job.result`; the next reads from the latest finished
    one (`Basis`).

    `refresh` also brings each chunk's profiles (category, base, the benefit-suspended flag) up to
    date, per account through `benefit_status` (`profiles.refresh_accounts`). The monthly task runs
    the credits with `refresh=False` and the profiles as their own job (`profiles.run_profile_refresh`,
    set-based where it can be); the credits never read the profile.
    """
    period = f"{year:04d}-{month:02d}"
    until = dt.date(year, month, 1)
    size = chunk_size or CHUNK_SIZE
    job, _created = BatchJob.objects.get_or_create(
        kind=BatchJob.Kind.CREDIT_MONTH, period=period, defaults={"chunk_size": size}
    )
    if job.status == BatchJob.Status.DONE or not job.result.get("started"):
        # a new run, or a rerun (reading 16: what may have become due since the last finished run,
        # whose watermark is the basis); a resumed one keeps the basis and watermark it started with
        result = {"started": True, "basis": _basis(), "watermark": watermark(until)}
        restart(job, result=result)
    if chunk_size or job.status == BatchJob.Status.DONE:
        BatchJob.objects.filter(pk=job.pk).update(chunk_size=size)
    job.refresh_from_db()
    accounts = open_accounts(until)
    recorded = set(BatchChunk.objects.filter(job=job).values_list("lo", "hi"))
    first_id = accounts.order_by("id").values_list("id", flat=True).first()
    max_id = accounts.order_by("-id").values_list("id", flat=True).first()
    grid = chunk_grid(first_id, max_id, job.chunk_size) if first_id is not None else []
    pending = [chunk for chunk in grid if chunk not in recorded]
    mark_running(
        job,
        total=job.done + sum(accounts.filter(id__gte=lo, id__lt=hi).count() for lo, hi in pending)
        if len(pending) < len(grid)
        else accounts.count(),
    )
    regions = list(accounts.values_list("region", flat=True).distinct().order_by("region"))
    first_opened = {
        region: accounts.filter(region=region)
        .order_by("opened_on")
        .values_list("opened_on", flat=True)
        .first()
        for region in regions
    }
    plans = [credit_plan(region, first_opened[region], until) for region in regions]
    exceptional = exceptional_persons()
    basis = load_basis(job.result.get("basis"))

    def one(lo: int, hi: int, number: int) -> None:
        _run_chunk(job, plans, exceptional, lo, hi, year, month, refresh=refresh, worker=number, basis=basis)
        after_chunk(job, hi - 1)

    run_job(job, pending, one, workers=workers, name="credits")
    return finish(job)


def _run_chunk(
    job: BatchJob,
    plans: list[CreditPlan],
    exceptional: set[int],
    lo: int,
    hi: int,
    year: int,
    month: int,
    *,
    refresh: bool,
    worker: int = 1,
    basis: Basis | None = None,
) -> None:
    until = dt.date(year, month, 1)

    def work(started: float) -> None:
        now = timezone.now()
        touched = written = 0
        errors: list[str] = []
        refused: dict[int, list[str]] = defaultdict(list)
        others = _per_account_ids(plans, lo, hi, until, exceptional)
        with connection.cursor() as cursor:
            if _pg():
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
            for plan in plans:
                if not plan.set_based:
                    continue
                accounts, entries, refusals = _run_plan(cursor, plan, lo, hi, now, others, basis)
                touched += accounts
                written += entries
                for account_id, credited_year, period in refusals:
                    refused[account_id].append(crediting.not_rolled_over(credited_year, period))
        errors += [f"账户 {pk}：{'；'.join(lines)}" for pk, lines in sorted(refused.items())]
        if others:
            before = LedgerEntry.objects.filter(account_id__in=others, kind=LedgerEntry.Kind.CREDIT).count()
            errors += credit_chunk(others, year, month, refresh=False)
            written += (
                LedgerEntry.objects.filter(account_id__in=others, kind=LedgerEntry.Kind.CREDIT).count()
                - before
            )
            touched += len(others)
        if refresh:
            chunk_accounts = list(
                open_accounts(until).select_for_update().filter(id__gte=lo, id__lt=hi).order_by("id")
            )
            errors += refresh_accounts(chunk_accounts, until)[1]
        record_chunk(
            job,
            lo,
            hi,
            accounts=touched,
            entries=written,
            worker=worker,
            started=started,
            now=now,
            errors=errors,
        )

    commit_chunk(work, step="credit chunks", lo=lo, hi=hi)


def exceptional_persons() -> set[int]:
    """Persons whose credits the set-based statement does not model, read once per run: back
    payments (art. 17(5): credited when back-paid, with the year's premium) and agreement payers
    (art. 23(3)). A back payment recorded while the run goes on is not credited by the statement
    (it skips back-paid records); the next run gives it to the per-account code."""
    from contributions.models import AgreementPayment, BackPayment, ContributionRecord

    ids = set(BackPayment.objects.values_list("person_id", flat=True))
    ids |= set(AgreementPayment.objects.values_list("person_id", flat=True))
    ids |= set(ContributionRecord.objects.filter(is_back_payment=True).values_list("person_id", flat=True))
    return ids


def _per_account_ids(
    plans: list[CreditPlan], lo: int, hi: int, until: dt.date, exceptional: set[int]
) -> list[int]:
    """The chunk's accounts the set-based statement leaves to the per-account code: the exceptional
    persons' (`exceptional_persons`), and every account of a region without a set-based plan."""
    from django.db.models import Exists, Q

    from enrollment.models import Enrolment

    accounts = open_accounts(until).filter(id__gte=lo, id__lt=hi)
    person = OuterRef("person_id")
    other = Q(region__in=[p.region for p in plans if not p.set_based]) | Q(person_id__in=exceptional)
    for plan in plans:
        if plan.set_based and not plan.retired:
            retired = Enrolment.objects.filter(person_id=person, scheme="employee", category="retired")
            other |= Q(region=plan.region) & Q(Exists(retired))
    return list(accounts.filter(other).order_by("id").values_list("id", flat=True))


def credit_chunk(ids: list[int], year: int, month: int, *, refresh: bool = True) -> list[str]:
    """Credit the months due up to (year, month) to the accounts `ids` (inside the caller's
    transaction); returns the refusals, one line per account."""
    from contributions.selectors import credit_facts

    on = dt.date(year, month, 1)
    accounts = list(Account.objects.select_for_update().filter(id__in=ids).order_by("id"))
    errors: list[str] = []
    if refresh:
        errors += refresh_accounts(accounts, on)[1]
    facts = credit_facts(person_ids=[a.person_id for a in accounts], until=month_end(on))
    stops = defaultdict(list)
    for stop in CreditStop.objects.filter(account_id__in=ids):
        stops[stop.account_id].append(stop)
    credited = defaultdict(set)
    for account_id, period in LedgerEntry.objects.filter(
        account_id__in=ids, kind=LedgerEntry.Kind.CREDIT
    ).values_list("account_id", "period"):
        credited[account_id].add(period)
    premiums = defaultdict(set)
    for account_id, year_taken, total in (
        LedgerEntry.objects.filter(account_id__in=ids, kind=LedgerEntry.Kind.CATASTROPHIC_PREMIUM)
        .values("account_id", "year")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "year", "total")
    ):
        if total < 0:
            premiums[account_id].add(year_taken)
    params_cache: dict = {}
    entries: list[LedgerEntry] = []
    moved: dict[int, Decimal] = defaultdict(Decimal)
    for account in accounts:
        written, refused = crediting.credit_entries(
            account,
            facts[account.person_id],
            stops[account.pk],
            on,
            credited[account.pk],
            premiums[account.pk],
            params_cache=params_cache,
        )
        if refused:
            errors.append(f"账户 {account.pk}：{'；'.join(refused)}")
        entries += written
    if not entries:
        return errors
    effect = LedgerEntry.BUCKET_EFFECT
    current, historical = defaultdict(Decimal), defaultdict(Decimal)
    for entry in entries:
        current[entry.account_id] += entry.amount * effect[entry.bucket][0]
        historical[entry.account_id] += entry.amount * effect[entry.bucket][1]
        if entry.bucket == LedgerEntry.Bucket.CREDITED:
            moved[entry.account_id] += entry.amount
    LedgerEntry.objects.bulk_create(entries)
    by_id = {a.pk: a for a in accounts}
    changed = []
    for account_id in set(current) | set(historical) | set(moved):
        account = by_id[account_id]
        account.current += current[account_id]
        account.historical += historical[account_id]
        account.credited_total += moved[account_id]
        changed.append(account)
    # the rows are locked by this transaction: the values written are the values read plus the entries
    Account.objects.bulk_update(changed, ["current", "historical", "credited_total"])
    return errors
