"""The personal account an employee enrolment opens, answered by the accounts app (杭州 art. 22(3)).

Accounts sit above enrollment: enrollment never imports them. `AccountsConfig.ready` registers
the opener; `enrol` calls it inside its own transaction, so an enrolment and its account (with
the month's preset) are written together or not at all, whoever enrols: the counter, an API, the demo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

_opener: Callable[..., object] | None = None


def provide(opener: Callable[..., object]) -> None:
    """Register `opener(enrolment, on=, base=, pension=)`: opens (or brings up to date) the account."""
    global _opener
    _opener = opener


def enrolled(enrolment, *, on: dt.date, base: Decimal | None = None, pension: Decimal | None = None):
    """The account of an employee enrolment, opened and preset from the month of `on` (art. 22(3))."""
    if _opener is None:
        raise ImproperlyConfigured("accounts are opened by the accounts app: is it installed?")
    return _opener(enrolment, on=on, base=base, pension=pension)
