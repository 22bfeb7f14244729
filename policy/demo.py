"""Demo data of the policy app: one clearly labelled DEMO figure, nothing else.

Hangzhou's file holds every figure the measures set. The one yearly figure contributions
need that the agency enters from a publication, the prior-year Zhejiang average monthly
wage of all urban employed persons (省平工资, 杭州 art. 13(1)), was not at hand from an
official source when this was written, so the demo enters a DEMO value as an override,
labelled as such in its note. A real deployment enters the published figure instead
(admin → 政策参数调整), dated from the year it is used in.
Zhoushan's demo runs on the illustrative set (POLICY_ILLUSTRATIVE=1).
"""

import datetime as dt

from .models import ParameterOverride

DEMO_OVERRIDES = [
    (
        "hangzhou",
        "provincial_average_monthly_wage",
        dt.date(2021, 1, 1),
        "7000",
        "DEMO 演示用数值，非官方公布数：上年度浙江省全社会单位就业人员月平均工资（省平工资）尚未按公布数录入，"
        "为使演示能计算缴费而设。正式使用前请删除本条，按统计部门公布数逐年录入（杭州 第十三条第(一)项）。",
    ),
]


def load(stdout) -> None:
    for region, name, effective_from, value, note in DEMO_OVERRIDES:
        _override, created = ParameterOverride.objects.get_or_create(
            region=region, name=name, effective_from=effective_from, defaults={"value": value, "note": note}
        )
        stdout.write(
            f"policy: {'created' if created else 'kept'} DEMO override {region} {name} from {effective_from}\n"
        )
