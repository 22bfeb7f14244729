"""Global budget with DRG points for inpatient care (杭州 art. 90, 舟山 art. 73): pure rules over plain values.

The measures set the method (总额预算管理下的 DRGs 点数法付费、按床日付费) and leave the
figures to the agency (具体办法另行制定): the level coefficient, the outlier ratios and the
bed-day points are dated parameters (`drg.*`) the agency sets.

A case (one inpatient settlement, not reversed) is, in this order:
- a bed-day case when the stay has at least `drg.bed_day_threshold_days` days:
  points = days × `drg.bed_day_points`;
- a DRG case when it carries a DRG code of the year's table; with ratio = the case's total
  cost ÷ the group's average cost per case:
  - high outlier when ratio > `drg.high_outlier_ratio`: points = weight × (ratio − high ratio + 1)
    (equal to the weight at the border, growing with the cost above it),
  - low outlier when ratio < `drg.low_outlier_ratio`: points = weight × ratio (paid by cost),
  - otherwise points = weight;
- otherwise a case paid by item (按项目): no points, its basic-fund payment stays as paid.

Each case's points are rounded to 4 places (half up). A hospital's points are the sum of its
cases' points × its level coefficient, rounded to 4 places. In a district,
point value = (inpatient budget − payments of item-paid cases) ÷ total hospital points, and
a hospital's due = its points × point value.

Rounding to the fen (`allocate`): each hospital's due is first cut down to the fen; the fens
left over (fewer than the number of hospitals) go one each to the hospitals with the largest
cut-off remainders, ties to the smaller institution code. So the dues add up to the amount to
share exactly, to the fen, and no hospital is off by more than one fen from its exact share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
POINT = Decimal("0.0001")
ZERO = Decimal("0")


class DrgError(ValueError):
    """A year-end that cannot be worked out as asked; `str()` names what is missing."""


@dataclass(frozen=True)
class Group:
    weight: Decimal
    average_cost: Decimal


@dataclass(frozen=True)
class Rules:
    level_coefficient: dict
    high_outlier_ratio: Decimal
    low_outlier_ratio: Decimal
    bed_day_threshold_days: int
    bed_day_points: Decimal


@dataclass(frozen=True)
class Case:
    drg_code: str
    cost: Decimal
    days: int


@dataclass(frozen=True)
class CasePoints:
    kind: str  # "drg", "high", "low", "bed_day", "item"
    points: Decimal
    text: str


def points(case: Case, groups: dict[str, Group], rules: Rules) -> CasePoints:
    if case.days >= rules.bed_day_threshold_days:
        value = (Decimal(case.days) * rules.bed_day_points).quantize(POINT, ROUND_HALF_UP)
        return CasePoints("bed_day", value, f"按床日：{case.days} 天 × {rules.bed_day_points}")
    if not case.drg_code:
        return CasePoints("item", ZERO, "无 DRG 分组，按项目付费")
    group = groups.get(case.drg_code)
    if group is None:
        raise DrgError(f"DRG 编码 {case.drg_code} 不在本年度权重表中")
    if group.average_cost <= 0:
        raise DrgError(f"DRG {case.drg_code} 的均次费用应大于零")
    ratio = case.cost / group.average_cost
    if ratio > rules.high_outlier_ratio:
        value = group.weight * (ratio - rules.high_outlier_ratio + 1)
        return CasePoints("high", value.quantize(POINT, ROUND_HALF_UP), f"高倍率：{case.drg_code}")
    if ratio < rules.low_outlier_ratio:
        return CasePoints(
            "low", (group.weight * ratio).quantize(POINT, ROUND_HALF_UP), f"低倍率：{case.drg_code}"
        )
    return CasePoints("drg", group.weight.quantize(POINT, ROUND_HALF_UP), f"{case.drg_code}")


def hospital_points(case_points: list[Decimal], level: str, rules: Rules) -> Decimal:
    try:
        coefficient = Decimal(rules.level_coefficient[level])
    except KeyError:
        raise DrgError(f"等级系数未设定等级 {level}") from None
    return (sum(case_points, ZERO) * coefficient).quantize(POINT, ROUND_HALF_UP)


@dataclass
class District:
    budget: Decimal
    item_paid: Decimal
    points: dict = field(default_factory=dict)  # hospital key -> points

    @property
    def available(self) -> Decimal:
        return self.budget - self.item_paid

    @property
    def total_points(self) -> Decimal:
        return sum(self.points.values(), ZERO)

    def point_value(self) -> Decimal:
        if self.available < 0:
            raise DrgError(f"按项目付费的住院支出 {self.item_paid} 超过住院预算 {self.budget}")
        if self.total_points <= 0:
            raise DrgError("辖区内没有 DRG 点数，无法计算点值")
        return self.available / self.total_points

    def dues(self) -> dict:
        """Hospital key -> due to the fen; they add up to `available` exactly (see `allocate`)."""
        self.point_value()  # the refusals
        return allocate(self.available, self.points)


def allocate(amount: Decimal, shares: dict) -> dict:
    """Share `amount` (to the fen) in proportion to `shares`; the parts add up to it exactly (largest remainder).

    Keys must be sortable (the tie-break: the smaller key first).
    """
    total = sum(shares.values(), ZERO)
    if total <= 0:
        raise DrgError("无可分配的点数")
    exact = {key: amount * share / total for key, share in shares.items()}
    parts = {key: value.quantize(CENT, ROUND_DOWN) for key, value in exact.items()}
    left = int(((amount - sum(parts.values(), ZERO)) / CENT).to_integral_value(ROUND_HALF_UP))
    order = sorted(shares, key=lambda key: (-(exact[key] - parts[key]), key))
    for key in order[:left]:
        parts[key] += CENT
    return parts
