"""Public reports of the funds (杭州 art. 85; 舟山 art. 75): figures, chart, CSV, XLSX and the yearly PDF.

Every figure is read from the pre-aggregated `FundMonth` and the closed `FundYear` rows, never
from the settlements themselves, so a year of ten million settlements answers as fast as one.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils.translation import gettext

from core.books import Fund

from .charts import grouped_bars
from .models import FundMonth, YearClose

ZERO = Decimal("0.00")
FUND_LABELS = dict(Fund.choices)
HEADERS = ["基金", "月份", "收入", "支出", "结余"]


def monthly_figures(*, region: str, year: int, district: str | None = None) -> list[dict]:
    """One row per fund and month: income, expenditure and balance (districts summed unless one is asked)."""
    months = FundMonth.objects.filter(region=region, year=year)
    if district:
        months = months.filter(district=district)
    rows = (
        months.values("fund", "month")
        .annotate(income=Sum("income"), expenditure=Sum("expenditure"))
        .order_by("fund", "month")
    )
    return [
        {
            "fund": r["fund"],
            "fund_label": str(FUND_LABELS.get(r["fund"], r["fund"])),
            "month": r["month"],
            "income": r["income"],
            "expenditure": r["expenditure"],
            "balance": r["income"] - r["expenditure"],
        }
        for r in rows
    ]


def yearly_figures(*, region: str, year: int) -> list[dict]:
    """One row per fund for the year: income, expenditure, balance (all districts)."""
    totals: dict[str, dict] = {}
    for row in monthly_figures(region=region, year=year):
        t = totals.setdefault(
            row["fund"],
            {"fund": row["fund"], "fund_label": row["fund_label"], "income": ZERO, "expenditure": ZERO},
        )
        t["income"] += row["income"]
        t["expenditure"] += row["expenditure"]
    for t in totals.values():
        t["balance"] = t["income"] - t["expenditure"]
    return list(totals.values())


def chart_svg(rows: list[dict], *, width: int = 720, height: int = 220) -> str:
    """Income (blue) and expenditure (red) per fund, as inline SVG (`funds.charts.grouped_bars`)."""
    income, expenditure = gettext("收入"), gettext("支出")
    return grouped_bars(
        [
            (
                r["fund_label"],
                [
                    (r["income"], "#2563eb", f"{r['fund_label']} {income} {r['income']:.2f}"),
                    (r["expenditure"], "#dc2626", f"{r['fund_label']} {expenditure} {r['expenditure']:.2f}"),
                ],
            )
            for r in rows
        ],
        width=width,
        height=height,
        css_class="fund-chart",
        label_chars=6,
    )


def _table(region: str, year: int) -> list[list]:
    return [
        [r["fund_label"], f"{year}-{r['month']:02d}", r["income"], r["expenditure"], r["balance"]]
        for r in monthly_figures(region=region, year=year)
    ]


def as_csv(*, region: str, year: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in _table(region, year):
        writer.writerow([f"{v:.2f}" if isinstance(v, Decimal) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def as_xlsx(*, region: str, year: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}"
    sheet.append(HEADERS)
    for row in _table(region, year):
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2, min_col=3, max_col=5):
        for cell in cells:
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def publication_context(close: YearClose) -> dict:
    from policy.regions import region_of

    place = region_of(close.region)
    return {
        "close": close,
        "region_name": place.name,
        "article": place.article("funds.publication"),
        "funds": list(close.funds.all()),
        "shares": list(close.shares.all()),
        "yearly": yearly_figures(region=close.region, year=close.year),
    }


def render_publication_pdf(close: YearClose) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string("funds/publication.html", publication_context(close))).write_pdf()
