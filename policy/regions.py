"""The one interface apps use for what differs between regions.

Apps never compare region names: they ask the region of a person or institution for a
parameter, a citation or a rule variant.

    region = region_of(person.region)
    region.name                                  # "杭州"
    region.parameters(on)["inpatient.deductible"]
    region.article("claims.exclusions")          # "杭州 第七十一条"

Regions are found from their files (`policy/parameters/<code>.yaml` with a `name:` line,
rules in `policy/settlement/<code>.py`): adding one edits no app.

A citation comes from the region's parameter file (`parameters:` or `articles:`); an
unknown region or key is an error (`UnknownRegion`, `UnknownParameter`), never a
fallback to another region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from .parameters import (
    REGION_ENGLISH_NAMES,
    REGION_NAMES,
    REGIONS,
    ParameterView,
    UnknownParameter,
    UnknownRegion,
    declarations,
    parameters_for,
)


@dataclass(frozen=True)
class Region:
    code: str

    @property
    def name(self) -> str:
        return REGION_NAMES[self.code]

    def parameters(self, on: dt.date, *, illustrative: bool | None = None) -> ParameterView:
        return parameters_for(self.code, on, illustrative=illustrative)

    def article(self, key: str) -> str:
        """The citation the region's file gives for `key`."""
        try:
            return declarations(self.code)[key].article
        except KeyError:
            raise UnknownParameter(self.code, key) from None

    def has(self, key: str) -> bool:
        return key in declarations(self.code)

    def illustrative(self, on: dt.date) -> bool:
        """True when values in force on `on` come from the region's illustrative set (not official)."""
        view = self.parameters(on)
        return any(view.is_illustrative(name) and view.has(name) for name in view.declared)

    def illustrative_notice(self, on: dt.date) -> str:
        """The 示例参数 notice to show beside any figure of this region, or "" when all are official."""
        if not self.illustrative(on):
            return ""
        from django.utils.translation import gettext  # a notice a person reads: in their language

        notice = gettext(
            "示例参数：%(region)s的部分政策参数取自示例参数集（%(file)s），"
            "并非官方公布数值，仅供测试与演示；据此计算的金额不能作为正式结算依据。"
        )
        return notice % {"region": display_name(self.code), "file": f"{self.code}-illustrative.yaml"}


@lru_cache(maxsize=16)
def region_of(code: str) -> Region:
    """The region of a person, institution or bill; `UnknownRegion` for a code with no file."""
    if code not in REGIONS:
        raise UnknownRegion(code)
    return Region(code)


def article(region: str, key: str) -> str:
    """Shorthand for `region_of(region).article(key)`."""
    return region_of(region).article(key)


def default_region() -> str:
    """The code of the region this deployment administers: the `POLICY_DEFAULT_REGION` setting
    (environment variable) when set, else the only region file, or the first by file name.

    No region is named in code: a deployment of one region ships one file. A setting that
    names no region file raises `UnknownRegion`.
    """
    from django.conf import settings

    code = (getattr(settings, "POLICY_DEFAULT_REGION", "") if settings.configured else "") or REGIONS[0]
    return region_of(code).code


def all_regions() -> tuple[Region, ...]:
    return tuple(region_of(code) for code in REGIONS)


def illustrative_notices(on: dt.date) -> list[str]:
    """The 示例参数 notice of every region whose values in force on `on` are illustrative."""
    return [notice for region in all_regions() if (notice := region.illustrative_notice(on))]


def region_choices() -> list[tuple[str, str]]:
    """(code, name) of every region, for a model field or form: `choices=region_choices`.

    Passed as the callable (Django 5), a model field's migration names this function, not the
    regions, so adding a region needs no migration in any app. A name is shown in the active
    language (the file's `name_en:` in English); the rules and their texts use `Region.name`.
    """
    from django.utils.functional import lazy  # display only: no rule is ever translated

    shown = lazy(display_name, str)
    return [(code, shown(code)) for code in REGIONS]


def display_name(code: str) -> str:
    """The region's name in the active language: the file's `name_en:` in English, `name:` otherwise."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en"):
        return REGION_ENGLISH_NAMES.get(code, REGION_NAMES[code])
    return REGION_NAMES[code]
