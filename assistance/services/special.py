"""Special assistance through the joint meeting (特殊救助, 杭州 art. 53; 舟山 art. 45).

    apply (the person on the portal, or a counter clerk: 柜员)      -> applied
    review (审核: checks the person's year, reports or not)        -> under_review | rejected
    decide (管理: the joint meeting's decision, date, minutes no.)  -> approved | refused
    pay (审核: the agency pays, 杭州 art. 51)                       -> paid, posted to the fund

Each step is its own service and permission (`assistance.apply_specialcase`, `review_…`,
`decide_…`, `pay_…`); a case moves only along `SpecialCase.MOVES`, every move is in its
history. Special assistance is beyond the yearly caps (the articles give it after the
ordinary assistance) and is not counted against them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from policy import assistance as assistance_rules
from policy.regions import region_of

from ..models import AssistancePosting, CaseAttachment, Channel, SpecialCase
from . import attachments as files_rules
from .errors import AssistanceError, parse_money, require


def _selectors():
    from .. import selectors

    return selectors


def _move(case: SpecialCase, target, field: str = "status") -> None:
    if not case.may_move_to(target):
        raise AssistanceError(
            field,
            f"个案当前状态为“{case.get_status_display()}”，不能改为“{SpecialCase.Status(target).label}”",
            region_of(case.region).article("assistance.special"),
        )
    case.status = target


def apply_special(
    *,
    person,
    reason: str,
    amount,
    files=(),
    user=None,
    applicant: str = SpecialCase.Applicant.COUNTER,
    today: dt.date | None = None,
) -> SpecialCase:
    """A special-assistance application with its files; refused (nothing written) on bad input."""
    today = today or timezone.localdate()
    if applicant == SpecialCase.Applicant.PORTAL:
        if user is None or getattr(user, "person", None) != person:
            raise AssistanceError("person", "只能为本人申请")
    else:
        require(user, "apply_specialcase", "受理特殊救助申请")
    region = region_of(person.region)
    article = region.article("assistance.special")
    amount = parse_money(amount, "amount_requested", positive=True)
    reason = (reason or "").strip()
    if not reason:
        raise AssistanceError("reason", "请说明申请理由（就医困难情况）", article)
    selectors = _selectors()
    insured, why, why_article = selectors.insured_on(person, today)
    if not insured:
        raise AssistanceError("person", f"{today} 未参保或不享受待遇：{why}", why_article or article)
    recipient = selectors.recipient_on(person, today)
    if recipient is None:
        raise AssistanceError(
            "person",
            f"{person.name} 在 {today} 不是医疗救助对象",
            f"{region.article('assistance.recipients')}、{article}",
        )
    if not assistance_rules.special_allowed(person.region, recipient):
        raise AssistanceError(
            "person", f"联席会议特殊救助限特困、低保、低边人员，{recipient.kind_name}不在其列", article
        )
    checked = [(upload, *files_rules.check(upload)) for upload in files or ()]
    with transaction.atomic():
        case = SpecialCase.objects.create(
            person=person,
            region=person.region,
            district=selectors.district_on(person, today),
            year=today.year,
            certificate_kind=recipient.kind,
            applicant=applicant,
            reason=reason,
            amount_requested=amount,
            applied_by=user,
        )
        for upload, content_type, size in checked:
            attachment = CaseAttachment(
                case=case, name=upload.name[:200], content_type=content_type, size=size
            )
            attachment.file.save(upload.name, upload, save=False)
            attachment.save()
    return case


def _locked(case: SpecialCase) -> SpecialCase:
    return SpecialCase.objects.select_for_update().get(pk=case.pk)


def review_special(*, case: SpecialCase, user, forward: bool, note: str = "", today=None) -> SpecialCase:
    """审核: record the person's year as seen, and report the case to the joint meeting (or not)."""
    require(user, "review_specialcase", "审核特殊救助")
    today = today or timezone.localdate()
    note = (note or "").strip()
    if not forward and not note:
        raise AssistanceError("review_note", "不予上报须写明审核意见")
    with transaction.atomic():
        case = _locked(case)
        _move(case, SpecialCase.Status.UNDER_REVIEW if forward else SpecialCase.Status.REJECTED)
        summary = _selectors().year_summary(person=case.person, on=today)
        case.review_summary = {
            "year_key": summary.year_key,
            "certificate": summary.recipient.kind_name if summary.recipient else "",
            "immediate": f"{summary.immediate:.2f}",
            "posthoc": f"{summary.posthoc:.2f}",
            "special": f"{summary.special:.2f}",
            "cash_paid": f"{summary.cash_paid:.2f}",
        }
        case.review_note = note
        case.reviewed_by = user
        case.reviewed_at = timezone.now()
        case.save()
    return case


def decide_special(
    *,
    case: SpecialCase,
    user,
    approved: bool,
    meeting_date: dt.date | None,
    minutes_number: str,
    amount=None,
    refusal_reason: str = "",
) -> SpecialCase:
    """管理: the joint meeting's decision (approved amount, or refusal with reason), date and minutes."""
    require(user, "decide_specialcase", "录入联席会议决定")
    article = region_of(case.region).article("assistance.special")
    case.refresh_from_db(fields=["status"])
    _not_under_review(case, article)
    if meeting_date is None:
        raise AssistanceError("meeting_date", "请填写联席会议日期", article)
    if meeting_date > timezone.localdate():
        raise AssistanceError("meeting_date", "联席会议日期不能晚于今天")
    minutes_number = (minutes_number or "").strip()
    if not minutes_number:
        raise AssistanceError("minutes_number", "请填写会议纪要编号", article)
    if approved:
        amount = parse_money(amount, "amount_approved", positive=True)
    else:
        refusal_reason = (refusal_reason or "").strip()
        if not refusal_reason:
            raise AssistanceError("refusal_reason", "不予救助须写明理由", article)
    with transaction.atomic():
        case = _locked(case)
        _not_under_review(case, article)
        _move(case, SpecialCase.Status.APPROVED if approved else SpecialCase.Status.REFUSED)
        case.meeting_date = meeting_date
        case.minutes_number = minutes_number
        case.amount_approved = amount if approved else None
        case.refusal_reason = "" if approved else refusal_reason
        case.decided_by = user
        case.decided_at = timezone.now()
        case.save()
    return case


def _not_under_review(case: SpecialCase, article: str) -> None:
    if case.status != SpecialCase.Status.UNDER_REVIEW:
        raise AssistanceError(
            "status",
            f"个案当前状态为“{case.get_status_display()}”，不在待联席会议研究状态，不能录入决定",
            article,
        )


def pay_special(*, case: SpecialCase, user, today: dt.date | None = None) -> SpecialCase:
    """Record the payment of an approved case and post it to the assistance fund."""
    require(user, "pay_specialcase", "支付特殊救助")
    today = today or timezone.localdate()
    with transaction.atomic():
        case = _locked(case)
        _move(case, SpecialCase.Status.PAID)
        case.paid_on = today
        case.paid_by = user
        case.save()
        AssistancePosting.objects.create(
            fund="assistance",
            channel=Channel.SPECIAL,
            person=case.person,
            region=case.region,
            year_key=_selectors().year_key_of(case.person, today),
            certificate_kind=case.certificate_kind,
            district=case.district or "-",
            posted_on=today,
            amount=-case.amount_approved,
            source_kind=AssistancePosting.SourceKind.SPECIAL_CASE,
            source_id=str(case.pk),
            case=case,
            article=region_of(case.region).article("assistance.special"),
            text=f"特殊救助 联席会议纪要 {case.minutes_number}（{case.meeting_date}）"[:200],
        )
    return case


__all__ = ["apply_special", "decide_special", "pay_special", "review_special"]
