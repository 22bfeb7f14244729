"""Bulk intake from external systems (tax bureau, civil affairs): all or nothing per call.

Each record is handled in its own savepoint so that every bad record is reported
(`{"records[3].id_number": "..."}`), and if any is bad the whole call is rolled back.
Records are idempotent on the sender's record id: sending one again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.serializers import UNKNOWN_FIELD, unknown_fields


class IntakeError(ValidationError):
    """Per-record errors, keyed `records[i].field`; nothing was written."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__({key: [message] for key, message in errors.items()})


# The sender's record id is kept in an external_id column of this length (every intake model).
RECORD_ID_MAX_LENGTH = 64
# Dates and months a record may name: a sane calendar range (a year like 9999 or 10^30 would
# overflow date arithmetic further on).
MIN_YEAR, MAX_YEAR = 1900, 2999
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}").fullmatch
# Plain decimal text (no exponent: "1e30" is refused), at most two places, at most what a
# numeric(14,2) column holds (the same bound as policy.money.MAX_AMOUNT; core imports no policy).
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?").fullmatch


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
            if len(record_id) > RECORD_ID_MAX_LENGTH:
                errors[f"{prefix}.id"] = f"记录号最长 {RECORD_ID_MAX_LENGTH} 个字符"
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


def refuse_unknown(record: dict, known) -> None:
    """A record key the contract does not name is an error naming it (nothing of the batch is written)."""
    unknown = unknown_fields(record, known)
    if unknown:
        raise ValidationError({name: [str(UNKNOWN_FIELD)] for name in unknown})


def refuse_unknown_body(body, known) -> None:
    """The same for the body around the records (`records`, `source`): an IntakeError naming each key."""
    if isinstance(body, dict) and (unknown := unknown_fields(body, known)):
        raise IntakeError({name: str(UNKNOWN_FIELD) for name in unknown})


def text_from(record: dict, field: str, *, max_length: int) -> str:
    """Optional text (a number, a code): a string of at most the column's `max_length`, "" when absent."""
    value = record.get(field)
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise field_error(field, f"应为字符串，收到 {value!r}")
    text = value.strip()
    if len(text) > max_length:
        raise field_error(field, f"最长 {max_length} 个字符，收到 {len(text)} 个")
    return text


def intake_result(results, describe=None) -> dict:
    """The body of a bulk intake's answer (201): how many records were created or unchanged, and each one.

    `results` are (record, created) pairs; each record is answered with its `external_id`, its
    status, and what `describe(record)` adds (a dict).
    """
    return {
        "created": sum(1 for _record, created in results if created),
        "unchanged": sum(1 for _record, created in results if not created),
        "records": [
            {
                "id": record.external_id,
                "status": "created" if created else "unchanged",
                **(describe(record) if describe else {}),
            }
            for record, created in results
        ],
    }


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def date_from(record: dict, field: str, *, required: bool = True) -> dt.date | None:
    value = record.get(field)
    if value in (None, ""):
        if required:
            raise field_error(field, "不能为空")
        return None
    try:
        if not _DATE(str(value)):
            raise ValueError
        parsed = dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, f"日期格式应为 YYYY-MM-DD，收到 {value!r}")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise field_error(field, f"日期应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间，收到 {value!r}")
    return parsed


def month_from(record: dict, field: str = "month") -> dt.date:
    value = str(record.get(field) or "")
    try:
        if not _MONTH(value):
            raise ValueError
        year, month = value.split("-")
        parsed = dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise field_error(field, f"月份格式应为 YYYY-MM，收到 {value!r}")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise field_error(field, f"月份应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间，收到 {value!r}")
    return parsed


def year_from(record: dict, field: str = "year") -> int:
    value = record.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise field_error(field, "须填写年度（整数）")
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise field_error(field, f"年度应在 {MIN_YEAR} 至 {MAX_YEAR} 之间，收到 {value}")
    return value


def amount_from(record: dict, field: str, *, required: bool = False) -> Decimal | None:
    value = record.get(field)
    if value in (None, ""):
        if required:
            raise field_error(field, "不能为空")
        return None
    if isinstance(value, float | bool):
        raise field_error(field, '金额应为字符串形式（如 "12.34"），不接受浮点数')
    text = str(value).strip()
    if not _AMOUNT(text):
        raise field_error(
            field,
            f'不是有效的金额: {value!r}（应为不超过 999999999999.99、最多两位小数的十进制数，如 "12.34"）',
        )
    return Decimal(text)
