"""Loading the agency's tables from CSV or XLSX (the lower part): DRG weights and district budgets.

Every row is checked before anything is written; any error refuses the whole file and
the clerk gets the list of errors with their row numbers (the header is row 1). A file
loaded becomes the next version of its region and year; earlier versions stay.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from policy.parameters import REGIONS

from .models import BudgetTable, DistrictBudget, DrgTable, DrgWeight

# column -> the headers a file may use for it
DRG_COLUMNS = {
    "code": ("code", "drg_code", "DRG编码", "DRG 编码", "病组编码"),
    "name": ("name", "病组名称", "名称"),
    "weight": ("weight", "权重", "点数"),
    "average_cost": ("average_cost", "均次费用", "平均费用"),
}
DRG_REQUIRED = ("code", "weight", "average_cost")
BUDGET_COLUMNS = {
    "district": ("district", "辖区"),
    "inpatient_budget": ("inpatient_budget", "budget", "住院预算", "住院统筹基金预算"),
}
BUDGET_REQUIRED = ("district", "inpatient_budget")


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("第 %(row)s 行 %(column)s：%(message)s") % {
            "row": self.row,
            "column": self.column or "-",
            "message": self.message,
        }


class TableRefused(ValidationError):
    """The file's errors, row by row; nothing was loaded."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__([str(error) for error in errors])


def read_rows(content: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text cells: XLSX (first sheet) by its name, otherwise CSV (UTF-8, with or without BOM)."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:
            raise TableRefused([RowError(0, "", _("无法读取 XLSX 文件：%(error)s") % {"error": error})])
        return [
            ["" if cell is None else str(cell).strip() for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableRefused([RowError(0, "", _("CSV 文件应为 UTF-8 编码"))])
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _header(rows, columns: dict, required) -> tuple[dict, list[RowError]]:
    if not rows:
        return {}, [RowError(1, "", _("文件为空"))]
    header = rows[0]
    found, errors = {}, []
    for column, names in columns.items():
        for index, cell in enumerate(header):
            if cell in names:
                found[column] = index
                break
    for column in required:
        if column not in found:
            errors.append(
                RowError(
                    1,
                    column,
                    _("缺少列 %(column)s（可用表头：%(names)s）")
                    % {"column": column, "names": "、".join(columns[column])},
                )
            )
    return found, errors


def _decimal(text: str, row: int, column: str, errors: list, *, places: int) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except (InvalidOperation, AttributeError):
        errors.append(RowError(row, column, _("不是数字：%(value)r") % {"value": text}))
        return None
    if not value.is_finite():
        errors.append(RowError(row, column, _("不是数字：%(value)r") % {"value": text}))
        return None
    if value < 0:
        errors.append(RowError(row, column, _("不能为负数：%(value)s") % {"value": text}))
        return None
    if value.as_tuple().exponent < -places:
        errors.append(RowError(row, column, _("最多 %(places)s 位小数") % {"places": places}))
        return None
    return value


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def parse_drg(rows) -> list[dict]:
    found, errors = _header(rows, DRG_COLUMNS, DRG_REQUIRED)
    if errors:
        raise TableRefused(errors)
    parsed, seen = [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        code = _cell(row, found["code"])
        if not code:
            errors.append(RowError(number, "code", _("缺少 DRG 编码")))
        elif len(code) > 16:
            errors.append(RowError(number, "code", _("DRG 编码过长")))
        elif code in seen:
            errors.append(
                RowError(
                    number,
                    "code",
                    _("DRG 编码 %(code)s 重复（第 %(first)s 行）") % {"code": code, "first": seen[code]},
                )
            )
        else:
            seen[code] = number
        weight = _decimal(_cell(row, found["weight"]), number, "weight", errors, places=4)
        average = _decimal(_cell(row, found["average_cost"]), number, "average_cost", errors, places=2)
        if average is not None and average == 0:
            errors.append(RowError(number, "average_cost", _("均次费用应大于零")))
        parsed.append(
            {
                "code": code,
                "name": _cell(row, found.get("name"))[:200],
                "weight": weight,
                "average_cost": average,
            }
        )
    if not parsed and not errors:
        errors.append(RowError(2, "", _("没有数据行")))
    if errors:
        raise TableRefused(errors)
    return parsed


def parse_budget(rows) -> list[dict]:
    found, errors = _header(rows, BUDGET_COLUMNS, BUDGET_REQUIRED)
    if errors:
        raise TableRefused(errors)
    parsed, seen = [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        district = _cell(row, found["district"])
        if not district:
            errors.append(RowError(number, "district", _("缺少辖区")))
        elif district in seen:
            errors.append(
                RowError(
                    number,
                    "district",
                    _("辖区 %(d)s 重复（第 %(first)s 行）") % {"d": district, "first": seen[district]},
                )
            )
        else:
            seen[district] = number
        budget = _decimal(_cell(row, found["inpatient_budget"]), number, "inpatient_budget", errors, places=2)
        parsed.append({"district": district, "inpatient_budget": budget})
    if not parsed and not errors:
        errors.append(RowError(2, "", _("没有数据行")))
    if errors:
        raise TableRefused(errors)
    return parsed


def _check(region: str, year: int, effective_from: dt.date) -> None:
    if region not in REGIONS:
        raise ValidationError({"region": _("未知的统筹地区")})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("年度不正确")})
    if effective_from is None:
        raise ValidationError({"effective_from": _("须填写生效日期")})


def import_drg_table(
    *,
    region: str,
    year: int,
    effective_from: dt.date,
    content: bytes,
    filename: str,
    user=None,
    note: str = "",
) -> DrgTable:
    """Load a DRG weight table as the next version of (region, year); all rows or none."""
    _check(region, year, effective_from)
    rows = parse_drg(read_rows(content, filename))
    with transaction.atomic():
        version = (
            DrgTable.objects.filter(region=region, year=year).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        table = DrgTable.objects.create(
            region=region,
            year=year,
            version=version,
            effective_from=effective_from,
            source_name=filename[:200],
            note=note,
            imported_by=user if getattr(user, "is_authenticated", False) else None,
        )
        DrgWeight.objects.bulk_create(DrgWeight(table=table, **row) for row in rows)
    return table


def import_budget_table(
    *,
    region: str,
    year: int,
    effective_from: dt.date,
    content: bytes,
    filename: str,
    user=None,
    note: str = "",
) -> BudgetTable:
    """Load district inpatient budgets as the next version of (region, year); all rows or none."""
    _check(region, year, effective_from)
    rows = parse_budget(read_rows(content, filename))
    with transaction.atomic():
        version = (
            BudgetTable.objects.filter(region=region, year=year).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        table = BudgetTable.objects.create(
            region=region,
            year=year,
            version=version,
            effective_from=effective_from,
            source_name=filename[:200],
            note=note,
            imported_by=user if getattr(user, "is_authenticated", False) else None,
        )
        DistrictBudget.objects.bulk_create(DistrictBudget(table=table, **row) for row in rows)
    return table


def table_in_force(model, *, region: str, year: int, on: dt.date):
    """The newest version of the year's table in force on `on`, or None."""
    return model.objects.filter(region=region, year=year, effective_from__lte=on).order_by("-version").first()
