"""Family mutual aid on a bill (杭州 art. 26(6), 舟山 art. 21): a step after the engine, before the writes.

The engine leaves the personal share (自费, 自理 and 自付 alike) to the person's own current
funds, then own historical funds, then cash. When a close relative has granted mutual aid
covering the bill, the relative's historical funds pay what is left in cash, up to their
balance, holder after holder in the order of the grants; the cash line shrinks by as much
and a line citing the article says who paid. The amounts are worked out on the holders'
locked account rows (`accounts.services.draw_for_relative`) and written in the settlement's
transaction (`post_draws`); a reversal returns them with the bill's other account entries.
"""

from __future__ import annotations

from decimal import Decimal

from policy.explain import Line
from policy.money import ZERO
from policy.regions import region_of

CASH_TEXT = "个人现金支付"
# the grant's relation is the relative's (the patient's) to the holder: the holder is, to the patient…
HOLDER_IS = {"child": "父母", "parent": "子女", "spouse": "配偶"}


def holders_text(draws) -> str:
    return "、".join(dict.fromkeys(HOLDER_IS.get(draw.grant.relation, "近亲属") for draw in draws))


def apply_to_result(result, draws, *, region: str) -> Decimal:
    """Take what the holders pay off the bill's cash: the cash line shrinks, a mutual-aid line goes before it.

    Returns the amount paid by mutual aid (0 when nothing). The total stays
    `current + basic + catastrophic + assistance + historical + mutual aid + cash`.
    """
    paid = sum((draw.amount for draw in draws), ZERO)
    if not paid:
        return ZERO
    cash = result.cash_paid - paid
    line = Line(
        region_of(region).article("account.mutual_aid"),
        f"家庭共济：{holders_text(draws)}个人账户历年资金支付个人负担部分（自费、自理、自付）",
        paid,
    )
    lines = list(result.lines)
    at = next(
        (i for i in range(len(lines) - 1, -1, -1) if lines[i].text == CASH_TEXT),
        len(lines),
    )
    if at < len(lines):
        lines[at] = Line(lines[at].article, CASH_TEXT, cash)
    lines.insert(at, line)
    result.lines = lines
    result.cash_paid = cash
    return paid
