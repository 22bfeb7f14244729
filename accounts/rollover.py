"""Year-end rollover (年度结转, 杭州 art. 22; 规程 §9), set-based.

For the year Y just ended, per account and in this order:
1. interest on the whole balance (current + historical) at the demand-deposit rate in
   force on 31 December, into historical funds (art. 22(1));
2. current funds left over move to historical funds (art. 22(4));
3. the year's actual credits against its preset: a surplus into historical funds, a
   shortfall off next year's current funds (art. 22(5));
4. next year's current funds preset to 12 monthly credits at next year's age and
   category (art. 22(2), 23);
5. the catastrophic premium's personal part from the new current funds (art. 41).

How: one UPDATE per chunk of account ids computes all five amounts from the account
row itself (precomputed profile columns; parameters read once from policy and passed
as integer fractions), stores them in the row's `last_*` columns and moves the money;
a few INSERT ... SELECT statements then copy those amounts into the ledger. Amounts
are worked in fen (integers) with half-up rounding, so SQLite and PostgreSQL give the
same figures as `policy.accounts` to the fen. Each chunk commits together with the
job's progress; `rolled_over_year` makes a second run a no-op and lets a killed run
resume. The UPDATE itself locks each row it changes, and computes from the row version
it locks, so a payment committed at the same moment is never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from policy.amount import percent
from policy.parameters import ParameterError, parameters_for

from .models import Account, BatchJob, LedgerEntry

log = logging.getLogger(__name__)

# Seconds spent per step, summed over chunks (the benchmark prints them).
TIMINGS: dict[str, float] = {}


def _timed(name: str, started: float) -> None:
    TIMINGS[name] = TIMINGS.get(name, 0.0) + (time.perf_counter() - started)


ACCOUNTS = Account._meta.db_table
ENTRIES = LedgerEntry._meta.db_table


# --- SQL fragments, the same arithmetic on both databases --------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


def fen(column: str) -> str:
    """A money column as whole fen (exact: the column holds two places)."""
    if _pg():
        return f"(({column}) * 100)::bigint"
    return f"CAST(ROUND(({column}) * 100) AS INTEGER)"


def from_fen(expression: str) -> str:
    if _pg():
        return f"(({expression})::numeric / 100)"
    return f"(({expression}) / 100.0)"


def birth_part(part: str) -> str:
    if _pg():
        return f"EXTRACT({part.upper()} FROM birth_date)::int"
    # '%%' because the statement is executed with parameters
    return f"CAST(strftime('{'%%Y' if part == 'year' else '%%m'}', birth_date) AS INTEGER)"


@dataclass(frozen=True)
class Fraction:
    """A rate as an integer fraction num/den (den a power of ten), for exact SQL arithmetic."""

    num: int
    den: int

    @classmethod
    def of(cls, rate) -> Fraction:
        rate = Decimal(rate)
        places = max(2, -rate.as_tuple().exponent)
        den = 10**places
        return cls(int(rate * den), den)

    def times(self, fen_expression: str) -> str:
        """round_half_up(fen × rate) for a non-negative fen amount."""
        return f"((({fen_expression}) * {self.num} + {self.den // 2}) / {self.den})"


def young_months(threshold: int, year: int) -> str:
    """Months of `year` in which the age reached (policy.accounts.age_in_month) is ≤ threshold."""
    by, bm = birth_part("year"), birth_part("month")
    return (
        f"(CASE WHEN ({year} - {by}) <= {threshold} THEN 12 "
        f"WHEN ({year} - {by}) = {threshold + 1} THEN ({bm} - 1) ELSE 0 END)"
    )


def _banded(monthly_young: str, monthly_older: str, months_young: str) -> str:
    return f"(({months_young}) * ({monthly_young}) + (12 - ({months_young})) * ({monthly_older}))"


CREDITED = ("active", "flexible", "retired")


def credits_apply_sql() -> str:
    return "(status = 'open' AND NOT credits_stopped AND NOT benefit_suspended AND category IN ('active', 'flexible', 'retired'))"


def preset_fen_sql(region: str, year: int, *, need_retired: bool = True) -> str:
    """Next year's preset in fen: 12 monthly credits at that year's ages (杭州 art. 22(2), 23)."""
    params = parameters_for(region, dt.date(year, 1, 1))
    base = fen("credit_base")
    if region == "zhoushan":
        rate = Fraction.of(params["account.credit_rate_active"])
        worker = f"(12 * {rate.times(base)})"
        retired = "0"
        if need_retired:
            retired_fen = int(
                (Decimal(params["account.retired_monthly_credit"]) * 100).quantize(Decimal("1"))
            )
            retired = f"(12 * {retired_fen})"
        return (
            f"(CASE WHEN NOT {credits_apply_sql()} THEN 0 "
            f"WHEN category IN ('active', 'flexible') THEN {worker} "
            f"WHEN category = 'retired' THEN {retired} ELSE 0 END)"
        )
    own = Fraction.of(params["employee.personal_rate"])
    active_rates = params["account.credit_rate_active"]
    young, older = Fraction.of(active_rates["young"]), Fraction.of(active_rates["older"])
    months_active = young_months(int(params["account.age_threshold_active"]), year)
    active = _banded(
        f"{own.times(base)} + {young.times(base)}", f"{own.times(base)} + {older.times(base)}", months_active
    )
    flexible = _banded(young.times(base), older.times(base), months_active)
    retired = "0"
    if need_retired:
        average = fen_literal(params["provincial_average_monthly_wage"])
        pension = fen("pension")
        basis = f"(CASE WHEN {pension} > {average} THEN {pension} ELSE {average} END)"
        retired_rates = params["account.credit_rate_retired"]
        r_young, r_older = Fraction.of(retired_rates["young"]), Fraction.of(retired_rates["older"])
        months_retired = young_months(int(params["account.age_threshold_retired"]), year)
        retired = _banded(r_young.times(basis), r_older.times(basis), months_retired)
    return (
        f"(CASE WHEN NOT {credits_apply_sql()} THEN 0 "
        f"WHEN category = 'active' THEN {active} "
        f"WHEN category = 'flexible' THEN {flexible} "
        f"WHEN category = 'retired' THEN {retired} ELSE 0 END)"
    )


def fen_literal(amount) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal("1")))


# --- The plan for one region: parameters read once ---------------------------------------


@dataclass
class RegionPlan:
    region: str
    year: int
    update_sql: str
    interest_rate: Decimal
    texts: dict
    articles: dict


def plan_for(region: str, year: int) -> RegionPlan:
    """Read the region's parameters once and build the chunk UPDATE (raises MissingParameter)."""
    year_end = dt.date(year, 12, 31)
    next_start = dt.date(year + 1, 1, 1)
    at_end = parameters_for(region, year_end)
    at_next = parameters_for(region, next_start)
    rate = Decimal(at_end["demand_deposit_rate"])
    interest = Fraction.of(rate)
    need_retired = Account.objects.filter(region=region, category="retired", status="open").exists()
    preset = preset_fen_sql(region, year + 1, need_retired=need_retired)
    if region == "zhoushan":
        # 舟山 art. 36 sets no deduction of the premium from the personal account.
        premium_fen = 0
    else:
        premium_fen = fen_literal(at_next["catastrophic.premium"]["employee"]["personal"])
    cur, hist = fen("current"), fen("historical")
    balance = f"({cur} + {hist})"
    interest_fen = f"(CASE WHEN {balance} > 0 THEN {interest.times(balance)} ELSE 0 END)"
    carry = f"(CASE WHEN {cur} > 0 THEN {cur} ELSE 0 END)"
    credited = f"(CASE WHEN credited_year = {year} THEN {fen('credited_total')} ELSE 0 END)"
    preset_now = f"(CASE WHEN preset_year = {year} THEN {fen('preset_amount')} ELSE 0 END)"
    difference = f"({credited} - {preset_now})"
    surplus = f"(CASE WHEN {difference} > 0 THEN {difference} ELSE 0 END)"
    shortfall = f"(CASE WHEN {difference} < 0 THEN {difference} ELSE 0 END)"
    premium = f"(CASE WHEN {credits_apply_sql()} THEN {premium_fen} ELSE 0 END)"
    update_sql = f"""
        UPDATE {ACCOUNTS} SET
            last_interest = {from_fen(interest_fen)},
            last_carry_over = {from_fen(carry)},
            last_reconciliation = {from_fen(difference)},
            last_premium = {from_fen(premium)},
            historical = {from_fen(f"{hist} + {interest_fen} + {carry} + {surplus}")},
            current = {from_fen(f"{cur} - {carry} + {shortfall} + {preset} - {premium}")},
            preset_amount = {from_fen(preset)},
            preset_year = {year + 1},
            credited_total = 0,
            credited_year = {year + 1},
            rolled_over_year = {year}
        WHERE id >= %s AND id < %s AND region = %s AND status = 'open'
          AND opened_on <= %s AND (rolled_over_year IS NULL OR rolled_over_year < {year})
    """
    preset_article = (
        at_next.article("account.preset")
        if "account.preset" in at_next.declared
        else "杭州 第二十二条第(二)项"
    )
    return RegionPlan(
        region=region,
        year=year,
        update_sql=update_sql,
        interest_rate=rate,
        # Short texts: five rows per account for a million accounts, so every byte is written
        # five million times (and again to the WAL). The article column carries the citation.
        texts={
            "interest": f"{year}年度结余（当年+历年）按活期利率{percent(rate)}计息",
            "carry_out": f"{year}年度当年资金结余转历年资金",
            "carry_in": f"{year}年度当年资金结余转入历年资金",
            "surplus": f"{year}年度实际划入高于预设，差额划入历年资金",
            "shortfall": f"{year}年度实际划入低于预设，差额从{year + 1}年度当年资金扣除",
            "preset": f"{year + 1}年度当年资金预设（按各月年龄和类别12个月划账额）",
            "premium": f"{year + 1}年度大病保险费个人部分{Decimal(premium_fen) / 100:.2f}元从当年资金扣缴",
        },
        articles={
            # the article itself; the file's reference text after "；" names the bank rate
            "interest": at_end.article("demand_deposit_rate").split("；")[0],
            "carry": "杭州 第二十二条第(四)项" if region == "hangzhou" else "舟山 第十八条第(一)项",
            "reconciliation": "杭州 第二十二条第(五)项" if region == "hangzhou" else "舟山 第十八条第(三)项",
            "preset": preset_article,
            "premium": at_next.article("catastrophic.premium") if premium_fen else "",
        },
    )


def _insert_entries(plan: RegionPlan, lo: int, hi: int, now) -> None:
    """Copy the chunk's rollover amounts into the ledger: one INSERT ... SELECT joining the chunk's
    accounts with the list of movements (one scan of the chunk, not one per kind)."""
    year = plan.year
    year_end, next_start = dt.date(year, 12, 31), dt.date(year + 1, 1, 1)
    t, a = plan.texts, plan.articles
    # (n, kind, bucket, date, year, period, text, article, amount SQL, condition SQL)
    movements = [
        (
            1,
            "interest",
            "historical",
            year_end,
            year,
            "",
            t["interest"],
            a["interest"],
            "a.last_interest",
            "a.last_interest <> 0",
        ),
        (
            2,
            "carry_over",
            "current",
            year_end,
            year,
            "",
            t["carry_out"],
            a["carry"],
            "(0 - a.last_carry_over)",
            "a.last_carry_over <> 0",
        ),
        (
            3,
            "carry_over",
            "historical",
            year_end,
            year,
            "",
            t["carry_in"],
            a["carry"],
            "a.last_carry_over",
            "a.last_carry_over <> 0",
        ),
        (
            4,
            "reconciliation",
            "historical",
            next_start,
            year + 1,
            "",
            t["surplus"],
            a["reconciliation"],
            "a.last_reconciliation",
            "a.last_reconciliation > 0",
        ),
        (
            5,
            "reconciliation",
            "current",
            next_start,
            year + 1,
            "",
            t["shortfall"],
            a["reconciliation"],
            "a.last_reconciliation",
            "a.last_reconciliation < 0",
        ),
        (
            6,
            "preset",
            "current",
            next_start,
            year + 1,
            f"{year + 1:04d}",
            t["preset"],
            a["preset"],
            "a.preset_amount",
            "a.preset_amount <> 0",
        ),
        (
            7,
            "catastrophic_premium",
            "current",
            next_start,
            year + 1,
            "",
            t["premium"],
            a["premium"],
            "(0 - a.last_premium)",
            "a.last_premium <> 0",
        ),
    ]
    pg = _pg()
    row = "(%s, %s, %s, CAST(%s AS DATE), %s, %s, %s, %s)" if pg else "(%s, %s, %s, %s, %s, %s, %s, %s)"
    values, params = [], []
    for n, kind, bucket, day, entry_year, period, text, article, _amount, _condition in movements:
        values.append(row)
        params += [
            n,
            kind,
            bucket,
            connection.ops.adapt_datefield_value(day),
            entry_year,
            period,
            text,
            article,
        ]
    amount = "CASE k.n " + " ".join(f"WHEN {m[0]} THEN {m[8]}" for m in movements) + " END"
    condition = " OR ".join(f"(k.n = {m[0]} AND {m[9]})" for m in movements)
    columns = "account_id, kind, bucket, amount, entry_date, year, period, text, article, source_type, source_id, created_at"
    sql = (
        f"INSERT INTO {ENTRIES} ({columns}) "
        f"SELECT a.id, k.kind, k.bucket, {amount}, k.day, k.yr, k.period, k.text, k.article, '', '', %s "
        f"FROM {ACCOUNTS} a JOIN (VALUES {', '.join(values)}) AS k(n, kind, bucket, day, yr, period, text, article) "
        f"ON ({condition}) "
        f"WHERE a.id >= %s AND a.id < %s AND a.region = %s AND a.rolled_over_year = {year}"
    )
    if not pg:  # SQLite names VALUES columns column1…; a CTE gives them names on both
        sql = (
            f"WITH k(n, kind, bucket, day, yr, period, text, article) AS (VALUES {', '.join(values)}) "
            f"INSERT INTO {ENTRIES} ({columns}) "
            f"SELECT a.id, k.kind, k.bucket, {amount}, k.day, k.yr, k.period, k.text, k.article, '', '', %s "
            f"FROM {ACCOUNTS} a JOIN k ON ({condition}) "
            f"WHERE a.id >= %s AND a.id < %s AND a.region = %s AND a.rolled_over_year = {year}"
        )
    created = connection.ops.adapt_datetimefield_value(now)
    # The statement's placeholders in text order: PostgreSQL's has created_at before the VALUES.
    params = [created, *params, lo, hi, plan.region] if pg else [*params, created, lo, hi, plan.region]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    _timed("insert entries", started)


# --- The job -----------------------------------------------------------------------------


def after_chunk(job: BatchJob, hi: int) -> None:
    """Hook called after each committed chunk (tests simulate a crash here)."""


def start_job(year: int, *, chunk_size: int = 50000) -> BatchJob:
    job, _created = BatchJob.objects.get_or_create(
        kind=BatchJob.Kind.YEAR_END_ROLLOVER, period=f"{year:04d}", defaults={"chunk_size": chunk_size}
    )
    return job


def eligible_accounts(year: int):
    from django.db.models import Q

    return Account.objects.filter(
        Q(rolled_over_year__isnull=True) | Q(rolled_over_year__lt=year),
        status=Account.Status.OPEN,
        opened_on__lte=dt.date(year, 12, 31),
    )


def run_rollover(year: int, *, chunk_size: int | None = None) -> BatchJob:
    """Run (or resume) the rollover of `year`; returns the finished job. Safe to call again."""
    job = start_job(year, chunk_size=chunk_size or 50000)
    if chunk_size:
        BatchJob.objects.filter(pk=job.pk).update(chunk_size=chunk_size)
        job.chunk_size = chunk_size
    if job.status == BatchJob.Status.DONE and not eligible_accounts(year).exists():
        return job
    regions = list(eligible_accounts(year).values_list("region", flat=True).distinct().order_by("region"))
    try:
        plans = [plan_for(region, year) for region in regions]
    except ParameterError as error:
        BatchJob.objects.filter(pk=job.pk).update(status=BatchJob.Status.FAILED, errors=str(error))
        job.refresh_from_db()
        return job
    remaining = eligible_accounts(year).count()
    BatchJob.objects.filter(pk=job.pk).update(
        status=BatchJob.Status.RUNNING,
        started_at=job.started_at or timezone.now(),
        total=job.done + remaining,
        errors="",
        finished_at=None,
    )
    job.refresh_from_db()
    max_id = Account.objects.order_by("-id").values_list("id", flat=True).first() or 0
    first_id = eligible_accounts(year).order_by("id").values_list("id", flat=True).first() or 0
    lo = max(job.last_id + 1, first_id)
    try:
        while lo <= max_id:
            hi = lo + job.chunk_size
            _run_chunk(job, plans, lo, hi)
            after_chunk(job, hi)
            lo = hi
    except Exception as error:
        BatchJob.objects.filter(pk=job.pk).update(
            status=BatchJob.Status.FAILED, errors=f"{type(error).__name__}: {error}"
        )
        raise
    BatchJob.objects.filter(pk=job.pk).update(status=BatchJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _run_chunk(job: BatchJob, plans: list[RegionPlan], lo: int, hi: int, attempts: int = 3) -> None:
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                locked = BatchJob.objects.select_for_update().get(pk=job.pk)
                if locked.last_id >= hi - 1:  # another worker did this chunk
                    job.last_id, job.done = locked.last_id, locked.done
                    return
                now = timezone.now()
                touched = 0
                with connection.cursor() as cursor:
                    for plan in plans:
                        started = time.perf_counter()
                        cursor.execute(
                            plan.update_sql,
                            [
                                lo,
                                hi,
                                plan.region,
                                connection.ops.adapt_datefield_value(dt.date(plan.year, 12, 31)),
                            ],
                        )
                        touched += max(cursor.rowcount, 0)
                        _timed("update accounts", started)
                        _insert_entries(plan, lo, hi, now)
                locked.last_id = hi - 1
                locked.done = locked.done + touched
                locked.save(update_fields=["last_id", "done"])
                started = time.perf_counter()
            _timed("commit", started)
            job.last_id, job.done = locked.last_id, locked.done
            return
        except OperationalError:  # a deadlock with a multi-account payment: the chunk is retried whole
            if attempt == attempts - 1:
                raise
            log.warning("rollover chunk %s–%s retried after a database conflict", lo, hi)
