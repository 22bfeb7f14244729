"""A draft's changes: each names a declared parameter, a date and a value of the parameter's shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from policy.parameters import Override, ParameterError, declarations, parse_value


def _shape(value):
    """What must stay the same for a value to replace another: its kind, keys and length."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted(value)), tuple(_shape(value[k]) for k in sorted(value)))
    if isinstance(value, list | tuple):
        return ("list", len(value))
    if isinstance(value, bool):
        return ("bool",)
    if isinstance(value, int | Decimal):
        return ("number",)
    return (type(value).__name__,)


def _refuse(index: int, message: str):
    raise ValidationError({"changes": [f"第 {index + 1} 项：{message}"]})


def validate_changes(*, region: str, changes, illustrative: bool = False) -> list[Override]:
    """The draft's changes as overrides; a name the region does not declare, or a wrong shape, is refused by key."""
    try:
        declared = declarations(region, illustrative)
    except ParameterError as error:
        raise ValidationError({"region": [str(error)]})
    if not isinstance(changes, list) or not changes:
        raise ValidationError({"changes": ["须为至少一项参数调整的列表"]})
    overrides = []
    for index, change in enumerate(changes):
        if not isinstance(change, dict) or set(change) - {"name", "effective_from", "value"}:
            _refuse(index, "每项须为 {name, effective_from, value}")
        name = change.get("name")
        parameter = declared.get(name)
        if parameter is None:
            _refuse(index, f"没有名为 {name!r} 的参数")
        if parameter.unit in ("article", "rule"):
            _refuse(index, f"{name} 是条款规则，不是可调整的数值")
        try:
            effective = dt.date.fromisoformat(str(change.get("effective_from")))
        except ValueError:
            _refuse(index, f"{name} 的生效日期 {change.get('effective_from')!r} 不是 YYYY-MM-DD 日期")
        raw = change.get("value")
        try:
            value = parse_value(raw) if isinstance(raw, str) else raw
        except Exception:
            _refuse(index, f"{name} 的取值无法解析")
        if isinstance(value, float):
            value = Decimal(str(value))
        if parameter.values and _shape(value) != _shape(parameter.values[-1]):
            _refuse(index, f"{name} 的取值形状与现行参数不同（现行：{parameter.values[-1]!r}）")
        overrides.append(Override(name, effective, value))
    return overrides
