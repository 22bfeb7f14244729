"""Each person's year replayed through the engine: once under the live rules, once under the draft."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from policy.parameters import Override, ParameterView, parameters_for
from policy.settlement.engine import settle_bill
from policy.settlement.types import BillResult, YearState

from .inputs import StoredBill


class Views:
    """The parameter views of one region by date: the live ones, or with the draft's overrides on top."""

    def __init__(self, region: str, draft: list[Override] = ()):
        self.region, self.draft = region, list(draft)
        self.cache: dict[dt.date, ParameterView] = {}

    def on(self, day: dt.date) -> ParameterView:
        view = self.cache.get(day)
        if view is None:
            view = self.cache[day] = parameters_for(self.region, day, draft=self.draft)
        return view


def replay(
    bills: Iterable[StoredBill], live: Views, draft: Views
) -> Iterator[tuple[StoredBill, BillResult, BillResult]]:
    """(bill, live result, draft result) for every bill, each person's accumulators carried in date order."""
    person, states = None, {}
    for stored in bills:
        if stored.person_id != person:
            person, states = stored.person_id, {}
        before_live, before_draft = states.get(stored.year_key, (YearState.empty(), YearState.empty()))
        day = stored.bill.date
        a = settle_bill(
            person=stored.profile,
            bill=stored.bill,
            state=before_live,
            balances=stored.balances,
            params=live.on(day),
        )
        b = settle_bill(
            person=stored.profile,
            bill=stored.bill,
            state=before_draft,
            balances=stored.balances,
            params=draft.on(day),
        )
        states[stored.year_key] = (a.state, b.state)
        yield stored, a, b
