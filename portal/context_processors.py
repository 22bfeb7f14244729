"""The 示例参数 notice on every page (admin and portal) while a region runs on illustrative values.

Zhoushan's official file holds no figures; tests and the demo may load its illustrative set
(POLICY_ILLUSTRATIVE=1). Whatever is computed from it is shown as such (issue 14).
Both values are callables, so a page that does not show them costs nothing.
"""

from __future__ import annotations

from functools import cache

from django.utils import timezone

from policy.regions import illustrative_notices, region_of


def illustrative(request) -> dict:
    today = timezone.localdate()

    @cache
    def notices() -> list[str]:
        return illustrative_notices(today)

    @cache
    def person_notice() -> str:
        user = getattr(request, "user", None)
        person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
        return region_of(person.region).illustrative_notice(today) if person is not None else ""

    return {"illustrative_notices": notices, "person_illustrative_notice": person_notice}
