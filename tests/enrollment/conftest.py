"""Builders for enrollment and contributions tests (valid IDs computed, never typed)."""

import datetime as dt

import pytest

from core.identity import make_credit_code, make_resident_id


@pytest.fixture
def make_person(db):
    from enrollment.models import Person

    counter = {"n": 0}

    def make(
        name="张三",
        birth=dt.date(1985, 6, 15),
        sex="M",
        hukou_local=True,
        district="上城区",
        residence_district=None,
        region="hangzhou",
        area="330102",
        **extra,
    ):
        counter["n"] += 1
        sequence = counter["n"] * 2 + (1 if sex == "M" else 0)
        return Person.objects.create(
            name=name,
            id_number=make_resident_id(area, birth, sequence % 1000),
            birth_date=birth,
            sex=sex,
            hukou_local=hukou_local,
            hukou_district=district if hukou_local else "",
            residence_district=residence_district or district,
            region=region,
            **extra,
        )

    return make


@pytest.fixture
def employer(db):
    from enrollment.models import Employer

    return Employer.objects.create(
        name="杭州示例科技有限公司", credit_code=make_credit_code("91330102MA2AB1234"), district="上城区"
    )


@pytest.fixture
def provincial_wage(db):
    """省平工资 6,000 from 2020 on, set as the agency would (ParameterOverride)."""
    from policy.models import ParameterOverride

    return ParameterOverride.objects.create(
        region="hangzhou",
        name="provincial_average_monthly_wage",
        effective_from=dt.date(2020, 1, 1),
        value="6000",
        note="测试用省平工资",
    )
