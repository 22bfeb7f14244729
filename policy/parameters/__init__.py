"""Parameters as dated data (OpenFisca-style, smaller).

Each region has one YAML file beside this module (`<code>.yaml`, found by `_discover`):
its name, every parameter with its article, its unit and its values by effective date.

    view = parameters_for("hangzhou", date(2024, 3, 1))
    view["inpatient.deductible"]["level3"]   # Decimal("800")
    view.article("inpatient.deductible")     # "杭州 第二十八条第(一)项…"

Rules:
- Numbers with a decimal point are read as Decimal (never float); whole numbers as int.
- A parameter asked for at a date it has no value for raises `MissingParameter`, which
  names the parameter and its article. Nothing is guessed.
- The agency can add dated overrides (the `ParameterOverride` model, in the admin); an
  override wins over the file from its date on. The Django app registers a provider
  with `set_override_provider`; without one (pure tests) only the files count.
- Zhoushan's official file holds no figures. `zhoushan-illustrative.yaml` holds an
  illustrative set for tests and the demo; it is loaded only when asked for
  (`illustrative=True`), and every value from it is marked as illustrative.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


def _discover(folder: Path) -> dict[str, str]:
    """Region code → name, for every `<code>.yaml` in `folder` (its `name:` line).

    A region is its files: `<code>.yaml` here (and `<code>-illustrative.yaml` if it has one),
    and its settlement rules in `policy/settlement/<code>.py`. Nothing else names it.
    """
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.stem.endswith("-illustrative"):
            continue
        match = re.search(r"^name:[ \t]*(\S+)[ \t]*$", path.read_text(encoding="utf-8"), re.MULTILINE)
        if match is None:
            raise ValueError(f"{path.name}: 须有 name: 行（地区名称）")
        found[path.stem] = match.group(1)
    return found


def _english_names(folder: Path) -> dict[str, str]:
    """Region code → English name (the `name_en:` line), which the English pages show; a file
    without one is shown by its `name:` (tests/i18n checks the agency's regions have one)."""
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.stem.endswith("-illustrative"):
            continue
        match = re.search(r"^name_en:[ \t]*(\S.*?)[ \t]*$", path.read_text(encoding="utf-8"), re.MULTILINE)
        if match is not None:
            found[path.stem] = match.group(1)
    return found


REGION_NAMES = _discover(HERE)
REGION_ENGLISH_NAMES = _english_names(HERE)
REGIONS = tuple(REGION_NAMES)


class ParameterError(LookupError):
    """Base of the errors a parameter lookup raises; `str()` is a message a clerk can act on."""


class MissingParameter(ParameterError):
    """A declared parameter has no value on the date asked."""

    def __init__(self, region: str, name: str, article: str, on: dt.date):
        self.region, self.name, self.article, self.on = region, name, article, on
        super().__init__(
            f"{REGION_NAMES.get(region, region)}参数 {name}（{article}）在 {on.isoformat()} 没有取值："
            f"该数值尚未由经办机构设定，请在后台“政策参数调整”中按生效日期录入。"
        )


class UnknownParameter(ParameterError):
    """A parameter the region's file does not declare: a programming error, not a data gap."""

    def __init__(self, region: str, name: str):
        self.region, self.name = region, name
        super().__init__(f"{REGION_NAMES.get(region, region)}没有名为 {name} 的参数")


class UnknownRegion(ParameterError):
    def __init__(self, region: str):
        self.region = region
        super().__init__(f"未知地区 {region!r}，应为 {', '.join(REGIONS)} 之一")


# --- YAML: decimals as Decimal, never float -----------------------------------------


class _DecimalLoader(yaml.SafeLoader):
    pass


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def parse_value(text: str) -> Any:
    """Parse a value as the files do (used for overrides typed in the admin)."""
    return yaml.load(text, Loader=_DecimalLoader)


# --- Declarations --------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One declared parameter and its dated values (ascending)."""

    name: str
    article: str
    text: str
    unit: str
    dates: tuple[dt.date, ...] = ()
    values: tuple[Any, ...] = ()
    illustrative: bool = False
    # The structure of a rule the article states without a figure (which certificate kinds
    # fall in which group, from when a certificate counts): the entry's `rule:` mapping, undated.
    rule: Any = None

    def value_at(self, on: dt.date) -> tuple[bool, Any]:
        index = bisect.bisect_right(self.dates, on) - 1
        if index < 0:
            return False, None
        return True, self.values[index]


def _read_file(path: Path, *, illustrative: bool = False) -> dict[str, Parameter]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_DecimalLoader) or {}
    declared = {}
    for name, spec in (document.get("parameters") or {}).items():
        dated = sorted((spec.get("values") or {}).items())
        for effective, _value in dated:
            if not isinstance(effective, dt.date):
                raise ValueError(f"{path.name}: {name} 的生效日期 {effective!r} 不是日期")
        declared[name] = Parameter(
            name=name,
            article=spec.get("article", ""),
            text=spec.get("text", ""),
            unit=spec.get("unit", ""),
            dates=tuple(d for d, _ in dated),
            values=tuple(v for _, v in dated),
            illustrative=illustrative or bool(spec.get("illustrative", False)),
            rule=spec.get("rule"),
        )
    # `articles:` cites the article of a rule that has no figure (an exclusion list, a
    # filing rule): apps ask `view.article(key)` / `policy.regions.article(region, key)`.
    for name, spec in (document.get("articles") or {}).items():
        if name in declared:
            raise ValueError(f"{path.name}: {name} 既是参数又是条款引用")
        spec = spec if isinstance(spec, dict) else {"article": spec}
        declared[name] = Parameter(
            name=name,
            article=spec["article"],
            text=spec.get("text", ""),
            unit="article",
            rule=spec.get("rule"),
        )
    return declared


@lru_cache(maxsize=8)
def declarations(region: str, illustrative: bool = False) -> dict[str, Parameter]:
    """The region's declared parameters; with `illustrative`, the illustrative values fill the blanks."""
    if region not in REGIONS:
        raise UnknownRegion(region)
    declared = _read_file(HERE / f"{region}.yaml")
    extra = HERE / f"{region}-illustrative.yaml"
    if illustrative and extra.exists():
        for name, parameter in _read_file(extra, illustrative=True).items():
            if name not in declared:
                raise ValueError(f"{extra.name}: {name} 未在 {region}.yaml 中声明")
            base = declared[name]
            if base.dates:  # an official value stays official
                continue
            declared[name] = Parameter(
                name=name,
                article=base.article,
                text=base.text,
                unit=base.unit,
                dates=parameter.dates,
                values=parameter.values,
                illustrative=True,
                rule=base.rule,
            )
    return declared


# --- Overrides -----------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A dated value set by the agency; wins over the file from `effective_from` on."""

    name: str
    effective_from: dt.date
    value: Any


OverrideProvider = Callable[[str], Iterable[Override]]
_override_provider: OverrideProvider | None = None


def set_override_provider(provider: OverrideProvider | None) -> None:
    """Register where overrides come from (the Django app does this at start-up)."""
    global _override_provider
    _override_provider = provider


def _overrides_for(region: str) -> dict[str, list[Override]]:
    if _override_provider is None:
        return {}
    grouped: dict[str, list[Override]] = {}
    for override in _override_provider(region):
        grouped.setdefault(override.name, []).append(override)
    for items in grouped.values():
        items.sort(key=lambda o: o.effective_from)
    return grouped


# --- Views ---------------------------------------------------------------------------


@dataclass(eq=False)
class ParameterView:
    """The values of one region's parameters on one date. Cheap to make; lookups are cached.

    Equal only to itself (and hashed by identity), so rules can memoise what they derive from a view.
    """

    region: str
    on: dt.date
    declared: dict[str, Parameter]
    overrides: dict[str, list[Override]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            pass
        value = self._resolve(name)
        self._cache[name] = value
        return value

    def _resolve(self, name: str) -> Any:
        parameter = self.parameter(name)
        applicable = [o for o in self.overrides.get(name, ()) if o.effective_from <= self.on]
        if applicable:
            return applicable[-1].value
        found, value = parameter.value_at(self.on)
        if not found:
            raise MissingParameter(self.region, name, parameter.article, self.on)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except MissingParameter:
            return default

    def parameter(self, name: str) -> Parameter:
        try:
            return self.declared[name]
        except KeyError:
            raise UnknownParameter(self.region, name)

    def article(self, name: str) -> str:
        try:
            return self.declared[name].article
        except KeyError:
            raise UnknownParameter(self.region, name) from None

    def is_illustrative(self, name: str) -> bool:
        """True when the value in force comes from the illustrative set (not official, not an override)."""
        if any(o.effective_from <= self.on for o in self.overrides.get(name, ())):
            return False
        return self.parameter(name).illustrative

    def has(self, name: str) -> bool:
        return self.get(name, _ABSENT) is not _ABSENT

    def declares(self, name: str) -> bool:
        """Whether the region's file declares `name`: a rule its measures have (set or not yet)."""
        return name in self.declared


_ABSENT = object()


def parameters_for(
    region: str, on: dt.date, *, illustrative: bool | None = None, draft: Iterable[Override] = ()
) -> ParameterView:
    """The parameter view of `region` on date `on`, overrides included.

    `illustrative=None` follows the deployment setting (the Django app sets it through
    `set_illustrative_default`); tests pass True to use Zhoushan's illustrative set.
    `draft` adds a reform study's overrides on top of the agency's (杭州 art. 33); they win a tie.
    """
    if illustrative is None:
        illustrative = _illustrative_default
    overrides = _overrides_for(region)
    if draft:
        overrides = {name: list(items) for name, items in overrides.items()}
        for override in draft:
            overrides.setdefault(override.name, []).append(override)
        for items in overrides.values():
            items.sort(key=lambda o: o.effective_from)
    return ParameterView(region, on, declarations(region, illustrative), overrides)


_illustrative_default = False


def set_illustrative_default(value: bool) -> None:
    global _illustrative_default
    _illustrative_default = bool(value)
