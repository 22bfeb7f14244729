"""The assistance report's presentation: the query, totals, an inline SVG chart, CSV and XLSX files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from policy.money import ZERO

from .models import Channel

DIMENSION_LABELS = {
    "month": _("按月份"),
    "district": _("按辖区"),
    "certificate_kind": _("按救助对象类别"),
    "channel": _("按救助方式"),
}
CHANNEL_COLOURS = {"immediate": "#417690", "posthoc": "#79aec8", "special": "#e0a030"}
HEADERS = ["分组", "即时救助", "事后救助", "特殊救助", "合计", "笔数"]


@dataclass(frozen=True)
class ReportQuery:
    by: str = "month"
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def from_request(cls, params) -> ReportQuery:
        by = params.get("by") or "month"
        if by not in DIMENSION_LABELS:
            by = "month"
        return cls(by=by, start=_date(params.get("start")), end=_date(params.get("end")))

    @property
    def label(self) -> str:
        return _("医疗救助支出 %(by)s（%(start)s 至 %(end)s）") % {
            "by": DIMENSION_LABELS[self.by],
            "start": self.start or "…",
            "end": self.end or "…",
        }


def _date(text):
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def totals(rows) -> dict:
    out = {ch: sum((r[ch] for r in rows), ZERO) for ch in Channel.values}
    out["total"] = sum((r["total"] for r in rows), ZERO)
    out["count"] = sum(r["count"] for r in rows)
    return out


def svg_chart(rows, *, width=720, bar_height=22) -> str:
    """A horizontal stacked bar per group (one colour per channel), as inline SVG."""
    if not rows:
        return ""
    label_width = 150
    top = max((r["total"] for r in rows), default=ZERO) or Decimal(1)
    scale = Decimal(width - label_width - 90) / top
    height = (len(rows) + 1) * (bar_height + 6) + 10
    label = escape(_("医疗救助支出图"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'width="{width}" height="{height}" font-size="12">'
    ]
    y = 5
    for row in rows:
        parts.append(f'<text x="0" y="{y + bar_height - 6}">{escape(row["label"])}</text>')
        x = Decimal(label_width)
        for channel in Channel.values:
            w = row[channel] * scale
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                    f'fill="{CHANNEL_COLOURS[channel]}"><title>{escape(Channel(channel).label)} {row[channel]}</title></rect>'
                )
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_height - 6}">{row["total"]}</text>')
        y += bar_height + 6
    x = label_width
    for channel in Channel.values:
        parts.append(f'<rect x="{x}" y="{y + 4}" width="12" height="12" fill="{CHANNEL_COLOURS[channel]}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 14}">{escape(Channel(channel).label)}</text>')
        x += 150
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


def _table(rows):
    for row in rows:
        yield [row["label"], *[row[ch] for ch in Channel.values], row["total"], row["count"]]
    total = totals(rows)
    yield ["合计", *[total[ch] for ch in Channel.values], total["total"], total["count"]]


def _filename(query: ReportQuery, ext: str) -> str:
    return f"assistance-{query.by}-{query.start or 'all'}-{query.end or 'all'}.{ext}"


def csv_response(rows, query: ReportQuery) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([query.label])
    writer.writerow(HEADERS)
    for line in _table(rows):
        writer.writerow([f"{v:.2f}" if isinstance(v, Decimal) else v for v in line])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(query, "csv")}"'
    return response


def xlsx_response(rows, query: ReportQuery) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "医疗救助统计"
    sheet.append([query.label])
    sheet["A1"].font = Font(bold=True)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for line in _table(rows):
        sheet.append(line)
        for cell in sheet[sheet.max_row][1:5]:
            cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 24
    for column in "BCDE":
        sheet.column_dimensions[column].width = 14
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(query, "xlsx")}"'
    return response
