"""Business actions of the maternity chapter: submit, approve, refuse (one transaction each).

- `submit`: an application from an employer's system, the counter or the portal. Bad input is
  refused (MaternityError, nothing written); otherwise it is recorded with its assessment
  (`maternity.assessment.assess`). Idempotent on the employer's own application number: the
  same number with the same content returns the first application, other content is a 409.
- `approve`: the review clerk's approval. The assessment is made again on today's records; the
  decision, the payment (to the employer, or to a flexible worker herself) and the posting to
  the maternity fund book are written together. The same event is paid once (a unique
  constraint on the payment), however many times and ways it is sent.
- `refuse`: the review clerk's refusal, with the rule and article.

Each decision's letter (核定通知书) is rendered after the commit by `maternity.tasks`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.books import Fund
from enrollment.models import Employer, Person
from policy.regions import region_of

from .assessment import Assessment, Event, MaternityError, assess, check_input
from .models import Application, Decision, MaternityPosting, Payment, allowance_kind, event_group

logger = logging.getLogger(__name__)

# what must match for a replay of the same employer application number
REPLAY_FIELDS = ("person_id", "event_kind", "event_date", "babies", "difficult_birth", "child_order")


def _username(user) -> str:
    return getattr(user, "username", "") or ""


def _apply_assessment(application: Application, result: Assessment) -> None:
    application.eligible = result.eligible
    application.continuous_months = result.continuous_months
    application.missing_months = result.missing_months
    application.average_wage = result.average_wage
    application.days = result.days
    application.amount = result.amount
    application.reason = result.reason
    application.reason_article = result.reason_article
    application.lines = result.lines


def _event_of(application: Application) -> Event:
    return Event(
        person=application.person,
        employer=application.employer,
        event_kind=application.event_kind,
        event_date=application.event_date,
        babies=application.babies,
        difficult_birth=application.difficult_birth,
        child_order=application.child_order,
        pregnancy_months=application.pregnancy_months,
    )


def _replay(existing: Application, candidate: Application) -> Application:
    for name in REPLAY_FIELDS:
        if getattr(existing, name) != getattr(candidate, name):
            raise MaternityError(
                "employer_reference",
                f"单位申请编号 {existing.employer_reference} 已用于另一份申请（{name} 不同）",
                status=409,
            )
    return existing


@transaction.atomic
def submit(
    *,
    person: Person,
    employer: Employer | None,
    event_kind: str,
    event_date: dt.date,
    source: str,
    babies: int = 1,
    difficult_birth: bool = False,
    child_order: int = 1,
    pregnancy_months: int | None = None,
    employer_reference: str = "",
    user=None,
    acting_employer: str | None = None,
    today: dt.date | None = None,
) -> tuple[Application, bool]:
    """Record an application with its assessment; returns (application, created).

    `acting_employer` is the credit code of an employer's API client: it may only apply for
    its own registered employees. Raises MaternityError for bad input (nothing written).
    """
    today = today or timezone.localdate()
    employer_reference = (employer_reference or "").strip()
    # one submission per person at a time: the duplicate check below sees every committed one
    Person.objects.select_for_update().filter(pk=person.pk).first()
    candidate = Application(
        person=person,
        employer=employer,
        employer_reference=employer_reference,
        event_kind=event_kind,
        event_group=event_group(event_kind),
        event_date=event_date,
        babies=babies,
        difficult_birth=difficult_birth,
        child_order=child_order,
        pregnancy_months=pregnancy_months,
        source=source,
        submitted_by=_username(user),
    )
    if employer is not None and employer_reference:
        existing = Application.objects.filter(
            employer=employer, employer_reference=employer_reference
        ).first()
        if existing is not None:
            return _replay(existing, candidate), False
    event = _event_of(candidate)
    check_input(event, today=today, acting_employer=acting_employer)
    duplicate = (
        Application.objects.filter(person=person, event_group=candidate.event_group, event_date=event_date)
        .exclude(status=Application.Status.REFUSED)
        .first()
    )
    if (
        duplicate is not None
        or Payment.objects.filter(
            person=person, event_group=candidate.event_group, event_date=event_date
        ).exists()
    ):
        raise MaternityError(
            "event_date",
            f"同一事件（{event_date}）已有申请（编号 {duplicate.pk if duplicate else '-'}），不能重复申请",
            region_of(person.region).article("maternity.allowance_days"),
            status=409,
        )
    candidate.allowance_kind = allowance_kind(event_kind)
    candidate.region = person.region
    candidate.district = employer.district if employer is not None else _person_district(person, event_date)
    _apply_assessment(candidate, assess(event))
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        # a concurrent submission of the same number or event won: return it, or refuse
        if employer is not None and employer_reference:
            existing = Application.objects.filter(
                employer=employer, employer_reference=employer_reference
            ).first()
            if existing is not None:
                return _replay(existing, candidate), False
        raise MaternityError(
            "event_date", f"同一事件（{event_date}）已有申请，不能重复申请", status=409
        ) from None
    logger.info("maternity application %s submitted (%s)", candidate.pk, source)
    return candidate, True


def _person_district(person: Person, on: dt.date) -> str:
    from enrollment.selectors import enrolment_on

    enrolment = enrolment_on(person, on)
    return enrolment.district if enrolment else (person.residence_district or person.hukou_district)


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
    from .tasks import render, render_letter

    try:
        if render_letter.app.conf.task_always_eager:
            render(decision_id)
        else:
            render_letter.delay(decision_id)
    except Exception:  # the letter stays pending/failed; the download renders it again
        logger.exception("maternity letter of decision %s not rendered", decision_id)
