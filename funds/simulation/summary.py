"""The comparison a reform study reports: what the funds pay, what persons pay, and who reaches catastrophic insurance."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext

from funds.charts import grouped_bars
from funds.sources import pooled_fund

ZERO = Decimal("0.00")
MEASURES = ("basic_fund", "catastrophic", "assistance", "personal_accounts", "cash")
DIMENSIONS = ("fund", "district", "category", "bill_kind")


class Summary:
    """Sums by group and per person-year, for the live rules (first five) and the draft (last five).

    A group is (scheme, category, district, bill kind): the four dimensions are summed from the
    groups when the result is made. Summaries of disjoint sets of persons merge (`merge`); the
    result is the same however the persons were split (sums of Decimals are exact, the deciles
    are taken over every person's values).
    """

    def __init__(self):
        self.bills = 0
        self.groups: dict[tuple, list[Decimal]] = {}
        # per (person, settlement year): out-of-pocket live and draft, catastrophic live and draft
        self.persons: dict[tuple, list[Decimal]] = {}

    def add(self, stored, live, draft) -> None:
        self.bills += 1
        profile = stored.profile
        key = (profile.scheme, profile.category, stored.district, stored.bill.kind)
        live_accounts = live.current_funds_paid + live.historical_funds_paid
        draft_accounts = draft.current_funds_paid + draft.historical_funds_paid
        live_cash, draft_cash = live.cash_paid, draft.cash_paid
        live_catastrophic, draft_catastrophic = live.catastrophic_paid, draft.catastrophic_paid
        sums = self.groups.get(key)
        if sums is None:
            sums = self.groups[key] = [ZERO] * 10
        sums[0] += live.basic_fund_paid
        sums[1] += live_catastrophic
        sums[2] += live.assistance_paid
        sums[3] += live_accounts
        sums[4] += live_cash
        sums[5] += draft.basic_fund_paid
        sums[6] += draft_catastrophic
        sums[7] += draft.assistance_paid
        sums[8] += draft_accounts
        sums[9] += draft_cash
        who = (stored.person_id, stored.year_key)
        person = self.persons.get(who)
        if person is None:
            person = self.persons[who] = [ZERO, ZERO, ZERO, ZERO]
        person[0] += live_accounts + live_cash
        person[1] += draft_accounts + draft_cash
        person[2] += live_catastrophic
        person[3] += draft_catastrophic

    def merge(self, other: Summary) -> Summary:
        """Add `other`'s bills (of other persons) to this summary."""
        self.bills += other.bills
        for key, values in other.groups.items():
            sums = self.groups.get(key)
            self.groups[key] = values if sums is None else [a + b for a, b in zip(sums, values, strict=True)]
        for who, values in other.persons.items():
            mine = self.persons.get(who)
            self.persons[who] = values if mine is None else [a + b for a, b in zip(mine, values, strict=True)]
        return self

    def by_dimension(self) -> dict[str, dict[str, list[list[Decimal]]]]:
        """Dimension → key → [live sums, draft sums] (five measures each), from the groups."""
        out: dict[str, dict] = {d: {} for d in DIMENSIONS}
        for (scheme, category, district, kind), values in self.groups.items():
            keys = (pooled_fund(scheme, category), district, category, kind)
            for dimension, key in zip(DIMENSIONS, keys, strict=True):
                sums = out[dimension].get(key)
                if sums is None:
                    out[dimension][key] = [list(values[:5]), list(values[5:])]
                else:
                    for side in (0, 1):
                        sums[side] = [
                            a + b for a, b in zip(sums[side], values[side * 5 : side * 5 + 5], strict=True)
                        ]
        return out

    def result(self) -> dict:
        def side(values):
            return {name: f"{amount:.2f}" for name, amount in zip(MEASURES, values, strict=True)}

        groups_by = self.by_dimension()
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
            for dimension, groups in groups_by.items()
        }
        totals = [[ZERO] * 5, [ZERO] * 5]
        for sums in groups_by["fund"].values():
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
