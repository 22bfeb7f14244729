"""Family mutual aid (art. 26(6))."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Account, LedgerEntry, MutualAidGrant
from .ledger import AccountError, _entry, _lock, _money, _post, article

# --- Family mutual aid (art. 26(6)) -------------------------------------------------


def _insured(person, on: dt.date) -> bool:
    from enrollment.selectors import benefit_status

    status = benefit_status(person=person, on=on)
    return bool(getattr(status, "scheme", None)) or bool(getattr(status, "eligible", False))


def _cite(holder) -> str:
    """The mutual-aid article of the holder's region (the default region's before a holder is chosen)."""
    from django.conf import settings

    return article(getattr(holder, "region", None) or settings.POLICY_DEFAULT_REGION, "mutual_aid")


def mutual_aid_errors(*, holder, relative, relation: str, on: dt.date) -> dict:
    """Why a grant cannot be made (empty when it can): used by the service and the admin/portal forms."""
    errors = {}
    if relation not in MutualAidGrant.Relation.values:
        errors["relation"] = _("共济仅限配偶、子女和父母（%(article)s）") % {"article": _cite(holder)}
    if holder is None or relative is None:
        errors["relative"] = _("请选择授权人和近亲属")
        return errors
    if holder.pk == relative.pk:
        errors["relative"] = _("不能授权给本人")
    account = Account.objects.filter(person=holder).first()
    if account is None or account.status != Account.Status.OPEN:
        errors["holder"] = _("授权人没有正常状态的个人账户")
    if "relative" not in errors and not _insured(relative, on):
        errors["relative"] = _("近亲属须参加本省基本医疗保险（%(article)s）") % {"article": _cite(holder)}
    if (
        "relative" not in errors
        and MutualAidGrant.objects.filter(holder=holder, relative=relative, revoked_on__isnull=True).exists()
    ):
        errors["relative"] = _("已有有效的共济授权")
    return errors


@transaction.atomic
def grant_mutual_aid(
    *,
    holder,
    relative,
    relation: str,
    granted_by=None,
    on: dt.date | None = None,
    channel: str = MutualAidGrant.Channel.COUNTER,
) -> MutualAidGrant:
    """The holder lets historical funds pay a close relative's personal share (art. 26(6)).

    Close relatives only (spouse, child, parent); the relative must be insured in the province.
    """
    on = on or dt.date.today()
    Account.objects.select_for_update().filter(person=holder).first()
    errors = mutual_aid_errors(holder=holder, relative=relative, relation=relation, on=on)
    if errors:
        raise AccountError(errors)
    return MutualAidGrant.objects.create(
        holder=holder,
        relative=relative,
        relation=relation,
        granted_on=on,
        granted_by=granted_by,
        channel=channel,
    )


@transaction.atomic
def revoke_mutual_aid(*, grant: MutualAidGrant, revoked_by=None, on: dt.date | None = None) -> MutualAidGrant:
    grant = MutualAidGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_on is not None:
        raise AccountError({"grant": _("该共济授权已撤销")})
    grant.revoked_on = on or dt.date.today()
    grant.revoked_by = revoked_by
    grant.save(update_fields=["revoked_on", "revoked_by"])
    return grant


def pay_for_relative(
    *,
    holder,
    relative,
    on: dt.date,
    amount: Decimal,
    source_type: str,
    source_id: str,
    text: str = "",
) -> LedgerEntry | None:
    """Historical funds of the holder pay the relative's personal share, up to the balance (art. 26(6)).

    Needs a live grant. Returns the entry written (its `-amount` is what was paid), or None
    when there was nothing to pay. Call inside the caller's transaction.
    """
    amount = _money(amount, "amount")
    with transaction.atomic():
        grant = MutualAidGrant.objects.filter(
            holder=holder, relative=relative, revoked_on__isnull=True
        ).first()
        if grant is None or grant.granted_on > on:
            raise AccountError(
                {"relative": _("没有有效的家庭共济授权（%(article)s）") % {"article": _cite(holder)}}
            )
        account = _lock(holder)
        if account.status != Account.Status.OPEN:
            raise AccountError({"holder": _("授权人个人账户已销户")})
        paid = min(amount, account.historical)
        if paid <= 0:
            return None
        entry = _entry(
            account,
            kind=LedgerEntry.Kind.MUTUAL_AID,
            bucket=LedgerEntry.Bucket.HISTORICAL,
            amount=-paid,
            on=on,
            text=text
            or f"历年资金共济支付{grant.get_relation_display()} {relative.name}（{relative.masked_id_number}）个人负担",
            article_text=article(account.region, "mutual_aid"),
            source_type=source_type,
            source_id=source_id,
        )
        _post(account, [entry])
        return entry
