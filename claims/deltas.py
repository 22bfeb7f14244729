"""The effect of one settlement on the year-to-date accumulators, and its removal.

A settlement stores the state before it and its delta (after − before). A reversal
does not rewind to the stored state-before (later settlements of the year would be
lost): it subtracts the delta from the CURRENT state. Numbers (Decimal strings or
ints, nested in dicts too) are subtracted; a value that is not a number (e.g. the
highest institution level used this year) goes back to its value before the
settlement only if nothing changed it since (current == value after); otherwise
the later settlement's value stays. A value that was absent before (None) is such an
assignment too, so callers pass complete states (every key present) to `delta`.
"""

from decimal import Decimal, InvalidOperation


def _number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _same_type(template, number: Decimal):
    if isinstance(template, str):
        return str(number)
    if isinstance(template, int) and number == number.to_integral_value():
        return int(number)
    return str(number)


def delta(before: dict, after: dict) -> dict:
    """What a settlement added: numbers as `after − before`, other values as {"before", "after"}."""
    result = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) or isinstance(new, dict):
            result[key] = {"nested": delta(old or {}, new or {})}
            continue
        old_number, new_number = _number(old), _number(new)
        if new_number is not None and old_number is not None:
            change = new_number - old_number
            result[key] = {"add": _same_type(new, change)}
        elif old != new:
            result[key] = {"before": old, "after": new}
    return result


def remove(current: dict, change: dict) -> dict:
    """The current state without one settlement's `change` (see the module docstring)."""
    result = dict(current)
    for key, item in change.items():
        if "nested" in item:
            result[key] = remove(current.get(key) or {}, item["nested"])
        elif "add" in item:
            base = _number(current.get(key)) or Decimal(0)
            result[key] = _same_type(current.get(key, item["add"]), base - Decimal(item["add"]))
        elif current.get(key) == item["after"]:
            if item["before"] is None:
                result.pop(key, None)
            else:
                result[key] = item["before"]
    return result
