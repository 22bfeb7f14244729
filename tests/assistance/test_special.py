"""Special assistance through the joint meeting (杭州 art. 53; 舟山 art. 45) and the fund book (杭州 art. 46, 51)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance import selectors, services
from assistance.models import AssistancePosting, CaseAttachment, SpecialCase
from assistance.services import AssistanceError

from .conftest import D, certify, money, outpatient, settle

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def pdf(name="诊断证明.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def recipient(person_factory):
    person = person_factory()
    certify(person, "minimum_living", valid_from=D(2023, 1, 1))
    return person


def test_hangzhou_art_53_a_case_from_application_to_payment(recipient, clerks, hospital):
    """杭州 art. 53: applied at the counter (柜员) with a PDF and a JPEG → reviewed and reported (审核) →
    the joint meeting approves 5,000.00 (管理, meeting date and minutes number) → paid (审核) and
    posted to the assistance fund as an expenditure of 5,000.00; every move is in the history."""
    settle(hospital, outpatient(recipient, "A", "2024-03-10", eligible="6000.00"))  # 720 immediate
    case = services.apply_special(
        person=recipient,
        reason="肿瘤术后长期治疗，救助后自付仍高",
        amount="8000.00",
        files=[pdf(), SimpleUploadedFile("发票.jpg", JPEG, content_type="image/jpeg")],
        user=clerks["counter"],
    )
    assert case.status == SpecialCase.Status.APPLIED
    assert sorted(a.content_type for a in case.attachments.all()) == ["application/pdf", "image/jpeg"]
    case = services.review_special(case=case, user=clerks["review"], forward=True, note="情况属实，上报")
    assert case.status == SpecialCase.Status.UNDER_REVIEW
    assert case.review_summary["certificate"] == "最低生活保障家庭成员"
    case = services.decide_special(
        case=case,
        user=clerks["admin"],
        approved=True,
        amount="5000.00",
        meeting_date=D(2024, 6, 1),
        minutes_number="杭医救联〔2024〕3号",
    )
    assert (case.status, case.amount_approved) == (SpecialCase.Status.APPROVED, money("5000.00"))
    case = services.pay_special(case=case, user=clerks["review"], today=D(2024, 6, 5))
    assert case.status == SpecialCase.Status.PAID
    posting = AssistancePosting.objects.get(case=case)
    assert (posting.amount, posting.channel, posting.certificate_kind) == (
        money("-5000.00"),
        "special",
        "minimum_living",
    )
    assert posting.article.startswith("杭州 第五十三条")
    assert [h.status for h in case.history.order_by("history_id")] == [
        "applied",
        "under_review",
        "approved",
        "paid",
    ]


def test_each_step_needs_its_own_permission(recipient, clerks):
    case = services.apply_special(person=recipient, reason="困难", amount="100.00", user=clerks["counter"])
    with pytest.raises(PermissionDenied):
        services.review_special(case=case, user=clerks["counter"], forward=True)
    services.review_special(case=case, user=clerks["review"], forward=True)
    with pytest.raises(PermissionDenied):
        services.decide_special(
            case=case,
            user=clerks["review"],
            approved=True,
            amount="1.00",
            meeting_date=D(2024, 1, 1),
            minutes_number="1",
        )


def test_a_decision_on_a_case_not_under_review_is_refused(recipient, clerks):
    case = services.apply_special(person=recipient, reason="困难", amount="100.00", user=clerks["counter"])
    with pytest.raises(AssistanceError) as refused:
        services.decide_special(
            case=case,
            user=clerks["admin"],
            approved=True,
            amount="1.00",
            meeting_date=D(2024, 1, 1),
            minutes_number="1",
        )
    assert "status" in refused.value.message_dict
    assert "第五十三条" in refused.value.text
    case.refresh_from_db()
    assert case.status == SpecialCase.Status.APPLIED
    with pytest.raises(AssistanceError):  # nor can an applied case be paid
        services.pay_special(case=case, user=clerks["admin"])
    assert not AssistancePosting.objects.exists()


@pytest.mark.parametrize("amount", ["-1.00", "12.345", "abc", "0"])
def test_bad_amounts_are_refused_naming_the_field(recipient, clerks, amount):
    with pytest.raises(AssistanceError) as refused:
        services.apply_special(person=recipient, reason="困难", amount=amount, user=clerks["counter"])
    assert "amount_requested" in refused.value.message_dict
    assert not SpecialCase.objects.exists()


def test_bad_files_are_refused_and_nothing_is_written(recipient, clerks, settings):
    settings.ASSISTANCE_ATTACHMENT_MAX_BYTES = 1024
    for upload, words in (
        (pdf(content=PDF + b"0" * 2000), "超过上限"),
        (
            SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
            "不是 PDF 或 JPEG",
        ),
        (SimpleUploadedFile("x.exe", PDF, content_type="application/pdf"), "扩展名不符"),
    ):
        with pytest.raises(AssistanceError) as refused:
            services.apply_special(
                person=recipient, reason="困难", amount="1.00", files=[upload], user=clerks["counter"]
            )
        assert words in refused.value.message_dict["attachments"][0]
    assert not SpecialCase.objects.exists()
    assert not CaseAttachment.objects.exists()


def test_a_non_recipient_may_not_apply(person_factory, clerks):
    person = person_factory()
    with pytest.raises(AssistanceError) as refused:
        services.apply_special(person=person, reason="困难", amount="1.00", user=clerks["counter"])
    assert "第四十七条" in refused.value.text
    assert not SpecialCase.objects.exists()


def test_the_fund_book_balances_against_settlements_applications_and_cases(hospital, person_factory, clerks):
    """杭州 art. 46, 51 (单独核算): the book's immediate, post-hoc and special totals equal their sources.

    Immediate 720 (bill C) − a reversal of it (+720 back) + 240 (bill D); post-hoc 1,580 (bill A);
    special 300: the book holds −(720 − 720 + 240) − 1,580 − 300 = −2,120.00.
    """
    from claims import services as claims_services
    from claims.models import Settlement

    person = person_factory()
    settle(hospital, outpatient(person, "A", "2024-01-10", eligible="10000.00"))
    certify(person, "minimum_living", valid_from=D(2024, 1, 1))
    settle(hospital, outpatient(person, "C", "2024-03-10", eligible="6000.00"))
    claims_services.reverse(settlement=Settlement.objects.get(bill_number="C", kind="settlement"))
    settle(hospital, outpatient(person, "D", "2024-04-10", eligible="2000.00"))
    services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 1, 31))
    case = services.apply_special(person=person, reason="困难", amount="300.00", user=clerks["counter"])
    services.review_special(case=case, user=clerks["review"], forward=True)
    services.decide_special(
        case=case,
        user=clerks["admin"],
        approved=True,
        amount="300.00",
        meeting_date=D(2024, 6, 1),
        minutes_number="7",
    )
    services.pay_special(case=case, user=clerks["review"])
    assert services.post_immediate() == 3
    assert services.post_immediate() == 0  # idempotent
    balance = selectors.book_balance()
    assert balance["balanced"], balance
    assert balance["book"] == {
        "immediate": money("240.00"),
        "posthoc": money("1580.00"),
        "special": money("300.00"),
    }
    total = sum(p.amount for p in AssistancePosting.objects.all())
    assert total == money("-2120.00")
