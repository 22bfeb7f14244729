"""The decision letter (核定通知书) as a Chinese PDF: outcome, amount, computation lines with articles.

The person's ID number is masked (first 6 and last 4), as on every document outside the clerk's record.
"""

import logging

from django.template.loader import render_to_string

from .models import Decision

logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


def letter_context(decision: Decision) -> dict:
    application = decision.application
    payment = getattr(decision, "payment", None)
    return {
        "decision": decision,
        "application": application,
        "payment": payment,
        "person_name": application.person.name,
        "masked_id": application.person.masked_id_number,
        "employer": application.employer,
        "lines": decision.lines or application.lines,
        "illustrative_notice": _illustrative_notice(application),
    }


def _illustrative_notice(application) -> str:
    from policy.regions import region_of

    region = getattr(application, "region", "") or application.person.region
    return region_of(region).illustrative_notice(application.event_date) if region else ""


def render_html(decision: Decision) -> str:
    return render_to_string("maternity/letter.html", letter_context(decision))


def render_pdf(decision: Decision) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(decision)).write_pdf()
