"""Request builders shared by the settlement tests (figures in the tests are worked by hand)."""

from decimal import Decimal

from policy.settlement import trial_settle


def person(scheme="employee", category="active", **extra):
    data = {"scheme": scheme, "category": category, "age": 50, "certificate": None}
    data.update(extra)
    return data


def bill(eligible, *, kind="inpatient", level="level3", date="2024-03-01", id=None, **extra):
    data = {"id": id or f"{kind}-{date}-{eligible}", "date": date, "kind": kind, "institution_level": level}
    data["eligible"] = str(eligible)
    for key, value in extra.items():
        data[key] = str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value
    return data


def settle(person_data, *bills, region="hangzhou", **kwargs):
    return trial_settle({"region": region, "person": person_data, "bills": list(bills)}, **kwargs)


def D(text):
    return Decimal(str(text))


def amounts(result_bill, *names):
    return tuple(D(result_bill[name]) for name in names)
