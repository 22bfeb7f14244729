"""The trial settlement (预结算), trial-settlement-contract.md: plain data in, plain data out.

One validation for all three ways in (HTTP, command line, Python): `parse_request` turns
the request into dataclasses or raises `TrialSettlementError` whose `.errors` maps a field
path (`bills[0].eligible`) to the reason. Nothing is half-done: a request either settles
entirely or is refused entirely.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from operator import add

from policy.explain import money_text
from policy.money import MAX_AMOUNT, ZERO, parse_amount
from policy.parameters import REGIONS, MissingParameter, ParameterView, parameters_for
from policy.plausibility import OpenPeriod, plausibility_limits

from .engine import apply_rules, balances_after
from .types import (
    CATEGORIES,
    CERTIFICATES,
    CHRONIC_DISEASES,
    COMPONENTS,
    KINDS,
    LEVELS,
    SCHEMES,
    SETTLEMENTS,
    Balances,
    Bill,
    PersonProfile,
    YearState,
    bill_object,
    component_values,
)
from .year import settlement_year

MAX_BILLS = 1000
_EMPTY_STATE = YearState.empty()
_PATHS = tuple(f"bills[{index}]" for index in range(MAX_BILLS))  # error keys, made once
_ABSENT = object()
_from_iso = dt.date.fromisoformat
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch  # YYYY-MM-DD only, not 20240301
_REGION_SET = frozenset(REGIONS)
_SCHEME_SET = frozenset(SCHEMES)
_CATEGORY_SETS = {scheme: frozenset(names) for scheme, names in CATEGORIES.items()}
_CERTIFICATE_SET = frozenset(CERTIFICATES)
_KIND_SET = frozenset(KINDS)
_LEVEL_SET = frozenset(LEVELS)
_CHRONIC_SET = frozenset(CHRONIC_DISEASES)
_SETTLEMENT_SET = frozenset(SETTLEMENTS)
# the common form, already valid and at exactly two places: Decimal(text) needs no quantize
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,12}\.[0-9]{2}").fullmatch
AMOUNT_FIELDS = ("out_of_scope", "self_pay_first", "eligible", "special_drug")
# The contract's fields: anything else is refused (400 naming it), never silently ignored.
_REQUEST_KEYS = frozenset({"region", "person", "bills"})
_PERSON_KEYS = frozenset(
    {
        "scheme",
        "category",
        "age",
        "certificate",
        "contracted_gp",
        "current_funds",
        "historical_funds",
        "use_historical_funds",
    }
)
_BILL_KEYS = frozenset(
    {
        "id",
        "date",
        "kind",
        "institution_level",
        "at_contracted_centre",
        "referred_by_contracted_centre",
        "settlement",
        "chronic_disease",
        "prescribed_at",
        *AMOUNT_FIELDS,
    }
)


def _unknown(data: dict, known: frozenset, errors: dict, prefix: str) -> None:
    if data.keys() - known:
        for name in sorted(data.keys() - known):
            errors[f"{prefix}{name}"] = "未知字段"


class TrialSettlementError(ValueError):
    """Bad input: `.errors` maps each field path to its reason (and the article where one applies)."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))


@dataclass(frozen=True)
class TrialRequest:
    region: str
    person: PersonProfile
    balances: Balances
    bills: tuple[Bill, ...]


class ParameterCache:
    """Parameter views for a whole run: one view per region and period in which no value changes.

    Values change only on the effective dates in the files and the overrides, so every date
    between two such dates shares one view (and its lookup cache); the overrides are read once
    per region and run.
    """

    def __init__(self, illustrative: bool | None = None):
        self.illustrative = illustrative
        self._first: dict = {}
        self._breaks: dict = {}
        self._views: dict = {}
        self._by_date: dict = {}
        self._days: dict = {}

    def _region(self, region: str, on: dt.date):
        first = parameters_for(region, on, illustrative=self.illustrative)
        dates = {d for parameter in first.declared.values() for d in parameter.dates}
        dates.update(o.effective_from for items in first.overrides.values() for o in items)
        self._first[region] = first
        self._breaks[region] = sorted(dates)
        return first

    def view(self, region: str, on: dt.date):
        try:
            return self._by_date[region, on]
        except KeyError:
            pass
        first = self._first.get(region) or self._region(region, on)
        period = bisect.bisect_right(self._breaks[region], on)
        key = (region, period)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = ParameterView(region, on, first.declared, first.overrides)
        self._by_date[region, on] = view
        return view

    def days(self, region: str, student: bool) -> dict:
        """{date: (view, settlement year)} for this region and kind of person (students' year differs),
        filled by `day`: the settlement year of a date only changes with the view's parameters."""
        try:
            return self._days[region, student]
        except KeyError:
            found = self._days[region, student] = {}
            return found

    def day(self, region: str, on: dt.date, person: PersonProfile) -> tuple:
        """(view, settlement year) of `on` for `person`, remembered in `days(region, student)`."""
        view = self.view(region, on)
        found = (view, settlement_year(person, on, view))
        self.days(region, person.scheme == "resident" and person.category == "student")[on] = found
        return found


def _choice(value, allowed, errors, path, what):
    if value is None:
        errors[path] = f"缺少{what}"
        return None
    if not isinstance(value, str) or value not in allowed:
        errors[path] = f"未知的{what} {value!r}，应为 {', '.join(allowed)} 之一"
        return None
    return value


def _flag(data: dict, name: str, default: bool, errors: dict, path: str) -> bool:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        errors[f"{path}.{name}"] = "应为 true 或 false"
        return default
    return value


def _amount(data: dict, name: str, errors: dict, path: str, *, required: bool = False) -> Decimal:
    value = data.get(name)
    if value is None:
        if required:
            errors[f"{path}.{name}"] = "缺少金额"
        return ZERO
    if value.__class__ is str and _PLAIN_AMOUNT(value):
        return Decimal(value)  # the common case, already valid: digits and two places
    try:
        return parse_amount(value, name)
    except ValueError as exc:
        errors[f"{path}.{name}"] = str(exc)
        return ZERO


def _date(value, errors, path) -> dt.date | None:
    if not isinstance(value, str):
        errors[path] = (
            "缺少日期或不是日期（应为 YYYY-MM-DD）" if value is None else "不是日期（应为 YYYY-MM-DD 字符串）"
        )
        return None
    try:
        if not _ISO_DATE(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[path] = f"不是日期: {value!r}（应为 YYYY-MM-DD）"
        return None


def parse_request(data) -> TrialRequest:  # noqa: C901 (issue 13: split by its owner)
    """Validate a request (contract §Request, §Bad input); raise TrialSettlementError with every field error."""
    errors: dict[str, str] = {}
    if not isinstance(data, dict):
        raise TrialSettlementError({"non_field_errors": "请求应为 JSON 对象"})
    _unknown(data, _REQUEST_KEYS, errors, "")
    # Each field: a fast check for the common valid value, the full check (with its message) otherwise.
    region = data.get("region")
    if region.__class__ is not str or region not in _REGION_SET:
        region = _choice(region, REGIONS, errors, "region", "地区")
    # the agency's open years and plausibility limits, looked up once (policy.plausibility)
    today = dt.date.today()
    period = OpenPeriod(region, today) if region else None
    limits = plausibility_limits(region, today) if region else ({}, "")

    person_data = data.get("person")
    if not isinstance(person_data, dict):
        errors["person"] = "缺少参保人信息（应为对象）"
        person_data = {}
    _unknown(person_data, _PERSON_KEYS, errors, "person.")
    scheme = person_data.get("scheme")
    if scheme.__class__ is not str or scheme not in _SCHEME_SET:
        scheme = _choice(scheme, SCHEMES, errors, "person.scheme", "险种")
    category = person_data.get("category")
    if scheme is not None:
        if category.__class__ is not str or category not in _CATEGORY_SETS[scheme]:
            category = _choice(category, CATEGORIES[scheme], errors, "person.category", f"{scheme} 人员类别")
    elif category is None:
        errors["person.category"] = "缺少人员类别"
    age = person_data.get("age")
    if age.__class__ is not int or not 0 <= age <= 150:
        if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 150:
            errors["person.age"] = "应为 0 至 150 的整数（周岁）"
    certificate = person_data.get("certificate")
    if certificate is not None and (certificate.__class__ is not str or certificate not in _CERTIFICATE_SET):
        certificate = _choice(certificate, CERTIFICATES, errors, "person.certificate", "证件类型")
    contracted_gp = person_data.get("contracted_gp", False)
    if contracted_gp.__class__ is not bool:
        contracted_gp = _flag(person_data, "contracted_gp", False, errors, "person")
    use_historical = person_data.get("use_historical_funds", True)
    if use_historical.__class__ is not bool:
        use_historical = _flag(person_data, "use_historical_funds", True, errors, "person")
    current_funds = person_data.get("current_funds")
    if current_funds.__class__ is not str or not _PLAIN_AMOUNT(current_funds):
        current_funds = _amount(person_data, "current_funds", errors, "person")
    else:
        current_funds = Decimal(current_funds)
    historical_funds = person_data.get("historical_funds")
    if historical_funds.__class__ is not str or not _PLAIN_AMOUNT(historical_funds):
        historical_funds = _amount(person_data, "historical_funds", errors, "person")
    else:
        historical_funds = Decimal(historical_funds)
    is_student = scheme == "resident" and category == "student"

    bills_data = data.get("bills")
    bills: list[Bill] = []
    if not isinstance(bills_data, list) or not bills_data:
        errors["bills"] = "至少需要一张账单（应为非空数组）"
        bills_data = []
    elif len(bills_data) > MAX_BILLS:
        errors["bills"] = f"一次最多 {MAX_BILLS} 张账单"
        bills_data = []
    seen_ids: set[str] = set()
    for index, item in enumerate(bills_data):
        path = _PATHS[index]
        if not isinstance(item, dict):
            errors[path] = "账单应为对象"
            continue
        _unknown(item, _BILL_KEYS, errors, f"{path}.")
        bill_id = item.get("id", _ABSENT)
        if bill_id is _ABSENT:
            bill_id = str(index + 1)
        if bill_id.__class__ is not str or not bill_id.strip() or len(bill_id) > 64:
            errors[f"{path}.id"] = "应为 1 至 64 个字符的字符串"
            bill_id = str(index + 1)
        elif bill_id in seen_ids:
            errors[f"{path}.id"] = f"账单编号 {bill_id!r} 重复"
        seen_ids.add(bill_id)
        on = item.get("date")
        if on.__class__ is str and len(on) == 10 and on[4] == "-" and on[7] == "-":
            try:
                on = _from_iso(on)
            except ValueError:
                on = _date(on, errors, f"{path}.date")
        else:
            on = _date(on, errors, f"{path}.date")
        if on is not None and period is not None and (outside := period.error(on)):
            errors[f"{path}.date"] = outside
            on = None
        kind = item.get("kind")
        if kind.__class__ is not str or kind not in _KIND_SET:
            kind = _choice(kind, KINDS, errors, f"{path}.kind", "账单类型")
        level = item.get("institution_level")
        if level is None and kind == "pharmacy":
            level = "other"
        if level.__class__ is not str or level not in _LEVEL_SET:
            level = _choice(level, LEVELS, errors, f"{path}.institution_level", "医疗机构等级")
        settlement = item.get("settlement", "local")
        if settlement.__class__ is not str or settlement not in _SETTLEMENT_SET:
            settlement = _choice(settlement, SETTLEMENTS, errors, f"{path}.settlement", "结算方式")
        at_centre = item.get("at_contracted_centre", False)
        if at_centre.__class__ is not bool:
            at_centre = _flag(item, "at_contracted_centre", False, errors, path)
        referred = item.get("referred_by_contracted_centre", False)
        if referred.__class__ is not bool:
            referred = _flag(item, "referred_by_contracted_centre", False, errors, path)
        if at_centre and not (contracted_gp or is_student):
            errors[f"{path}.at_contracted_centre"] = (
                "参保人未签约家庭医生（person.contracted_gp 为 false），不能在签约机构就诊"
            )
        elif at_centre and not is_student and level is not None and level != "community":
            errors[f"{path}.at_contracted_centre"] = (
                "签约机构应为社区卫生服务机构（institution_level 应为 community）"
            )
        if referred and not contracted_gp:
            errors[f"{path}.referred_by_contracted_centre"] = (
                "参保人未签约家庭医生（person.contracted_gp 为 false），不能由签约机构转诊"
            )
        # the four amounts, unrolled: the common string form is parsed in place, anything else by _amount
        out_of_scope = item.get("out_of_scope")
        if out_of_scope.__class__ is not str or not _PLAIN_AMOUNT(out_of_scope):
            out_of_scope = _amount(item, "out_of_scope", errors, path)
        else:
            out_of_scope = Decimal(out_of_scope)
        self_pay_first = item.get("self_pay_first")
        if self_pay_first.__class__ is not str or not _PLAIN_AMOUNT(self_pay_first):
            self_pay_first = _amount(item, "self_pay_first", errors, path)
        else:
            self_pay_first = Decimal(self_pay_first)
        eligible = item.get("eligible")
        if eligible.__class__ is not str or not _PLAIN_AMOUNT(eligible):
            eligible = _amount(item, "eligible", errors, path, required=True)
        else:
            eligible = Decimal(eligible)
        special_drug = item.get("special_drug")
        if special_drug.__class__ is not str or not _PLAIN_AMOUNT(special_drug):
            special_drug = _amount(item, "special_drug", errors, path)
        else:
            special_drug = Decimal(special_drug)
        # optional (舟山 art. 23(2)(4), 32(2)(4)): a chronic-disease visit; an e-prescription's institution level
        chronic = item.get("chronic_disease")
        if chronic is not None:
            if chronic.__class__ is not str or chronic not in _CHRONIC_SET:
                chronic = _choice(chronic, CHRONIC_DISEASES, errors, f"{path}.chronic_disease", "慢性病类别")
            elif kind is not None and kind != "outpatient":
                errors[f"{path}.chronic_disease"] = "慢性病门诊仅适用于 kind 为 outpatient 的账单"
        prescribed = item.get("prescribed_at")
        if prescribed is not None:
            if prescribed.__class__ is not str or prescribed not in _LEVEL_SET:
                prescribed = _choice(prescribed, LEVELS, errors, f"{path}.prescribed_at", "外配处方机构等级")
            elif kind is not None and kind != "pharmacy":
                errors[f"{path}.prescribed_at"] = "电子外配处方仅适用于 kind 为 pharmacy 的账单"
        bill_total = out_of_scope + self_pay_first + eligible + special_drug
        if bill_total > MAX_AMOUNT:
            errors[f"{path}.eligible"] = f"费用合计 {bill_total} 超出金额上限 {MAX_AMOUNT}"
        elif kind in limits[0] and bill_total > limits[0][kind]:
            errors[f"{path}.eligible"] = (
                f"单张票据费用总额 {bill_total} 超过该类别的合理性上限 {limits[0][kind]:.2f}（{limits[1]}）"
            )
        if on is None or kind is None or level is None or settlement is None:
            continue
        # Bill(...) without the frozen dataclass's per-field object.__setattr__ (every value is checked above)
        new = object.__new__(Bill)
        new.__dict__.update(
            id=bill_id,
            date=on,
            kind=kind,
            institution_level=level,
            at_contracted_centre=at_centre,
            referred_by_contracted_centre=referred,
            settlement=settlement,
            out_of_scope=out_of_scope,
            self_pay_first=self_pay_first,
            eligible=eligible,
            special_drug=special_drug,
        )
        # the optional fields only when given (otherwise the dataclass default, None, is read from the class)
        if chronic is not None:
            new.__dict__["chronic_disease"] = chronic
        if prescribed is not None:
            new.__dict__["prescribed_at"] = prescribed
        bills.append(new)
    if errors:
        raise TrialSettlementError(errors)
    # PersonProfile(...) and TrialRequest(...) without the frozen dataclasses' per-field setattr
    person = object.__new__(PersonProfile)
    person.__dict__.update(
        region=region,
        scheme=scheme,
        category=category,
        age=age,
        certificate=certificate,
        contracted_gp=contracted_gp,
        use_historical_funds=use_historical,
    )
    balances = object.__new__(Balances)
    balances.current_funds = current_funds
    balances.historical_funds = historical_funds
    request = object.__new__(TrialRequest)
    request.__dict__.update(region=region, person=person, balances=balances, bills=tuple(bills))
    return request


def _field_of(exc: MissingParameter, index: int) -> str:
    if exc.name.startswith("offsite."):
        return f"bills[{index}].settlement"
    return f"bills[{index}]"


def settle_request(request: TrialRequest, cache: ParameterCache | None = None) -> dict:
    """Settle the bills of a parsed request in date order (ties: as given), each year on its own state."""
    cache = cache or ParameterCache()
    person = request.person
    region = request.region
    bills = request.bills
    days = cache.days(region, person.scheme == "resident" and person.category == "student")
    states: dict[str, YearState] = {}
    balances = request.balances
    order = (
        sorted(range(len(bills)), key=[bill.date for bill in bills].__getitem__) if len(bills) > 1 else (0,)
    )
    answers: list = [None] * len(bills)
    totals = (ZERO,) * len(COMPONENTS)
    illustrative = False
    for index in order:
        bill = bills[index]
        try:
            params, year = days.get(bill.date) or cache.day(region, bill.date, person)
            key = year.key
            # a year's first bill starts from the shared empty state (apply_rules works on a copy)
            work, states[key], lines, marked = apply_rules(
                person, bill, states.get(key) or _EMPTY_STATE, balances, params, key
            )
        except MissingParameter as exc:
            on_bill = MissingParameter(exc.region, exc.name, exc.article, bill.date)
            raise TrialSettlementError({_field_of(exc, index): str(on_bill)}) from exc
        balances = balances_after(balances, work)
        totals = tuple(map(add, totals, component_values(work)))
        if marked:
            illustrative = True
        answers[index] = bill_object(bill.id, key, work, marked, lines)
    return {
        "region": region,
        "illustrative": illustrative,
        "bills": answers,
        "totals": dict(zip(COMPONENTS, map(money_text, totals), strict=True)),
    }


def trial_settle(
    request: dict, *, illustrative: bool | None = None, cache: ParameterCache | None = None
) -> dict:
    """The contract's Python entry: a request dict in, a response dict out; TrialSettlementError on bad input.

    `illustrative=None` follows the deployment setting (Zhoushan's illustrative set is never the default).
    """
    parsed = parse_request(request)
    return settle_request(parsed, cache or ParameterCache(illustrative))
