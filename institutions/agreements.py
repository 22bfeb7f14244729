"""Agreements and their breaches (杭州 art. 87–88, 舟山 art. 69–70): the lower part, below claims.

Claims asks `settlement_refusal` whether an institution may settle a bill; nothing here
imports claims (the institution arrives as plain values).

An institution with NO agreement on file is settled as before this chapter existed: its
row in claims (designated, agreement status, suspension) decides alone. Agreements are
entered institution by institution as they are signed, and the existing institutions
keep settling meanwhile. Once an institution has an agreement on file that is not a
draft, its agreements decide: a bill is refused unless an agreement's period holds the
bill date, the agreement was not terminated before that date, and it covers the bill's
service. A suspension (of the whole agreement, or of some services by a breach's
sanction) refuses every submission while it runs, whatever the bill date
(coverage-rules reading 25); once lifted, submissions are accepted again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from policy.regions import region_of

from .models import Agreement, Breach, Service
from .models.agreements import service_labels

BILL_SERVICE = {
    "inpatient": Service.INPATIENT,
    "outpatient": Service.OUTPATIENT,
    "pharmacy": Service.PHARMACY,
    "specified_disease": Service.SPECIFIED_DISEASE,
}
OFFSITE_MODES = {"direct_offsite"}
SERVICE_CODES = set(Service.values)


def services_needed(bill_kind: str, mode: str = "") -> list[str]:
    """The services a bill needs from the agreement: its kind's, and off-site for a direct off-site bill."""
    needed = [str(BILL_SERVICE[bill_kind])] if bill_kind in BILL_SERVICE else []
    if mode in OFFSITE_MODES:
        needed.append(str(Service.OFFSITE))
    return needed


# --- the settlement's question ------------------------------------------------------------


def running_suspensions(today: dt.date):
    return (
        Breach.objects.filter(sanction=Breach.Sanction.SUSPEND_SERVICES, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=today))
    )


def agreements_of(institution_id: int, *, today: dt.date) -> list[Agreement]:
    """The institution's agreements that are not drafts, each with `running_suspensions` (breaches)."""
    return list(
        Agreement.objects.filter(institution_id=institution_id)
        .exclude(state=Agreement.State.DRAFT)
        .prefetch_related(
            Prefetch("breaches", queryset=running_suspensions(today), to_attr="running_suspensions")
        )
        .order_by("-start_date", "-id")
    )


def settlement_refusal(
    *, institution_id: int, region: str, bill_kind: str, mode: str, on: dt.date, today: dt.date
) -> tuple[str, str] | None:
    """Why the institution's agreements refuse a bill of `bill_kind` dated `on`, submitted `today`; else None.

    One query for an institution without agreements (its suspensions are asked only when
    it has some).
    """
    return refusal_for(
        agreements_of(institution_id, today=today),
        region=region,
        bill_kind=bill_kind,
        mode=mode,
        on=on,
        today=today,
    )


def covers_date(agreement: Agreement, on: dt.date) -> bool:
    if not (agreement.start_date <= on <= agreement.end_date):
        return False
    if agreement.state == Agreement.State.TERMINATED and agreement.terminated_on is None:
        return False
    return agreement.terminated_on is None or on < agreement.terminated_on


def refusal_for(agreements, *, region: str, bill_kind: str, mode: str, on: dt.date, today: dt.date):
    """The refusal (message, article) given the institution's non-draft agreements, or None.

    No agreement on file: None (the institution's own row decides, see the module docstring).
    """
    if not agreements:
        return None
    citations = region_of(region)
    needed = services_needed(bill_kind, mode)
    in_force = [agreement for agreement in agreements if covers_date(agreement, on)]
    if not in_force:
        return (
            _("机构在费用日期 %(day)s 没有有效的医保服务协议") % {"day": on.isoformat()},
            citations.article("institutions.agreement"),
        )
    for agreement in in_force:
        if agreement.state == Agreement.State.SUSPENDED:
            return (
                _("医保服务协议 %(number)s 暂停中：%(reason)s")
                % {"number": agreement.number, "reason": agreement.state_reason or "-"},
                citations.article("institutions.suspension"),
            )
    covering = [agreement for agreement in in_force if set(needed) <= set(agreement.services)]
    if not covering:
        missing = [code for code in needed if not any(code in a.services for a in in_force)] or needed
        return (
            _("医保服务协议 %(number)s 不含%(services)s服务，不能结算该费用")
            % {"number": in_force[0].number, "services": service_labels(missing)},
            citations.article("institutions.agreement_services"),
        )
    for agreement in covering:
        for breach in getattr(agreement, "running_suspensions", ()):
            stopped = set(breach.services) & set(needed)
            if stopped and breach.suspends(today):
                return (
                    _(
                        "医保服务协议 %(number)s 的%(services)s服务自 %(since)s 起暂停结算（%(until)s）：%(reason)s"
                    )
                    % {
                        "number": agreement.number,
                        "services": service_labels(sorted(stopped)),
                        "since": breach.starts_on.isoformat(),
                        "until": _("至 %(day)s") % {"day": breach.ends_on.isoformat()}
                        if breach.ends_on
                        else _("至解除为止"),
                        "reason": breach.description,
                    },
                    citations.article("institutions.suspension"),
                )
    return None


def agreement_on(institution_id: int, on: dt.date) -> Agreement | None:
    """The agreement in force for the institution on `on` (newest first), or None."""
    for agreement in agreements_of(institution_id, today=on):
        if covers_date(agreement, on):
            return agreement
    return None


# --- business actions ---------------------------------------------------------------------


def clean_services(services, field: str = "services") -> list[str]:
    services = list(dict.fromkeys(services or []))
    unknown = [code for code in services if code not in SERVICE_CODES]
    if unknown:
        raise ValidationError(
            {field: _("未知的服务范围：%(codes)s") % {"codes": "、".join(map(str, unknown))}}
        )
    return services


def create_agreement(
    *,
    institution,
    number: str,
    district: str,
    start_date: dt.date,
    end_date: dt.date,
    services,
    terms: str = "",
    signed_on: dt.date | None = None,
) -> Agreement:
    """Enter an agreement: a draft, or signed when `signed_on` is given."""
    if end_date < start_date:
        raise ValidationError({"end_date": _("协议截止日早于起始日")})
    services = clean_services(services)
    if not services:
        raise ValidationError({"services": _("协议至少包含一项服务")})
    if Agreement.objects.filter(number=number).exists():
        raise ValidationError({"number": _("协议编号 %(number)s 已存在") % {"number": number}})
    with transaction.atomic():
        agreement = Agreement(
            institution=institution,
            number=number,
            district=district,
            start_date=start_date,
            end_date=end_date,
            services=services,
            terms=terms,
            state=Agreement.State.SIGNED if signed_on else Agreement.State.DRAFT,
            signed_on=signed_on,
        )
        agreement.save()
    return agreement


def sign(*, agreement: Agreement, on: dt.date) -> Agreement:
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.state != Agreement.State.DRAFT:
            raise ValidationError({"state": _("只有草拟状态的协议可以签订")})
        overlapping = (
            Agreement.objects.filter(institution_id=agreement.institution_id, state=Agreement.State.SIGNED)
            .filter(start_date__lte=agreement.end_date, end_date__gte=agreement.start_date)
            .exclude(pk=agreement.pk)
        )
        if overlapping.exists():
            raise ValidationError(
                {"start_date": _("与已签订的协议 %(number)s 期间重叠") % {"number": overlapping[0].number}}
            )
        agreement.state, agreement.signed_on = Agreement.State.SIGNED, on
        agreement.save(update_fields=["state", "signed_on"])
    return agreement


def suspend_agreement(*, agreement: Agreement, reason: str) -> Agreement:
    """Suspend the whole agreement (杭州 art. 88 para. 2): every submission refused until resumed."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.state != Agreement.State.SIGNED:
            raise ValidationError({"state": _("只有已签订的协议可以暂停")})
        agreement.state, agreement.state_reason = Agreement.State.SUSPENDED, reason
        agreement.save(update_fields=["state", "state_reason"])
    return agreement


def resume_agreement(*, agreement: Agreement) -> Agreement:
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.state != Agreement.State.SUSPENDED:
            raise ValidationError({"state": _("协议未暂停")})
        agreement.state, agreement.state_reason = Agreement.State.SIGNED, ""
        agreement.save(update_fields=["state", "state_reason"])
    return agreement


def expire_agreements(*, today: dt.date) -> int:
    """Mark signed agreements whose period ended as expired (bills dated inside the period still settle)."""
    return Agreement.objects.filter(state=Agreement.State.SIGNED, end_date__lt=today).update(
        state=Agreement.State.EXPIRED
    )


def record_breach(
    *,
    agreement: Agreement,
    found_on: dt.date,
    description: str,
    sanction: str,
    amount: Decimal = Decimal("0.00"),
    services=(),
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    clause: str = "",
    user=None,
) -> Breach:
    """Record a breach with its sanction; termination ends the agreement from `starts_on`.

    Amounts of `withhold` and `recover` are deducted by the next clearing drawn up for the
    institution (`institutions.clearing`).
    """
    if sanction not in Breach.Sanction.values:
        raise ValidationError({"sanction": _("未知的处理方式 %(code)s") % {"code": sanction}})
    amount = Decimal(amount or 0)
    starts_on = starts_on or found_on
    services = clean_services(services)
    if sanction in (Breach.Sanction.WITHHOLD, Breach.Sanction.RECOVER):
        if amount <= 0:
            raise ValidationError({"amount": _("暂停拨付或追回须填写大于零的金额")})
    elif amount:
        raise ValidationError({"amount": _("该处理方式不涉及金额")})
    if sanction == Breach.Sanction.SUSPEND_SERVICES:
        if not services:
            raise ValidationError({"services": _("须选择暂停结算的服务")})
        if ends_on is not None and ends_on < starts_on:
            raise ValidationError({"ends_on": _("暂停截止日早于生效日期")})
    elif services or ends_on:
        raise ValidationError({"services": _("只有暂停部分服务需要选择服务和截止日")})
    region = agreement.institution.region
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.state == Agreement.State.DRAFT:
            raise ValidationError({"agreement": _("草拟状态的协议不能记录违约")})
        breach = Breach.objects.create(
            agreement=agreement,
            found_on=found_on,
            description=description,
            clause=clause,
            article=region_of(region).article(
                "institutions.suspension"
                if sanction == Breach.Sanction.SUSPEND_SERVICES
                else "institutions.breach"
            ),
            sanction=sanction,
            amount=amount,
            services=services,
            starts_on=starts_on,
            ends_on=ends_on,
            recorded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        if sanction == Breach.Sanction.TERMINATE:
            agreement.state, agreement.terminated_on = Agreement.State.TERMINATED, starts_on
            agreement.state_reason = description[:200]
            agreement.save(update_fields=["state", "terminated_on", "state_reason"])
    return breach


def lift(*, breach: Breach, on: dt.date) -> Breach:
    """Lift a suspension of services, or release a withheld amount (paid back by the next clearing)."""
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if breach.sanction not in (Breach.Sanction.SUSPEND_SERVICES, Breach.Sanction.WITHHOLD):
            raise ValidationError({"sanction": _("只有暂停结算和暂停拨付可以解除")})
        if breach.lifted_on is not None:
            raise ValidationError(
                {"lifted_on": _("已于 %(day)s 解除") % {"day": breach.lifted_on.isoformat()}}
            )
        breach.lifted_on = on
        breach.save(update_fields=["lifted_on"])
    return breach
