"""The statement (结算单) of a settlement as a PDF: every component, the total, the lines with their articles.

The person's ID number is masked (first 6 and last 4) as everywhere outside the clerk's record.
"""

import logging

from django.template.loader import render_to_string

from .models import Settlement

# WeasyPrint reports every layout step at INFO; a statement is not worth eight log lines.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


def components_of(settlement: Settlement) -> list:
    """(label, amount) of every component; a relative's mutual aid, when it paid, just before the cash it reduced."""
    components = [
        (settlement._meta.get_field(name).verbose_name, getattr(settlement, name))
        for name in Settlement.COMPONENTS
    ]
    if settlement.mutual_aid_paid:  # 杭州 art. 26(6), 舟山 art. 21
        components.insert(
            len(components) - 1,
            (settlement._meta.get_field("mutual_aid_paid").verbose_name, settlement.mutual_aid_paid),
        )
    return components


def statement_context(settlement: Settlement) -> dict:
    """What the statement shows, from the settlement's own record only (its row, its lines, its answer).

    The statement is a record of the settlement: a name corrected, an institution renamed or a
    parameter changed later does not change it. Name and institution are the ones stored when it
    was settled (`person_name`, `institution_name`), the masked ID the one in the recorded answer;
    a settlement recorded before those were kept falls back to today's person.
    """
    components = components_of(settlement)
    recorded = settlement.response or {}
    return {
        "settlement": settlement,
        "person_name": settlement.person_name or settlement.person.name,
        "masked_id": recorded.get("person") or settlement.person.masked_id_number,
        "components": components,
        "lines": list(settlement.lines.all()),
        "institution": settlement.institution_name
        or (settlement.institution.name if settlement.institution else ""),
        "illustrative_notice": _illustrative_notice(settlement.region, settlement.bill_date),
    }


def _illustrative_notice(region: str, on) -> str:
    from policy.regions import region_of

    return region_of(region).illustrative_notice(on) if region else ""


def render_html(settlement: Settlement) -> str:
    return render_to_string("claims/statement.html", statement_context(settlement))


def render_pdf(settlement: Settlement) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(settlement)).write_pdf()
