"""A settlement's and a reversal's stored words are the record's (Chinese), whatever language the caller reads.

A hospital integration sending `Accept-Language: en` gets its refusals in English (tests/i18n), but the
lines and ledger texts it causes to be stored are the agency's record (DESIGN.md: the agency works in
Chinese; `core.language.in_record_language`).
"""

from decimal import Decimal

import pytest

from accounts.models import LedgerEntry
from claims.models import Settlement, SettlementLine
from tests.i18n.test_english import CJK

from .conftest import inpatient

pytestmark = pytest.mark.django_db

URL = "/api/v1/settlements/"


def test_an_english_callers_settlement_and_reversal_store_chinese_words(hospital, person_factory):
    person = person_factory(historical=Decimal("3000.00"))
    first = hospital.post(URL, inpatient(person), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 201, first.content
    reversal = hospital.post(
        f"{URL}{first.json()['settlement_id']}/reversal/", format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert reversal.status_code == 201, reversal.content
    lines = list(SettlementLine.objects.values_list("text", flat=True))
    texts = list(LedgerEntry.objects.filter(account__person=person).values_list("text", flat=True))
    assert lines and all(CJK.search(text) for text in lines), lines
    assert any(text.startswith("冲正：") for text in lines)
    assert texts and all(CJK.search(text) for text in texts), texts
    assert not any("settlement" in text.lower() or "reversal" in text.lower() for text in lines + texts)
    assert Settlement.objects.count() == 2
