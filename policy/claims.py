"""Claims rules that differ between regions, read from the region's parameter file.

The claims app never names a region: it asks these functions with the person's region
code (and a `ParameterView` of the bill date), and every citation comes from the
region's file (`articles:` for figure-less rules, `parameters:` for figures).

A rule a region's measures do not have is simply not declared in its file:
`has_rule(region, key)` says whether it applies there (e.g. the home hospital bed of
舟山 art. 58, the temporary return home of 杭州 art. 67(3)).
"""

from __future__ import annotations

import datetime as dt

from .parameters import REGIONS, declarations

EXCLUSION_PREFIX = "claims.exclusion."


def has_rule(region: str, key: str) -> bool:
    """Whether the region's file declares `key` (a rule its measures have)."""
    return key in declarations(region)


def exclusions(region: str) -> dict[str, tuple[str, str]]:
    """The region's list of costs the funds never pay: code -> (article, words), in the file's order."""
    return {
        name[len(EXCLUSION_PREFIX) :]: (parameter.article, parameter.text)
        for name, parameter in declarations(region).items()
        if name.startswith(EXCLUSION_PREFIX)
    }


def all_exclusion_codes() -> dict[str, str]:
    """Every exclusion code any region knows, with its words (for input choices); the region decides."""
    codes: dict[str, str] = {}
    for region in REGIONS:
        for code, (_article, words) in exclusions(region).items():
            codes.setdefault(code, words)
    return codes


def counter_deadline(params, *, bill_date: dt.date, year_end: dt.date) -> tuple[dt.date, str, str]:
    """The last day a bill paid in full may be reimbursed at the counter: (deadline, article, words).

    Two shapes, whichever the region's file declares: N settlement years after the bill's
    year (杭州 art. 65: by the end of the next settlement year), or N years after the
    invoice (舟山 art. 57: within one year of the invoice).
    """
    if "claims.reimbursement_deadline_years" in params.declared:
        name = "claims.reimbursement_deadline_years"
        years = int(params[name])
        return (
            _add_years(year_end, years),
            params.article(name),
            "费用发生的下一个结算年度年底前" if years == 1 else f"费用发生后第 {years} 个结算年度年底前",
        )
    name = "claims.reimbursement_deadline_years_after_invoice"
    years = int(params[name])
    return (
        _add_years(bill_date, years) - dt.timedelta(days=1),
        params.article(name),
        f"发票出具后 {years} 年内",
    )


def counter_deadline_rule(region: str) -> tuple[str, str]:
    """(article, text) of the region's deadline for a bill paid in full, from its file (for a page to cite)."""
    from .parameters import declarations

    declared = declarations(region)
    for name in ("claims.reimbursement_deadline_years", "claims.reimbursement_deadline_years_after_invoice"):
        if name in declared:
            return declared[name].article, declared[name].text
    return "", ""


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
