"""The demo's deceased account (杭州 art. 26(3)(5)): closed by death, inherited, with both receipts.

蒋故, active employee at base 8,000, aged 45+: a month's credit is his own 2 % (160.00) plus
8,000 × 0.8 % = 64.00, i.e. 224.00 (art. 23(1)); enrolled 1 January last year, preset
12 × 224 = 2,688.00 less the premium 48.00 (art. 22(3), 41). Five months credited (1,120.00); he
dies 10 June: 2,688 − 1,120 = 1,568.00 of unbacked preset is taken back (art. 26(3)), and his
daughter inherits 2,688 − 48 − 1,568 = 1,072.00 on 1 July (art. 26(5)).
"""

from decimal import Decimal

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_has_a_deceased_account_inherited_with_receipts_art26_3_5():
    from accounts.models import Account, Inheritance, LedgerEntry
    from accounts.receipts import receipts_of, render_html

    call_command("load_demo")
    account = Account.objects.get(person__name="蒋故")
    assert account.status == Account.Status.INHERITED
    assert (account.current, account.historical) == (Decimal("0.00"), Decimal("0.00"))
    assert account.person.death_date == account.closed_on
    credits = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.CREDIT)
    assert sorted(credits.values_list("amount", flat=True)) == [Decimal("224.00")] * 5
    reconciliation = LedgerEntry.objects.get(account=account, kind=LedgerEntry.Kind.RECONCILIATION)
    assert (
        reconciliation.amount == Decimal("-1568.00") and reconciliation.article == "杭州 第二十六条第(三)项"
    )
    inheritance = Inheritance.objects.get(account=account)
    assert inheritance.amount == Decimal("1072.00") and inheritance.heir_name == "蒋念"
    receipts = dict(receipts_of(account))
    assert sorted(number.split("-")[0] for number in receipts) == ["death", "inheritance"]
    number = next(n for n in receipts if n.startswith("inheritance"))
    html = render_html(account, number)
    assert "1072.00" in html and "杭州 第二十六条第(五)项" in html and "蒋念" in html
    assert inheritance.heir_id_number not in html and account.person.id_number not in html
