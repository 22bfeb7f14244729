"""The DRG year-end settlement (杭州 art. 90, 舟山 art. 73): the higher part, above claims.

Reads the year's inpatient settlements that approved monthly clearings paid (through
claims.selectors and the clearings' entries), the year's DRG weight table and district
budgets in force, and the agency's `drg.*` parameters; the rules themselves are
`policy.drg` (pure). Per district:

    point value = (inpatient budget − basic-fund payments of item-paid cases) ÷ total points
    due         = hospital points (× level coefficient) × point value, to the fen (policy.drg.allocate)
    year-end    = due − what the basic fund paid the hospital for its DRG and bed-day cases in the clearings

so item-paid payments + dues = the budget, to the fen. A reversed case has no points and
its payment and reversal cancel out. The run refuses while a month of the year is not
cleared, and again once approved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import selectors as claims_selectors
from policy import drg as rules
from policy.parameters import ParameterError
from policy.regions import region_of

from .clearing import uncleared_months
from .models import (
    Agreement,
    BudgetTable,
    Clearing,
    ClearingEntry,
    DrgTable,
    DrgYear,
    DrgYearLine,
)
from .tables import table_in_force

ZERO = Decimal("0.00")


def year_rules(region: str, year: int) -> rules.Rules:
    params = region_of(region).parameters(dt.date(year, 12, 31))
    try:
        return rules.Rules(
            level_coefficient={key: Decimal(value) for key, value in params["drg.level_coefficient"].items()},
            high_outlier_ratio=Decimal(params["drg.high_outlier_ratio"]),
            low_outlier_ratio=Decimal(params["drg.low_outlier_ratio"]),
            bed_day_threshold_days=int(params["drg.bed_day_threshold_days"]),
            bed_day_points=Decimal(params["drg.bed_day_points"]),
        )
    except ParameterError as error:
        raise ValidationError({"parameters": str(error)}) from None


def districts_of(institution_ids, year: int) -> dict[int, str]:
    """Institution -> the district of its agreement in force latest in the year."""
    found = {}
    rows = (
        Agreement.objects.exclude(state=Agreement.State.DRAFT)
        .filter(institution_id__in=list(institution_ids), start_date__lte=dt.date(year, 12, 31))
        .filter(end_date__gte=dt.date(year, 1, 1))
        .order_by("institution_id", "-start_date")
        .values_list("institution_id", "district")
    )
    for institution_id, district in rows:
        found.setdefault(institution_id, district)
    return found


def cleared_inpatient_rows(region: str, year: int) -> list[dict]:
    """The year's inpatient settlements and reversals of the region's institutions that approved clearings hold."""
    held = ClearingEntry.objects.filter(
        clearing__region=region, clearing__state__in=[Clearing.State.APPROVED, Clearing.State.PAID]
    ).values("settlement_id")
    return list(
        claims_selectors.direct_settlements()
        .filter(
            pk__in=held,
            bill_kind="inpatient",
            bill_date__gte=dt.date(year, 1, 1),
            bill_date__lte=dt.date(year, 12, 31),
        )
        .values(
            "pk",
            "kind",
            "reverses_id",
            "institution_id",
            "drg_code",
            "total",
            "admission_date",
            "period_start",
            "discharge_date",
            "basic_fund_paid",
        )
        .order_by("pk")
    )


def stay_days(row: dict) -> int:
    start = row["period_start"] or row["admission_date"]
    if start is None or row["discharge_date"] is None:
        return 1
    return max((row["discharge_date"] - start).days, 1)


def _inputs(region: str, year: int, today: dt.date):
    """What the year-end needs, or the refusal: every month cleared, the tables in force, the agency's parameters."""
    months = uncleared_months(region, year)
    if months:
        raise ValidationError(
            {
                "year": _("%(year)s 年尚有月份未完成月度清算审核：%(months)s")
                % {"year": year, "months": "、".join(f"{m.month}月" for m in months)}
            }
        )
    drg_table = table_in_force(DrgTable, region=region, year=year, on=today)
    budget_table = table_in_force(BudgetTable, region=region, year=year, on=today)
    if drg_table is None:
        raise ValidationError({"drg_table": _("%(year)s 年没有已生效的 DRG 权重表") % {"year": year}})
    if budget_table is None:
        raise ValidationError({"budget_table": _("%(year)s 年没有已生效的住院预算表") % {"year": year}})
    the_rules = year_rules(region, year)
    groups = {
        w.code: rules.Group(weight=w.weight, average_cost=w.average_cost) for w in drg_table.weights.all()
    }
    budgets = {b.district: b.inpatient_budget for b in budget_table.budgets.all()}

    return drg_table, budget_table, the_rules, groups, budgets


def run_year_end(*, region: str, year: int, user=None, today: dt.date | None = None) -> DrgYear:
    """Work out (again, until approved) the year-end settlement of `region` and `year`."""
    today = today or timezone.localdate()
    existing = DrgYear.objects.filter(region=region, year=year).first()
    if existing and existing.state == DrgYear.State.APPROVED:
        raise ValidationError({"year": _("%(year)s 年 DRG 年终清算已审核，不能重算") % {"year": year}})
    drg_table, budget_table, the_rules, groups, budgets = _inputs(region, year, today)

    rows = cleared_inpatient_rows(region, year)
    reversed_ids = {row["reverses_id"] for row in rows if row["kind"] == "reversal" and row["reverses_id"]}
    institution_ids = {row["institution_id"] for row in rows}
    district_of = districts_of(institution_ids, year)
    info = claims_selectors.institutions_by_id(institution_ids)
    missing = sorted(info[i]["code"] for i in institution_ids if i not in district_of)
    if missing:
        raise ValidationError(
            {
                "agreement": _("以下机构在该年度没有医保服务协议（无法确定辖区）：%(codes)s")
                % {"codes": "、".join(missing[:20])}
            }
        )
    no_budget = sorted({district_of[i] for i in institution_ids} - set(budgets))
    if no_budget:
        raise ValidationError({"budget_table": _("预算表缺少辖区：%(d)s") % {"d": "、".join(no_budget)}})

    case_points = defaultdict(list)
    counts = defaultdict(lambda: defaultdict(int))
    item_paid = defaultdict(lambda: ZERO)  # institution -> basic fund paid for item-paid cases
    drg_paid = defaultdict(lambda: ZERO)  # institution -> basic fund paid for DRG and bed-day cases
    try:
        for row in rows:
            case = rules.Case(drg_code=row["drg_code"], cost=abs(row["total"]), days=stay_days(row))
            result = rules.points(case, groups, the_rules)
            institution = row["institution_id"]
            if result.kind == "item":
                item_paid[institution] += row["basic_fund_paid"]
            else:
                drg_paid[institution] += row["basic_fund_paid"]
            if row["kind"] == "settlement" and row["pk"] not in reversed_ids:
                counts[institution][result.kind] += 1
                if result.kind != "item":
                    case_points[institution].append(result.points)
        districts: dict[str, rules.District] = {}
        adjusted = {}
        for institution in sorted(institution_ids, key=lambda i: info[i]["code"]):
            district = district_of[institution]
            entry = districts.setdefault(district, rules.District(budget=budgets[district], item_paid=ZERO))
            entry.item_paid += item_paid[institution]
            adjusted[institution] = rules.hospital_points(
                case_points[institution], info[institution]["level"], the_rules
            )
            if adjusted[institution] > 0:
                entry.points[info[institution]["code"]] = adjusted[institution]
        dues_by_code = {}
        summaries = []
        for district, entry in sorted(districts.items()):
            value = entry.point_value()
            dues_by_code.update(entry.dues())
            summaries.append(
                {
                    "district": district,
                    "budget": f"{entry.budget:.2f}",
                    "item_paid": f"{entry.item_paid:.2f}",
                    "available": f"{entry.available:.2f}",
                    "total_points": f"{entry.total_points:.4f}",
                    "point_value": f"{value:.6f}",
                }
            )
    except rules.DrgError as error:
        raise ValidationError({"drg_table": str(error)}) from None

    article = region_of(region).article("institutions.drg")
    with transaction.atomic():
        if existing:
            existing.lines.all().delete()
            drg_year = existing
            drg_year.drg_table, drg_year.budget_table = drg_table, budget_table
        else:
            drg_year = DrgYear(region=region, year=year, drg_table=drg_table, budget_table=budget_table)
        drg_year.districts = summaries
        drg_year.parameters = {
            "level_coefficient": {k: str(v) for k, v in the_rules.level_coefficient.items()},
            "high_outlier_ratio": str(the_rules.high_outlier_ratio),
            "low_outlier_ratio": str(the_rules.low_outlier_ratio),
            "bed_day_threshold_days": the_rules.bed_day_threshold_days,
            "bed_day_points": str(the_rules.bed_day_points),
            "drg_table": str(drg_table),
            "budget_table": str(budget_table),
        }
        drg_year.calculated_by = user if getattr(user, "is_authenticated", False) else None
        drg_year.save()
        point_values = {s["district"]: Decimal(s["point_value"]) for s in summaries}
        lines = []
        for institution in sorted(institution_ids, key=lambda i: info[i]["code"]):
            code = info[institution]["code"]
            district = district_of[institution]
            due = dues_by_code.get(code, ZERO)
            paid = drg_paid[institution]
            kinds = counts[institution]
            lines.append(
                DrgYearLine(
                    drg_year=drg_year,
                    institution_id=institution,
                    district=district,
                    cases=sum(kinds.values()),
                    points=adjusted[institution],
                    point_value=point_values[district],
                    due=due,
                    paid=paid,
                    balance=due - paid,
                    explanation=[
                        {
                            "article": article,
                            "text": _(
                                "病例：DRG %(d)s、高倍率 %(h)s、低倍率 %(l)s、按床日 %(b)s、按项目 %(i)s"
                            )
                            % {
                                "d": kinds["drg"],
                                "h": kinds["high"],
                                "l": kinds["low"],
                                "b": kinds["bed_day"],
                                "i": kinds["item"],
                            },
                            "amount": "0.00",
                        },
                        {
                            "article": article,
                            "text": _("总点数（含等级系数 %(c)s）%(p)s × 点值 %(v)s")
                            % {
                                "c": the_rules.level_coefficient.get(info[institution]["level"]),
                                "p": f"{adjusted[institution]:.4f}",
                                "v": f"{point_values[district]:.6f}",
                            },
                            "amount": f"{due:.2f}",
                        },
                        {
                            "article": article,
                            "text": _("减：月度清算已拨付 DRG 及按床日病例统筹基金"),
                            "amount": f"{-paid:.2f}",
                        },
                        {
                            "article": article,
                            "text": _("按项目付费病例已拨付（不参与年终清算）"),
                            "amount": f"{item_paid[institution]:.2f}",
                        },
                        {
                            "article": article,
                            "text": _("年终清算（正数补拨，负数扣回）"),
                            "amount": f"{due - paid:.2f}",
                        },
                    ],
                )
            )
        DrgYearLine.objects.bulk_create(lines)
    return drg_year


def approve_year(*, drg_year: DrgYear, user) -> DrgYear:
    with transaction.atomic():
        drg_year = DrgYear.objects.select_for_update().get(pk=drg_year.pk)
        if drg_year.state == DrgYear.State.APPROVED:
            raise ValidationError({"state": _("该年终清算已审核，不能重复审核")})
        drg_year.state = DrgYear.State.APPROVED
        drg_year.approved_by = user if getattr(user, "is_authenticated", False) else None
        drg_year.approved_at = timezone.now()
        drg_year.save(update_fields=["state", "approved_by", "approved_at"])
    return drg_year
