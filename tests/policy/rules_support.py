"""Parameter views for the rule tests: Hangzhou with a test 省平工资, Zhoushan official or illustrative.

The provincial average monthly wage is a published yearly figure the agency enters; the
tests set 7,000 yuan (a round figure chosen so hand-worked results are easy to check).
"""

import datetime as dt
from decimal import Decimal

from policy.parameters import Override, ParameterView, declarations

TEST_AVERAGE_WAGE = Decimal("7000")


def hangzhou(on=dt.date(2024, 3, 1), average_wage=TEST_AVERAGE_WAGE, **overrides) -> ParameterView:
    items = {
        "provincial_average_monthly_wage": [
            Override("provincial_average_monthly_wage", dt.date(2021, 1, 1), average_wage)
        ]
    }
    for name, value in overrides.items():
        name = name.replace("__", ".")
        items[name] = [Override(name, dt.date(2021, 1, 1), value)]
    return ParameterView("hangzhou", on, declarations("hangzhou"), items)


def zhoushan(on=dt.date(2024, 3, 1), *, illustrative=True) -> ParameterView:
    return ParameterView("zhoushan", on, declarations("zhoushan", illustrative), {})
