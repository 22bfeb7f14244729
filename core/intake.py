"""Bulk intake from external systems (tax bureau, civil affairs): all or nothing per call.

Each record is handled in its own savepoint so that every bad record is reported
(`{"records[3].id_number": "..."}`), and if any is bad the whole call is rolled back.
Records are idempotent on the sender's record id: sending one again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction


class IntakeError(ValidationError):
    """Per-record errors, keyed `records[i].field`; nothing was written."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__({key: [message] for key, message in errors.items()})


def run_intake(
    records, handle: Callable[[dict], tuple[object, bool]], *, limit: int = 5000
) -> list[tuple[object, bool]]:
    """Apply `handle(record) -> (object, created)` to every record in one transaction, or to none."""
    if not isinstance(records, list) or not records:
        raise IntakeError({"records": "须为非空的记录列表"})
    if len(records) > limit:
        raise IntakeError({"records": f"单次最多提交 {limit} 条记录"})
    errors: dict[str, str] = {}
    results: list[tuple[object, bool]] = []
    seen: dict[str, int] = {}
    with transaction.atomic():
        for index, record in enumerate(records):
            prefix = f"records[{index}]"
            if not isinstance(record, dict):
                errors[prefix] = "每条记录须为对象"
                continue
            record_id = str(record.get("id") or "").strip()
            if not record_id:
                errors[f"{prefix}.id"] = "须填写来源系统记录号（用于幂等）"
                continue
            if record_id in seen:
                errors[f"{prefix}.id"] = f"记录号 {record_id} 与 records[{seen[record_id]}] 重复"
                continue
            seen[record_id] = index
            try:
                with transaction.atomic():
                    results.append(handle(record))
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, messages in error.message_dict.items():
                        key = f"{prefix}.{field}" if field != "__all__" else prefix
                        errors[key] = "；".join(str(m) for m in messages)
                else:
                    errors[prefix] = "；".join(str(m) for m in error.messages)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise IntakeError(errors)
    return results


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def date_from(record: dict, field: str, *, required: bool = True) -> dt.date | None:
    value = record.get(field)
    if value in (None, ""):
        if required:
            raise field_error(field, "不能为空")
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, f"日期格式应为 YYYY-MM-DD，收到 {value!r}")


def month_from(record: dict, field: str = "month") -> dt.date:
    value = str(record.get(field) or "")
    try:
        year, month = value.split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise field_error(field, f"月份格式应为 YYYY-MM，收到 {value!r}")


def amount_from(record: dict, field: str, *, required: bool = False) -> Decimal | None:
    value = record.get(field)
    if value in (None, ""):
        if required:
            raise field_error(field, "不能为空")
        return None
    if isinstance(value, float | bool):
        raise field_error(field, '金额应为字符串形式（如 "12.34"），不接受浮点数')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise field_error(field, f"不是有效的金额: {value!r}")
    if not amount.is_finite() or amount < 0 or int(amount.as_tuple().exponent) < -2:
        raise field_error(field, f"不是有效的金额: {value!r}")
    return amount
