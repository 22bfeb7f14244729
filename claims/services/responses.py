"""What the API answers for a settlement or a reversal (the same bytes on every replay)."""

from __future__ import annotations

from ..models import Settlement, SettlementLine


def jsonb_order(value):
    """Keys in PostgreSQL jsonb's order (shorter first, then bytewise), so a replayed response is byte-identical."""
    if isinstance(value, dict):
        return {
            key: jsonb_order(value[key]) for key in sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        }
    if isinstance(value, list):
        return [jsonb_order(item) for item in value]
    return value


def response_of(settlement: Settlement) -> dict:
    """What the API answers for a settlement: its recorded answer with its id (the same bytes on every replay)."""
    return jsonb_order({**settlement.response, "settlement_id": settlement.pk})


def result_body(settlement: Settlement, result_dict: dict, extra_lines: list) -> dict:
    """The response an institution gets (and gets again on a retry)."""
    lines = [line.as_dict() for line in extra_lines] + list(result_dict.get("lines", []))
    body = {
        "bill_number": settlement.bill_number,
        "institution": settlement.institution.code if settlement.institution else settlement.institution_name,
        "person": settlement.person.masked_id_number,
        "date": settlement.bill_date.isoformat(),
        "year": settlement.year_key,
        "settlement": settlement.settlement_mode,
        "status": settlement.status,
    }
    for name in Settlement.COMPONENTS:
        body[name] = f"{getattr(settlement, name):.2f}"
    body["mutual_aid_paid"] = f"{settlement.mutual_aid_paid:.2f}"
    body["lines"] = lines
    return body


def reversal_body(reversal: Settlement) -> dict:
    body = {
        "settlement_id": reversal.pk,
        "reverses": reversal.reverses_id,
        "bill_number": reversal.bill_number,
        "institution": reversal.institution.code if reversal.institution else reversal.institution_name,
        "person": reversal.person.masked_id_number,
        "year": reversal.year_key,
        "status": reversal.status,
    }
    for name in Settlement.COMPONENTS:
        body[name] = f"{getattr(reversal, name):.2f}"
    body["mutual_aid_paid"] = f"{reversal.mutual_aid_paid:.2f}"
    body["lines"] = [line_dict(line) for line in reversal.lines.all()]
    return body


def line_dict(line: SettlementLine) -> dict:
    return {"article": line.article, "text": line.text, "amount": f"{line.amount:.2f}"}
