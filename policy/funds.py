"""Who covers a fund's deficit at the year end (杭州 art. 95(1)–(3), 97; 舟山 art. 75).

Pure: the caller passes the fund, its district, the deficit, the fund's earlier surplus and,
for the student fund, the headcount of each university; the parameter view of the region
gives the shares. The result is a list of `Line`s (payer in the text, article, amount) that
add up to the deficit exactly: every share is rounded to the fen and the last payer of a
split takes the remainder.

The order (杭州 art. 95):
1. the fund's earlier surplus (历年结余) of the same district;
2. what remains:
   - employee pooled fund (and maternity, merged with it, art. 54): the district's finance
     and the municipal risk fund (市级风险调剂金, art. 97) share it, the risk fund's share a
     parameter the agency sets (art. 97: 另行规定);
   - resident fund: the district's finance;
   - student fund: the universities' finance by headcount;
   - catastrophic fund and medical assistance: the district's finance;
3. where finance bears a share in a district listed in `funds.deficit.shared_districts`
   (杭州市区), the city's finance bears `funds.deficit.city_share` of it and the district
   the rest; elsewhere the district alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .explain import Line
from .money import ZERO, round_yuan

FUND_NAMES = {"resident": "城乡居民医保基金", "catastrophic": "大病保险基金", "assistance": "医疗救助基金"}
RISK_FUND_FUNDS = {"employee_pooled", "maternity"}
HEADCOUNT_FUNDS = {"student"}
FINANCE_FUNDS = {"resident", "catastrophic", "assistance"}


class NoDeficitRule(ValueError):
    """A fund the articles give no deficit cover for (personal accounts belong to their holders)."""


def split(amount: Decimal, weights: Mapping[str, Decimal | int]) -> dict[str, Decimal]:
    """`amount` split by `weights`, each part to the fen; the last key takes the remainder."""
    total = sum(Decimal(w) for w in weights.values())
    if total <= 0:
        raise ValueError("分摊权数之和须大于零")
    parts, left = {}, amount
    keys = list(weights)
    for key in keys[:-1]:
        part = round_yuan(amount * Decimal(weights[key]) / total)
        parts[key] = part
        left -= part
    parts[keys[-1]] = left
    return parts


def finance_shares(*, district: str, amount: Decimal, params, what: str) -> list[Line]:
    """The finance's part of a deficit: city and district each their share in a shared district."""
    if amount <= 0:
        return []
    shared = params["funds.deficit.shared_districts"]
    article = params.article("funds.deficit.shared_districts")
    if shared == "all" or district in (shared or ()):
        city_share = params["funds.deficit.city_share"]
        city = round_yuan(amount * city_share)
        return [
            Line(article, f"{what}：市财政承担 {city_share:.0%}", city),
            Line(article, f"{what}：{district}财政承担其余部分", amount - city),
        ]
    return [Line(article, f"{what}：{district}财政按现行财政体制自行承担", amount)]


def deficit_cover(
    *,
    fund: str,
    district: str,
    deficit: Decimal,
    earlier_surplus: Decimal,
    params,
    headcounts: Mapping[str, int] | None = None,
) -> list[Line]:
    """The lines that cover `deficit` (a positive amount) of `fund` in `district`."""
    if deficit <= 0:
        return []
    lines: list[Line] = []
    from_surplus = min(deficit, max(earlier_surplus, ZERO))
    if from_surplus > 0:
        lines.append(Line(params.article("funds.deficit.surplus_first"), "本基金历年结余支付", from_surplus))
    rest = deficit - from_surplus
    if rest <= 0:
        return lines
    if fund in RISK_FUND_FUNDS:
        if "funds.deficit.risk_fund_share" in params.declared:  # a region without a risk fund declares none
            share = params["funds.deficit.risk_fund_share"]
            risk = round_yuan(rest * share)
            if risk:
                lines.append(
                    Line(
                        params.article("funds.deficit.risk_fund_share"),
                        f"市级职工医保风险调剂金承担 {share:.0%}",
                        risk,
                    )
                )
            rest -= risk
        lines += finance_shares(district=district, amount=rest, params=params, what="职工医保统筹基金赤字")
    elif fund in HEADCOUNT_FUNDS:
        if not headcounts or sum(headcounts.values()) <= 0:
            raise ValueError("大学生医保基金赤字按高校参保人数分摊，须提供各高校参保人数")
        article = params.article("funds.deficit.student_by_headcount")
        for university, part in split(rest, dict(sorted(headcounts.items()))).items():
            lines.append(
                Line(article, f"{university}所属同级财政按参保人数 {headcounts[university]} 人承担", part)
            )
    elif fund in FINANCE_FUNDS:
        lines += finance_shares(district=district, amount=rest, params=params, what=f"{FUND_NAMES[fund]}赤字")
    else:
        raise NoDeficitRule(f"{fund} 没有赤字弥补规则（个人账户归个人所有）")
    return lines
