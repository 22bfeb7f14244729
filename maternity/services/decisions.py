"""The review clerk's decision: approval (decision, payment, fund posting together) or refusal; the letter after the commit."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.books import Fund
from policy.regions import region_of

from ..assessment import MaternityError, assess
from ..models import (
    Application,
    Decision,
    MaternityPosting,
    Payment,
)
from .applications import _apply_assessment, _event_of, _username

logger = logging.getLogger(__name__)


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("person", "employer")
        .get(pk=application.pk)
    )


@transaction.atomic
def approve(*, application: Application, user, on: dt.date | None = None) -> Decision:
    """核准: assess again, write the decision, the payment and the fund posting together.

    Approving an approved application returns its decision (nothing paid twice); a refused
    one, or one whose assessment now refuses, is a MaternityError naming the rule.
    """
    on = on or timezone.localdate()
    application = _locked(application)
    if application.status == Application.Status.APPROVED:
        return application.decision
    if application.status == Application.Status.REFUSED:
        raise MaternityError("status", "该申请已不予核准，不能再核准", status=409)
    result = assess(_event_of(application))
    _apply_assessment(application, result)
    if not result.eligible:
        application.save()
        raise MaternityError("status", f"不符合享受条件：{result.reason}", result.reason_article, status=422)
    region = region_of(application.region)
    payee_article = region.article("maternity.application")
    decision = Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.APPROVED,
        amount=result.amount,
        article=payee_article,
        lines=result.lines,
        decided_by=_username(user),
        decided_on=on,
    )
    to_person = application.employer is None
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                application=application,
                decision=decision,
                person=application.person,
                event_group=application.event_group,
                event_date=application.event_date,
                payee=Payment.Payee.PERSON if to_person else Payment.Payee.EMPLOYER,
                employer=application.employer,
                region=application.region,
                district=application.district,
                amount=result.amount,
                paid_on=on,
                article=region.article("maternity.flexible_workers") if to_person else payee_article,
                lines=result.lines,
            )
    except IntegrityError:
        raise MaternityError(
            "event_date",
            f"该参保人 {application.event_date} 的同一事件已拨付过津贴，不能重复支付",
            status=409,
        ) from None
    payee = "参保人本人" if to_person else application.employer.name
    MaternityPosting.objects.create(
        fund=Fund.MATERNITY,
        region=application.region,
        district=application.district,
        posted_on=on,
        amount=-result.amount,
        source_kind=MaternityPosting.TO_PERSON if to_person else MaternityPosting.TO_EMPLOYER,
        source_id=str(payment.pk),
        article=payment.article,
        text=f"{application.get_allowance_kind_display()}拨付给{payee}（申请 {application.pk}）"[:200],
    )
    application.status = Application.Status.APPROVED
    application.save()
    _queue_letter(decision)
    return decision


@transaction.atomic
def refuse(
    *, application: Application, user, reason: str = "", article: str = "", on: dt.date | None = None
) -> Decision:
    """不予核准: the reason and its article (by default those of the assessment)."""
    on = on or timezone.localdate()
    application = _locked(application)
    if application.status != Application.Status.SUBMITTED:
        raise MaternityError("status", f"该申请已{application.get_status_display()}，不能再审核", status=409)
    reason = (reason or application.reason).strip()
    if not reason:
        raise MaternityError("reason", "不予核准须写明理由")
    decision = Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.REFUSED,
        amount=0,
        reason=reason[:300],
        article=(article or application.reason_article)[:200],
        lines=application.lines,
        decided_by=_username(user),
        decided_on=on,
    )
    application.status = Application.Status.REFUSED
    application.save()
    _queue_letter(decision)
    return decision


def _queue_letter(decision: Decision) -> None:
    decision_id = decision.pk
    transaction.on_commit(lambda: queue_letter(decision_id))


def queue_letter(decision_id: int) -> None:
    """Ask for the letter PDF; a broker or render failure never reaches the decision."""
    from ..tasks import render, render_letter

    try:
        if render_letter.app.conf.task_always_eager:
            render(decision_id)
        else:
            render_letter.delay(decision_id)
            # sent: the sweep (`maternity.tasks.queue_pending_letters`) leaves it alone for a while
            Decision.objects.filter(pk=decision_id).update(letter_queued=timezone.now())
    except (
        Exception
    ):  # the letter stays pending (the sweep sends it again) or failed; the download renders it
        logger.exception("maternity letter of decision %s not rendered", decision_id)
