"""The year's accounts (年度决算) and their publication (杭州 art. 85, 95; 舟山 art. 75)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from policy.funds import NoDeficitRule, deficit_cover
from policy.parameters import ParameterError
from policy.regions import region_of

from . import posting
from .models import DeficitShare, FundMonth, FundYear, YearClose

ZERO = Decimal("0.00")


class FundsError(ValidationError):
    """A refusal a clerk can act on (the field it concerns in `error_dict`)."""

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]})


def _opening(region: str, fund: str, district: str, year: int) -> Decimal:
    """The balance at the start of `year`: the last closed year's balance after cover, plus any months since."""
    previous = (
        FundYear.objects.filter(close__region=region, fund=fund, district=district, close__year__lt=year)
        .order_by("-close__year")
        .select_related("close")
        .first()
    )
    since = previous.close.year if previous else 0
    months = FundMonth.objects.filter(
        region=region, fund=fund, district=district, year__gt=since, year__lt=year
    )
    sums = months.aggregate(i=Sum("income"), e=Sum("expenditure"))
    carried = (previous.closing + previous.covered) if previous else ZERO
    return carried + (sums["i"] or ZERO) - (sums["e"] or ZERO)


def student_headcounts(region: str, year: int) -> dict[str, int]:
    """Students enrolled in the year by university (杭州 art. 95(2): the deficit is shared by headcount)."""
    Enrolment = apps.get_model("enrollment", "Enrolment")
    rows = (
        Enrolment.objects.filter(region=region, category="student", start_date__lte=dt.date(year, 12, 31))
        .exclude(end_date__lt=dt.date(year, 1, 1))
        .values("school")
        .annotate(n=Count("person_id", distinct=True))
    )
    return {(r["school"] or "（未登记高校）"): r["n"] for r in rows}


@transaction.atomic
def close_year(*, region: str, year: int, closed_by=None) -> YearClose:
    """Close `year` for `region`: each fund and district's income, expenditure, balance and deficit cover.

    Posts what is not yet posted first. Refused when the year is not over or already closed,
    or when a deficit needs a share the agency has not set (the parameter and its article named).
    """
    place = region_of(region)
    if dt.date(year, 12, 31) >= timezone.localdate():
        raise FundsError("year", f"{year} 年度尚未结束，不能决算")
    if YearClose.objects.filter(region=region, year=year).exists():
        raise FundsError("year", f"{place.name} {year} 年度已决算")
    posting.post_all()
    params = place.parameters(dt.date(year, 12, 31))
    rows = (
        FundMonth.objects.filter(region=region, year=year)
        .values("fund", "district")
        .annotate(income=Sum("income"), expenditure=Sum("expenditure"))
        .order_by("fund", "district")
    )
    if not rows:
        raise FundsError("year", f"{place.name} {year} 年度没有任何基金收支记录")
    close = YearClose.objects.create(region=region, year=year, closed_by=closed_by)
    headcounts = None
    for row in rows:
        fund, district = row["fund"], row["district"]
        opening = _opening(region, fund, district, year)
        result = row["income"] - row["expenditure"]
        deficit = -result if result < 0 else ZERO
        if fund == "student" and deficit > max(opening, ZERO) and headcounts is None:
            headcounts = student_headcounts(region, year)
        try:
            lines = deficit_cover(
                fund=fund,
                district=district,
                deficit=deficit,
                earlier_surplus=opening,
                params=params,
                headcounts=headcounts,
            )
        except NoDeficitRule:
            lines = []
        except (ParameterError, ValueError) as error:
            raise FundsError("year", f"{fund} {district}：{error}")
        from_others = (deficit - min(deficit, max(opening, ZERO))) if lines else ZERO
        FundYear.objects.create(
            close=close,
            fund=fund,
            district=district,
            opening=opening,
            income=row["income"],
            expenditure=row["expenditure"],
            closing=opening + result,
            covered=from_others,
        )
        DeficitShare.objects.bulk_create(
            DeficitShare(
                close=close,
                fund=fund,
                district=district,
                payer=line.text.split("：")[-1],
                amount=line.amount,
                article=line.article,
                text=line.text,
            )
            for line in lines
        )
    return close


def publish(*, close: YearClose) -> YearClose:
    """Render the year's publication PDF (杭州 art. 85) and mark the year published. Only a closed year."""
    from .reports import render_publication_pdf

    if not close.pk or not YearClose.objects.filter(pk=close.pk).exists():
        raise FundsError("year", "该年度尚未决算，不能公布")
    pdf = render_publication_pdf(close)
    from django.core.files.base import ContentFile

    with transaction.atomic():
        locked = YearClose.objects.select_for_update().get(pk=close.pk)
        locked.publication.save(
            f"fund-report-{locked.region}-{locked.year}.pdf", ContentFile(pdf), save=False
        )
        locked.status = YearClose.Status.PUBLISHED
        locked.published_on = timezone.now()
        locked.save()
    return locked
