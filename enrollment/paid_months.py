"""What enrolment rules ask about paid months, answered by the contributions app.

Payments are recorded by contributions, which sits above enrollment: enrollment never imports
it. Contributions registers its selectors at start-up (`ContributionsConfig.ready`) and the
enrolment rules ask through these two functions (杭州 art. 12(2), 19, 30(1), 76(3)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_local_actual: Callable[..., int] | None = None
_arrears: Callable[..., list[dt.date]] | None = None


def provide(*, local_actual_months: Callable[..., int], arrears_months: Callable[..., list[dt.date]]) -> None:
    """Register the answers: `local_actual_months(person, until)` and `arrears_months(enrolment, until)`."""
    global _local_actual, _arrears
    _local_actual, _arrears = local_actual_months, arrears_months


def _need(function):
    if function is None:
        raise ImproperlyConfigured("paid months are answered by the contributions app: is it installed?")
    return function


def local_actual_months(person, *, until: dt.date | None = None) -> int:
    """Actual local paid months of the person up to `until` (today when None)."""
    return _need(_local_actual)(person, until)


def arrears_months(enrolment, *, until: dt.date) -> list[dt.date]:
    """The enrolment's unpaid months from its first paid month up to `until`."""
    return _need(_arrears)(enrolment, until)
