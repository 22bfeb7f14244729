"""The clearing statement (清算单) as a PDF, in Chinese: per fund, the deductions, what is paid, with articles."""

import logging

from django.template.loader import render_to_string

from claims import selectors as claims_selectors

from .models import Clearing

logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


def clearing_context(clearing: Clearing) -> dict:
    institution = claims_selectors.institutions_by_id([clearing.institution_id]).get(
        clearing.institution_id, {}
    )
    funds = [
        (Clearing._meta.get_field(name).verbose_name, getattr(clearing, name))
        for name in ("pooled", "catastrophic", "assistance", "personal_accounts", "gross")
    ]
    return {
        "clearing": clearing,
        "institution": institution,
        "funds": funds,
        "lines": clearing.lines,
        "approved_by": clearing.approved_by.get_username() if clearing.approved_by_id else "",
    }


def render_html(clearing: Clearing) -> str:
    return render_to_string("institutions/clearing.html", clearing_context(clearing))


def render_pdf(clearing: Clearing) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(clearing)).write_pdf()
