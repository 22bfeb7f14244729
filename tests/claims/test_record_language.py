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


def test_a_refusal_raised_while_the_record_language_is_active_reads_in_the_callers(hospital, person_factory):
    """The settlement runs in the record's language, but its refusals are the caller's to read: a bill number
    settled with other content (杭州 art. 65) is refused in English to an English caller, in Chinese otherwise."""
    person = person_factory()
    assert hospital.post(URL, inpatient(person, "ZY9"), format="json").status_code == 201
    changed = inpatient(person, "ZY9", eligible="1.00")
    english = hospital.post(URL, changed, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 409
    body = english.json()
    assert body["detail"].startswith("Bill ZY9 was settled with different content") and not CJK.search(
        body["detail"] + body["article"]
    )
    chinese = hospital.post(URL, changed, format="json").json()
    assert (
        chinese["detail"].startswith("单据号 ZY9 已以不同内容结算")
        and chinese["article"] == "杭州 第六十五条"
    )
