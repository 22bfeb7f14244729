"""The catastrophic-illness premium, once a person a year (杭州 art. 41)."""

from __future__ import annotations

import datetime as dt
import logging

from enrollment.models import (
    Person,
)
from policy import contributions as rules

from ..models import (
    CatastrophicPremium,
)
from .common import _lines, _params, _rule

log = logging.getLogger(__name__)


def _ensure_catastrophic_premium(
    *, person: Person, year: int, scheme: str, category: str
) -> CatastrophicPremium:
    """大病保险费 (杭州 art. 41): once a person a year, with the scheme they pay it under."""
    existing = CatastrophicPremium.objects.filter(person=person, year=year).first()
    if existing:
        return existing
    params = _params(person.region, dt.date(year, 1, 1))
    result = _rule(rules.catastrophic_premium, params=params, scheme=scheme, category=category)
    return CatastrophicPremium.objects.create(
        person=person,
        year=year,
        scheme=scheme,
        total=result.total,
        personal=result.personal,
        other=result.other,
        lines=_lines(result.lines),
    )
