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


@lru_cache(maxsize=16)
def region_of(code: str) -> Region:
    """The region of a person, institution or bill; `UnknownRegion` for a code with no file."""
    if code not in REGIONS:
        raise UnknownRegion(code)
    return Region(code)


def article(region: str, key: str) -> str:
    """Shorthand for `region_of(region).article(key)`."""
    return region_of(region).article(key)


def all_regions() -> tuple[Region, ...]:
    return tuple(region_of(code) for code in REGIONS)


def region_choices() -> list[tuple[str, str]]:
    """(code, name) of every region, for a model field or form: `choices=region_choices`.

    Passed as the callable (Django 5), a model field's migration names this function, not the
    regions, so adding a region needs no migration in any app.
    """
    return [(code, REGION_NAMES[code]) for code in REGIONS]
