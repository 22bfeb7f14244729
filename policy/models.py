"""Dated parameter overrides the agency enters in the admin (政策参数调整).

The YAML files hold the parameters the measures set; an override sets a declared
parameter's value from a date on (Zhoushan's blanks, next year's published figures,
a changed rate). `policy.parameters` reads them through the provider registered in
`PolicyConfig.ready()`: `override_provider` below, cached per process and invalidated
on save/delete (and, across processes, through a generation number in Django's cache).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policy.parameters import REGION_NAMES, REGIONS, Override, declarations, parse_value
from policy.regions import region_choices


def _check_value(value, path: str = "") -> None:
    """Refuse floats (they cannot carry an exact amount) and non-finite numbers anywhere in a value."""
    where = f"（{path}）" if path else ""
    if isinstance(value, float):
        raise ValidationError(_("不接受浮点数%(where)s") % {"where": where})
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValidationError(_("不是有限的数值%(where)s") % {"where": where})
    if isinstance(value, dict):
        for key, item in value.items():
            _check_value(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]")


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list):
        return "list"
    if isinstance(value, (dt.date, str)):
        return type(value).__name__
    return "other"


KIND_NAMES = {"bool": "真/假", "number": "数值", "table": "表", "list": "列表", "date": "日期", "str": "文本"}


def _kind_from_unit(unit: str) -> str | None:
    """The kind a parameter's unit implies, for parameters with no value in the file to compare with."""
    if not unit or " by " in unit or unit.startswith(("month-day", "months of")):
        return None  # tables and lists: shape checked against the illustrative set where there is one
    if unit == "rule":
        return "bool"
    if unit == "date":
        return "date"
    return "number"  # yuan, ratio, months, years, days, natural month


def _check_shape(value, reference) -> None:
    """An override has the shape of the file's values (same kind; a table the same keys)."""
    if _kind(value) != _kind(reference):
        raise ValidationError(
            _("取值类型应为%(kind)s，与参数文件一致")
            % {"kind": KIND_NAMES.get(_kind(reference), _kind(reference))}
        )
    if isinstance(reference, dict):
        missing = sorted(set(map(str, reference)) - set(map(str, value)))
        extra = sorted(set(map(str, value)) - set(map(str, reference)))
        if missing or extra:
            raise ValidationError(
                _("表的键应与参数文件一致：缺少 %(missing)s；多出 %(extra)s")
                % {"missing": ", ".join(missing) or "无", "extra": ", ".join(extra) or "无"}
            )
        for key, item in value.items():
            _check_shape(item, reference[key])


class ParameterOverride(models.Model):
    """A value for a declared parameter, in force from `effective_from` on (wins over the file)."""

    region = models.CharField(_("地区"), max_length=16, choices=region_choices(), db_index=True)
    name = models.CharField(
        _("参数名"), max_length=100, help_text=_("参数文件中声明的参数名，如 provincial_average_monthly_wage")
    )
    effective_from = models.DateField(_("生效日期"))
    value = models.TextField(
        _("取值"),
        help_text=_(
            "按参数文件的写法：数值如 7000 或 0.095（小数按精确小数读取），表如 {active: 400, retired: 200}"
        ),
    )
    note = models.TextField(_("依据与说明"), help_text=_("发文或公布数的出处、条款"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策参数调整")
        verbose_name_plural = _("政策参数调整")
        ordering = ["region", "name", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name", "effective_from"], name="policy_override_unique_date"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(region)s %(name)s 自 %(since)s") % {
            "region": self.get_region_display(),
            "name": self.name,
            "since": self.effective_from,
        }

    def save(self, *args, **kwargs):
        self.full_clean()
        super().save(*args, **kwargs)

    @property
    def parsed_value(self):
        return parse_value(self.value)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        parameter = None
        if self.region in REGIONS and self.name:
            parameter = declarations(self.region).get(self.name)
            if parameter is None:
                errors["name"] = [
                    _("%(region)s参数文件没有声明参数 %(name)s")
                    % {"region": REGION_NAMES[self.region], "name": self.name}
                ]
        if self.value is not None and self.value.strip():
            try:
                parsed = parse_value(self.value)
                if parsed is None:
                    raise ValidationError(_("取值不能为空"))
                _check_value(parsed)
                # Zhoushan's official file has no values: its illustrative set shows the shape
                shaped = declarations(self.region, True).get(self.name) if parameter is not None else None
                reference = shaped.values[-1] if shaped is not None and shaped.values else None
                if reference is not None:
                    _check_shape(parsed, reference)
                elif parameter is not None and _kind_from_unit(parameter.unit) not in (None, _kind(parsed)):
                    kind = _kind_from_unit(parameter.unit)
                    raise ValidationError(
                        _("取值类型应为%(kind)s（单位：%(unit)s）")
                        % {"kind": KIND_NAMES.get(kind or "", kind), "unit": parameter.unit}
                    )
            except ValidationError as error:
                errors["value"] = error.messages
            except Exception as error:  # YAML syntax or a number Decimal cannot read
                errors["value"] = [_("无法解析取值：%(error)s") % {"error": str(error).splitlines()[0]}]
        if errors:
            raise ValidationError(errors)

    def as_override(self) -> Override:
        return Override(self.name, self.effective_from, self.parsed_value)


# --- the provider policy.parameters reads ------------------------------------------

GENERATION_KEY = "policy:overrides:generation"
CHECK_EVERY_SECONDS = 2.0

_lock = threading.Lock()
_cache: dict[str, tuple[Override, ...]] = {}
# "uncommitted": (connection, its outermost atomic block) of a transaction that wrote overrides
# and has not committed yet, or None
_state: dict[str, Any] = {"generation": None, "checked_at": 0.0, "uncommitted": None}


def _shared_generation():
    from django.core.cache import cache

    try:
        return cache.get(GENERATION_KEY)
    except Exception:  # the shared cache (Redis) down: fall back to this process's signals
        return None


def _bump_shared_generation() -> None:
    from django.core.cache import cache

    try:
        cache.set(GENERATION_KEY, time.time_ns(), None)
    except Exception:
        pass


def clear_override_cache(**_kwargs) -> None:
    """Drop the cached overrides of this process (signals, and after a test flush via post_migrate)."""
    with _lock:
        _cache.clear()
        _state["checked_at"] = 0.0


def overrides_changed(**_kwargs) -> None:
    """A ParameterOverride was saved or deleted: invalidate now, and everywhere once committed."""
    clear_override_cache()
    writer = transaction.get_connection()
    if writer.in_atomic_block:
        _state["uncommitted"] = (writer, writer.atomic_blocks[0])

    def committed():
        _state["uncommitted"] = None
        clear_override_cache()
        _bump_shared_generation()

    transaction.on_commit(committed)


def _load(region: str) -> tuple[Override, ...]:
    return tuple(
        row.as_override()
        for row in ParameterOverride.objects.filter(region=region).order_by("effective_from")
    )


def override_provider(region: str) -> tuple[Override, ...]:
    """The region's overrides, from this process's cache when it is current.

    Inside a transaction that wrote overrides and has not committed, the rows are read
    afresh (and not cached), so a rollback leaves nothing behind; other connections cannot
    see those rows and keep using the cache. Once that transaction is over (committed, or
    rolled back, which Django does not signal) the next lookup forgets it. Where no database
    access is possible (pure unit tests under pytest-django's blocker), only the files count.
    """
    if _state["uncommitted"] is not None:
        writer, block = _state["uncommitted"]
        if not (writer.atomic_blocks and writer.atomic_blocks[0] is block):
            _state["uncommitted"] = None  # that transaction is over
            clear_override_cache()
        elif writer is transaction.get_connection():  # it is this one: read what it wrote
            try:
                return _load(region)
            except RuntimeError:
                return ()
    now = time.monotonic()
    if now - _state["checked_at"] > CHECK_EVERY_SECONDS:
        generation = _shared_generation()
        with _lock:
            if generation != _state["generation"]:
                _cache.clear()
                _state["generation"] = generation
            _state["checked_at"] = now
    try:
        return _cache[region]
    except KeyError:
        pass
    try:
        loaded = _load(region)
    except RuntimeError:  # database access not allowed here: the files only, nothing cached
        return ()
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        # the table does not exist yet (before `migrate`): the files only, nothing cached
        if ParameterOverride._meta.db_table not in connection.introspection.table_names():
            return ()
        raise
    with _lock:
        _cache[region] = loaded
    return loaded
