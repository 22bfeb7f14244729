"""The comparison a reform study reports: what the funds pay, what persons pay, and who reaches catastrophic insurance."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext

from funds.charts import grouped_bars
from funds.sources import pooled_fund

ZERO = Decimal("0.00")
MEASURES = ("basic_fund", "catastrophic", "assistance", "personal_accounts", "cash")
DIMENSIONS = ("fund", "district", "category", "bill_kind")


def _measures(result) -> tuple[Decimal, ...]:
    return (
        result.basic_fund_paid,
        result.catastrophic_paid,
        result.assistance_paid,
        result.current_funds_paid + result.historical_funds_paid,
        result.cash_paid,
    )


class Summary:
    """Sums by dimension and per person-year, for the live rules (index 0) and the draft (index 1)."""

    def __init__(self):
        self.bills = 0
        self.groups = {d: defaultdict(lambda: [[ZERO] * 5, [ZERO] * 5]) for d in DIMENSIONS}
        self.persons: dict[tuple, list] = defaultdict(
            lambda: [ZERO, ZERO, ZERO, ZERO]
        )  # oop and catastrophic, live/draft

    def add(self, stored, live, draft) -> None:
        self.bills += 1
        profile = stored.profile
        keys = {
            "fund": pooled_fund(profile.scheme, profile.category),
            "district": stored.district,
            "category": profile.category,
            "bill_kind": stored.bill.kind,
        }
        values = (_measures(live), _measures(draft))
        for dimension, key in keys.items():
            sums = self.groups[dimension][key]
            for side in (0, 1):
                row = sums[side]
                for i, amount in enumerate(values[side]):
                    row[i] += amount
        person = self.persons[(stored.person_id, stored.year_key)]
        person[0] += values[0][3] + values[0][4]
        person[1] += values[1][3] + values[1][4]
        person[2] += live.catastrophic_paid
        person[3] += draft.catastrophic_paid

    def result(self) -> dict:
        def side(values):
            return {name: f"{amount:.2f}" for name, amount in zip(MEASURES, values, strict=True)}

        by = {
            dimension: [
                {
                    "key": key,
                    "live": side(sums[0]),
                    "draft": side(sums[1]),
                    "change": side([b - a for a, b in zip(sums[0], sums[1], strict=True)]),
                }
                for key, sums in sorted(groups.items())
            ]
            for dimension, groups in self.groups.items()
        }
        totals = [[ZERO] * 5, [ZERO] * 5]
        for sums in self.groups["fund"].values():
            for s in (0, 1):
                totals[s] = [a + b for a, b in zip(totals[s], sums[s], strict=True)]
        people = list(self.persons.values())
        return {
            "bills": self.bills,
            "persons": len(people),
            "totals": {
                "live": side(totals[0]),
                "draft": side(totals[1]),
                "change": side([b - a for a, b in zip(totals[0], totals[1], strict=True)]),
            },
            "by": by,
            "catastrophic_persons": {
                "live": sum(1 for p in people if p[2] > 0),
                "draft": sum(1 for p in people if p[3] > 0),
            },
            "out_of_pocket_deciles": {
                "live": [f"{v:.2f}" for v in deciles([p[0] for p in people])],
                "draft": [f"{v:.2f}" for v in deciles([p[1] for p in people])],
            },
        }


def deciles(values: list[Decimal]) -> list[Decimal]:
    """The 10th, 20th, ..., 100th percentile (nearest rank) of `values`; empty for none."""
    if not values:
        return []
    ordered = sorted(values)
    n = len(ordered)
    return [ordered[max(0, -(-n * d // 10) - 1)] for d in range(1, 11)]


def deciles_svg(result: dict, *, width: int = 640, height: int = 200) -> str:
    """Out-of-pocket deciles, live (grey) against the draft (blue), as inline SVG (`funds.charts.grouped_bars`)."""
    live = [Decimal(v) for v in result.get("out_of_pocket_deciles", {}).get("live", [])]
    draft = [Decimal(v) for v in result.get("out_of_pocket_deciles", {}).get("draft", [])]
    if not live:
        return ""
    current, draft_name = gettext("现行"), gettext("方案")
    return grouped_bars(
        [
            (
                f"P{(i + 1) * 10}",
                [
                    (a, "#9ca3af", f"P{(i + 1) * 10} {current} {a:.2f}"),
                    (b, "#2563eb", f"P{(i + 1) * 10} {draft_name} {b:.2f}"),
                ],
            )
            for i, (a, b) in enumerate(zip(live, draft, strict=True))
        ],
        width=width,
        height=height,
        css_class="decile-chart",
    )
