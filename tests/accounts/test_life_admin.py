"""The account's life in the admin (art. 26): each action shows its amounts before anything is written,
writes on confirmation, prints a receipt PDF with the ID masked; only the groups allowed may act;
bad input is a 4xx with the field named and nothing written.

Figures (杭州, base 10,000 → 250 a month, preset 12 × 250 = 3,000, premium 48): an account opened
2025-01-01 holds current 2,952.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts import services
from accounts.models import Account, Inheritance, LedgerEntry
from accounts.selectors import audit_balances
from core.identity import make_resident_id

from .conftest import record_paid

D = Decimal
OPENED = dt.date(2025, 1, 1)
pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def life_url(account, action):
    return reverse("admin:accounts_account_life", args=[account.pk, action])


@pytest.fixture
def logged_in(client, clerk):
    client.force_login(clerk)
    return client


def preview(http, account, action, data):
    response = http.post(life_url(account, action), {**data, "_preview": "1"})
    return response


def confirm(http, account, action, data, preview_response):
    digest = preview_response.context["outcome"].digest
    return http.post(life_url(account, action), {**data, "digest": digest, "_confirm": "1"})


def receipt_of(http, response):
    """The receipt PDF linked from the success message after a confirmation."""
    page = http.get(response["Location"])
    assert page.status_code == 200
    number = (
        LedgerEntry.objects.exclude(source_id="").filter(source_type="account_life").latest("id").source_id
    )
    url = reverse("admin:accounts_account_receipt", args=[page.context["original"].pk, number])
    assert url in page.content.decode()
    pdf = http.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    return pdf_text(pdf.content)


def test_transfer_in_shows_the_amount_then_writes_on_confirm_art26_2(logged_in, make_account):
    """5,000 from 苏州 goes wholly into historical funds (杭州 art. 26(2)): shown, not written, then written."""
    account = make_account(opened=OPENED)
    page = logged_in.get(life_url(account, "transfer_in"))
    assert page.status_code == 200 and "转入金额" in page.content.decode()
    entries_before = LedgerEntry.objects.count()

    data = {"on": "2025-01-05", "amount": "5000.00", "other_place": "苏州"}
    shown = preview(logged_in, account, "transfer_in", data)
    assert shown.status_code == 200
    outcome = shown.context["outcome"]
    assert [(e.kind, e.bucket, e.amount) for e in outcome.entries] == [
        ("transfer_in", "historical", D("5000.00"))
    ]
    assert (outcome.historical_before, outcome.historical_after) == (D("0.00"), D("5000.00"))
    html = shown.content.decode()
    assert "办理前核对（尚未写入）" in html and "5000.00" in html and "杭州 第二十六条第(二)项" in html
    # nothing written by the preview
    account.refresh_from_db()
    assert account.historical == D("0.00") and LedgerEntry.objects.count() == entries_before

    done = confirm(logged_in, account, "transfer_in", data, shown)
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.historical == D("5000.00") and account.current == D("2952.00")
    assert LedgerEntry.objects.count() == entries_before + 1
    text = receipt_of(logged_in, done)
    assert "个人账户业务回执" in text and "转入" in text and "5000.00" in text
    assert "第二十六条第(二)项" in text
    assert account.person.masked_id_number in text and account.person.id_number not in text
    assert audit_balances() == []


def test_transfer_out_shows_4952_before_writing_art26_1_3(logged_in, make_account):
    """Opened 2025-01-01 (current 2,952), 5,000 transferred in, leaves 2025-03-01 with nothing credited:
    the unbacked preset 3,000 is taken back (current −48), historical funds offset the overdraft of 48
    (art. 26(3)), and 5,000 − 48 = 4,952 is transferred out (art. 26(1))."""
    account = make_account(opened=OPENED)
    services.transfer_in(
        person=account.person, amount=D("5000.00"), on=dt.date(2025, 1, 5), other_place="苏州"
    )
    data = {"on": "2025-03-01", "other_place": "上海"}

    refused = preview(logged_in, account, "transfer_out", data)  # open bills not confirmed settled
    assert refused.status_code == 400
    assert "须先结清相关医疗费用" in refused.content.decode() and "第二十六条第(一)(三)项" not in ""

    data["bills_settled"] = "on"
    shown = preview(logged_in, account, "transfer_out", data)
    assert shown.status_code == 200
    outcome = shown.context["outcome"]
    assert sorted((e.kind, e.bucket, e.amount) for e in outcome.entries) == [
        ("overdraft_offset", "current", D("48.00")),
        ("overdraft_offset", "historical", D("-48.00")),
        ("reconciliation", "current", D("-3000.00")),
        ("transfer_out", "historical", D("-4952.00")),
    ]
    assert outcome.paid_out == D("4952.00") and outcome.status_after == "transferred"
    assert (outcome.current_after, outcome.historical_after) == (D("0.00"), D("0.00"))
    assert "4952.00" in shown.content.decode()
    account.refresh_from_db()
    assert account.status == "open" and (account.current, account.historical) == (D("2952.00"), D("5000.00"))

    # the hidden fields carry the checkbox: the confirmation is the same action
    done = confirm(logged_in, account, "transfer_out", {**data, "bills_settled": "True"}, shown)
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.status == "transferred" and (account.current, account.historical) == (D("0"), D("0"))
    text = receipt_of(logged_in, done)
    assert "转出" in text and "-4952.00" in text and "转往上海" in text and "-3000.00" in text
    assert account.person.id_number not in text
    assert audit_balances() == []
    # a closed account offers no further action
    page = logged_in.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert 'class="life-action"' not in page and "业务回执" in page


def test_confirmation_is_refused_when_the_balance_moved_since_the_preview(logged_in, make_account):
    """Previewed at 4,952 out; 100 more arrives before the clerk confirms: 409, nothing written, new preview."""
    account = make_account(opened=OPENED)
    services.transfer_in(
        person=account.person, amount=D("5000.00"), on=dt.date(2025, 1, 5), other_place="苏州"
    )
    data = {"on": "2025-03-01", "other_place": "上海", "bills_settled": "True"}
    shown = preview(logged_in, account, "transfer_out", data)
    services.transfer_in(
        person=account.person, amount=D("100.00"), on=dt.date(2025, 2, 5), other_place="苏州"
    )
    late = confirm(logged_in, account, "transfer_out", data, shown)
    assert late.status_code == 409
    assert "账户余额已变动" in late.content.decode()
    assert late.context["outcome"].paid_out == D("5052.00")
    account.refresh_from_db()
    assert account.status == "open" and account.historical == D("5100.00")
    assert not LedgerEntry.objects.filter(kind="transfer_out").exists()


def test_clearing_needs_the_overdraft_paid_art26_3(logged_in, make_account):
    """Cleared 2025-03-01 with no historical funds: the unbacked preset 3,000 leaves current −48, which
    the person must pay (art. 26(3)); once collected, nothing is left to pay back."""
    account = make_account(opened=OPENED)
    data = {"on": "2025-03-01", "bills_settled": "True"}
    refused = preview(logged_in, account, "clearing", data)
    assert refused.status_code == 400
    assert "当年资金透支 48.00 元须由本人补足" in refused.content.decode()
    shown = preview(logged_in, account, "clearing", {**data, "overdraft_collected": "True"})
    assert sorted((e.kind, e.amount) for e in shown.context["outcome"].entries) == [
        ("overdraft_repaid", D("48.00")),
        ("reconciliation", D("-3000.00")),
    ]
    assert shown.context["outcome"].paid_out == D("0.00")
    done = confirm(logged_in, account, "clearing", {**data, "overdraft_collected": "True"}, shown)
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.status == "cleared" and account.current == D("0.00")


def test_death_then_inheritance_pays_the_heir_702_art26_5(logged_in, make_account):
    """Opened 2025-01-01 (preset 3,000, premium 48 → 2,952), January credited (250), 500 transferred in,
    dies 2025-02-01: 3,000 − 250 = 2,750 of preset is taken back, and the heir inherits
    2,952 − 2,750 + 500 = 702 (art. 26(3)(5))."""
    account = make_account(opened=OPENED)
    services.transfer_in(
        person=account.person, amount=D("500.00"), on=dt.date(2025, 1, 5), other_place="苏州"
    )
    record_paid(account.person, dt.date(2025, 1, 1))
    services.credit_month(account=account, year=2025, month=1)

    death = {"on": "2025-02-01", "bills_settled": "True"}
    shown = preview(logged_in, account, "death", death)
    assert [(e.kind, e.amount) for e in shown.context["outcome"].entries] == [
        ("reconciliation", D("-2750.00"))
    ]
    assert shown.context["outcome"].status_after == "deceased"
    assert confirm(logged_in, account, "death", death, shown).status_code == 302
    account.refresh_from_db()
    assert account.status == "deceased" and account.current + account.historical == D("702.00")

    page = logged_in.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert life_url(account, "inheritance") in page and life_url(account, "transfer_out") not in page

    heir_id = make_resident_id("330102", dt.date(1990, 1, 1), 123)
    heir = {"on": "2025-03-01", "heir_name": "李四", "heir_id_number": heir_id}
    shown = preview(logged_in, account, "inheritance", heir)
    assert shown.context["outcome"].paid_out == D("702.00")
    assert not Inheritance.objects.exists()
    done = confirm(logged_in, account, "inheritance", heir, shown)
    assert done.status_code == 302
    inheritance = Inheritance.objects.get()
    assert inheritance.amount == D("702.00") and inheritance.heir_name == "李四"
    text = receipt_of(logged_in, done)
    assert "继承" in text and "702.00" in text and "李四" in text
    assert heir_id not in text and f"{heir_id[:6]}********{heir_id[-4:]}" in text
    assert account.person.id_number not in text
    assert audit_balances() == []


def test_a_receipt_printed_again_says_the_same(logged_in, make_account):
    """The receipt is printed from the ledger entries of the action: later movements do not change it."""
    account = make_account(opened=OPENED)
    data = {"on": "2025-01-05", "amount": "800.00", "other_place": "苏州"}
    done = confirm(logged_in, account, "transfer_in", data, preview(logged_in, account, "transfer_in", data))
    first = receipt_of(logged_in, done)
    services.transfer_in(person=account.person, amount=D("1.00"), on=dt.date(2025, 2, 5), other_place="宁波")
    number = LedgerEntry.objects.get(kind="transfer_in", amount=D("800.00")).source_id
    again = logged_in.get(reverse("admin:accounts_account_receipt", args=[account.pk, number]))
    assert pdf_text(again.content) == first


def test_groups_counter_transfers_in_review_closes(client, make_account):
    """柜员 takes transfers in; money out (转出、清算、死亡、继承) is for 审核 and 管理."""
    from users.services import COUNTER, REVIEW, ensure_clerk, setup_roles

    setup_roles()
    account = make_account(opened=OPENED)
    counter = ensure_clerk(username="guiyuan-life", password="counter-pass-123", groups=[COUNTER])
    review = ensure_clerk(username="shenhe-life", password="review-pass-123", groups=[REVIEW])
    data = {"on": "2025-03-01", "other_place": "上海", "bills_settled": "True", "overdraft_collected": "True"}

    client.force_login(counter)
    page = client.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert life_url(account, "transfer_in") in page and life_url(account, "transfer_out") not in page
    assert client.get(life_url(account, "transfer_in")).status_code == 200
    for action in ("transfer_out", "clearing", "death", "inheritance"):
        assert client.get(life_url(account, action)).status_code == 403, action
    assert client.post(life_url(account, "transfer_out"), {**data, "_preview": "1"}).status_code == 403
    assert (
        client.post(life_url(account, "transfer_out"), {**data, "_confirm": "1", "digest": "x"}).status_code
        == 403
    )
    account.refresh_from_db()
    assert account.status == "open"

    client.force_login(review)
    page = client.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert life_url(account, "transfer_out") in page and life_url(account, "clearing") in page
    blind = client.post(life_url(account, "transfer_out"), {**data, "_confirm": "1"})  # no confirmed amounts
    assert blind.status_code == 200 and blind.context["outcome"] is not None
    account.refresh_from_db()
    assert account.status == "open"
    assert confirm(client, account, "transfer_out", data, blind).status_code == 302
    account.refresh_from_db()
    assert account.status == "transferred"

    client.logout()
    assert client.get(life_url(account, "transfer_in")).status_code == 302  # to the login page


@pytest.mark.parametrize(
    "data, field",
    [
        ({"on": "2025-01-05", "amount": "12.345", "other_place": "苏州"}, "amount"),
        ({"on": "2025-01-05", "amount": "-5", "other_place": "苏州"}, "amount"),
        ({"on": "2025-01-05", "amount": "abc", "other_place": "苏州"}, "amount"),
        ({"on": "2025-01-05", "amount": "5", "other_place": ""}, "other_place"),
        ({"on": "2999-01-05", "amount": "5", "other_place": "苏州"}, "on"),
        ({"on": "2025-13-05", "amount": "5", "other_place": "苏州"}, "on"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(logged_in, make_account, data, field):
    account = make_account(opened=OPENED)
    before = LedgerEntry.objects.count()
    for submit in ("_preview", "_confirm"):
        response = logged_in.post(life_url(account, "transfer_in"), {**data, submit: "1"})
        assert response.status_code == 400
        assert field in response.context["form"].errors
    assert LedgerEntry.objects.count() == before
    account.refresh_from_db()
    assert account.historical == D("0.00")


def test_wrong_state_unknown_action_and_unknown_receipt(logged_in, make_account):
    account = make_account(opened=OPENED)
    heir = {"on": "2025-03-01", "heir_name": "李四", "heir_id_number": "330102199001011234", "_confirm": "1"}
    refused = logged_in.post(life_url(account, "inheritance"), heir)
    assert refused.status_code == 400 and "不能办理继承" in refused.content.decode()
    assert not Inheritance.objects.exists()
    assert logged_in.get(life_url(account, "bankrupt")).status_code == 404
    assert logged_in.get(life_url(Account(pk=999999), "transfer_in")).status_code == 404
    for number in ("transfer_in-1-zzz", f"transfer_in-{account.pk}-0000000000", "nonsense"):
        url = reverse("admin:accounts_account_receipt", args=[account.pk, number])
        assert logged_in.get(url).status_code == 404
