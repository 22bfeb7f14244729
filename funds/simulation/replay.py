"""Each person's year replayed through the engine: once under the live rules, once under the draft."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from policy.parameters import Override, ParameterView, parameters_for
from policy.settlement.engine import settle_bill
from policy.settlement.types import BillResult, YearState

from .inputs import StoredBill


class Views:
    """The parameter views of one region by date: the live ones, or with the draft's overrides on top.

    With `live` (the live rules' `Views`), a date on which none of the draft's overrides is in force
    yet gets the live view itself: its values are the same, and so are the engine's answers on it.
    """

    def __init__(self, region: str, draft: list[Override] = (), live: Views | None = None):
        self.region, self.draft = region, list(draft)
        self.live = live
        self.first = min((o.effective_from for o in self.draft), default=None)
        self.cache: dict[dt.date, ParameterView] = {}

    def on(self, day: dt.date) -> ParameterView:
        view = self.cache.get(day)
        if view is None:
            if self.live is not None and (self.first is None or day < self.first):
                view = self.live.on(day)
            else:
                view = parameters_for(self.region, day, draft=self.draft)
            self.cache[day] = view
        return view


def replay(
    bills: Iterable[StoredBill], live: Views, draft: Views
) -> Iterator[tuple[StoredBill, BillResult, BillResult]]:
    """(bill, live result, draft result) for every bill, each person's accumulators carried in date order.

    Every bill goes through `settle_bill` under both views; where the draft's view is the live one
    and the person's draft accumulators are the live ones (nothing in the draft in force yet), the
    two settlements have the same inputs, and the live result is the draft's too (`settle_bill` is pure).
    """
    empty = YearState.empty()  # never mutated: the engine works on a copy
    person, states = None, {}
    live_on, draft_on = live.on, draft.on
    for stored in bills:
        if stored.person_id != person:
            person, states = stored.person_id, {}
        before_live, before_draft = states.get(stored.year_key, (empty, empty))
        bill = stored.bill
        day = bill.date
        live_view = live_on(day)
        a = settle_bill(
            person=stored.profile, bill=bill, state=before_live, balances=stored.balances, params=live_view
        )
        draft_view = draft_on(day)
        if draft_view is live_view and before_draft is before_live:
            b = a
        else:
            b = settle_bill(
                person=stored.profile,
                bill=bill,
                state=before_draft,
                balances=stored.balances,
                params=draft_view,
            )
        states[stored.year_key] = (a.state, b.state)
        yield stored, a, b
