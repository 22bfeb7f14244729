"""Family mutual aid (art. 26(6))."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.rows import column, queue_all, where
from policy.regions import article, default_region

from ..models import Account, LedgerEntry, MutualAidGrant
from .ledger import AccountError, _entry, _lock, _money, _post

# --- Family mutual aid (art. 26(6)) -------------------------------------------------


def _insured(person, on: dt.date) -> bool:
    from enrollment.selectors import benefit_status

    status = benefit_status(person=person, on=on)
    return bool(getattr(status, "scheme", None)) or bool(getattr(status, "eligible", False))


def _on_record(holder, relative, relation: str) -> bool:
    """The relation is on the agency's records (a household register or a clerk-verified document)."""
    from enrollment.selectors import relation_on_record

    return relation_on_record(person=holder, relative=relative, kind=relation)


def _cite(holder) -> str:
    """The mutual-aid article of the holder's region (the default region's before a holder is chosen)."""
    return article(getattr(holder, "region", None) or default_region(), "account.mutual_aid")


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
    if "relative" not in errors and "relation" not in errors and not _on_record(holder, relative, relation):
        errors["relative"] = _(
            "共济仅限经办机构登记的近亲属：请先凭户口簿或关系证明到窗口登记家庭关系（%(article)s）"
        ) % {"article": _cite(holder)}
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
            article_text=article(account.region, "account.mutual_aid"),
            source_type=source_type,
            source_id=source_id,
        )
        _post(account, [entry])
        return entry


# --- Mutual aid at settlement (the relative's bill) ---------------------------------------


@dataclass
class Draw:
    """What one holder's historical funds pay of a relative's bill (art. 26(6)); written by `post_draws`."""

    grant: MutualAidGrant
    account: Account
    amount: Decimal


def queue_usable_grants(*, relative_id: int, on: dt.date, today: dt.date):
    """The relative's grants that cover a bill dated `on`, sent now and answered later (core.rows).

    A grant covers the bill when it was made on or before the bill's date and is not revoked
    by the day the bill is settled (nor before the bill's date): a revoked grant pays nothing
    more, whatever the date of the bill. Oldest grant first.
    """
    condition = (
        f"{where(MutualAidGrant, 'relative')} AND {column(MutualAidGrant, 'granted_on')} <= %s "
        f"AND ({column(MutualAidGrant, 'revoked_on')} IS NULL OR {column(MutualAidGrant, 'revoked_on')} > %s)"
    )
    order_by = f"{column(MutualAidGrant, 'granted_on')}, {column(MutualAidGrant, 'id')}"
    return queue_all(MutualAidGrant, condition, [relative_id, on, max(on, today)], order_by=order_by)


def draw_for_relative(*, grants: list[MutualAidGrant], amount: Decimal, lock: bool = True) -> list[Draw]:
    """Lock the holders' accounts (in id order) and work out what each pays, up to its historical funds.

    Call inside the settlement's transaction, before its writes; the rows stay locked until it
    commits, so two relatives drawing on one holder at once are served one after the other
    and the holder's historical funds never go below zero. Holders in the order of their
    grants; an account that is not open pays nothing. `lock=False` (a trial settlement) reads
    the balances as they stand and locks nothing.
    """
    amount = _money(amount, "amount")
    if not grants or amount <= 0:
        return []
    rows = Account.objects.select_for_update() if lock else Account.objects.all()
    accounts = {
        account.person_id: account
        for account in rows.filter(person_id__in={grant.holder_id for grant in grants}).order_by("pk")
    }
    draws, left = [], amount
    for grant in grants:
        account = accounts.get(grant.holder_id)
        if left <= 0 or account is None or account.status != Account.Status.OPEN:
            continue
        paid = min(left, account.historical)
        if paid > 0:
            draws.append(Draw(grant=grant, account=account, amount=paid))
            left -= paid
    return draws


def post_draws(
    *, draws: list[Draw], relative, on: dt.date, source_type: str, source_id: str
) -> list[LedgerEntry]:
    """Write each holder's mutual-aid entry (accounts locked by `draw_for_relative`); pipeline-safe (core.rows)."""
    written = []
    for draw in draws:
        account = draw.account
        entry = _entry(
            account,
            kind=LedgerEntry.Kind.MUTUAL_AID,
            bucket=LedgerEntry.Bucket.HISTORICAL,
            amount=-draw.amount,
            on=on,
            text=(
                f"历年资金共济支付{draw.grant.get_relation_display()} {relative.name}"
                f"（{relative.masked_id_number}）医疗费个人负担"
            ),
            article_text=article(account.region, "account.mutual_aid"),
            source_type=source_type,
            source_id=source_id,
        )
        written += _post(account, [entry])
    return written
