"""The parameter files: dated values, articles, Decimal (never float), missing values refused."""

import datetime as dt
from decimal import Decimal

import pytest

import policy.parameters as parameters_module
from policy.parameters import (
    MissingParameter,
    Override,
    UnknownParameter,
    declarations,
    parameters_for,
    set_override_provider,
)


def test_hangzhou_inpatient_deductible_art28_1_is_decimal_by_level():
    view = parameters_for("hangzhou", dt.date(2024, 3, 1))
    assert view["inpatient.deductible"] == {"level3": 800, "other": 500, "community": 300}
    assert view["inpatient.employee.ratio"]["band1"]["active"]["level3"] == Decimal("0.82")
    assert "第二十八条" in view.article("inpatient.deductible")


def test_no_float_anywhere_in_the_files():
    def walk(value):
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        if isinstance(value, list):
            for item in value:
                walk(item)

    for region in ("hangzhou", "zhoushan"):
        for parameter in declarations(region).values():
            for value in parameter.values:
                walk(value)


def test_before_the_measures_took_effect_a_value_is_missing_and_named():
    view = parameters_for("hangzhou", dt.date(2020, 12, 31))
    with pytest.raises(MissingParameter) as caught:
        view["inpatient.deductible"]
    assert "inpatient.deductible" in str(caught.value)
    assert "第二十八条" in str(caught.value)


def test_unknown_parameter_is_a_programming_error():
    with pytest.raises(UnknownParameter):
        parameters_for("hangzhou", dt.date(2024, 1, 1))["no.such.thing"]


def test_override_wins_from_its_date_on():
    previous = parameters_module._override_provider
    set_override_provider(
        lambda region: (
            [Override("inpatient.employee.annual_limit", dt.date(2025, 1, 1), Decimal("450000"))]
            if region == "hangzhou"
            else []
        )
    )
    try:
        assert parameters_for("hangzhou", dt.date(2024, 12, 31))["inpatient.employee.annual_limit"] == 400000
        assert parameters_for("hangzhou", dt.date(2025, 1, 1))["inpatient.employee.annual_limit"] == Decimal(
            "450000"
        )
    finally:
        set_override_provider(previous)
