"""Request serializers that refuse what the contract does not name (issue 11).

DRF ignores a body key no field declares; a write endpoint that stores its request (a settlement's
`request`) would then keep `is_superuser`, `status` or `total` verbatim. `RefuseUnknownFields`
answers 400 naming each unknown key instead, before any field is validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

UNKNOWN_FIELD = _("未知字段")


def unknown_fields(data: Mapping, known: Iterable[str]) -> list[str]:
    """The keys of `data` outside `known`, sorted (as text: a JSON key is always a string)."""
    return sorted(str(name) for name in set(data) - set(known))


class RefuseUnknownFields:
    """Mixin for a request serializer (first base): an unknown key in the body is a 400 naming it."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = unknown_fields(data, self.fields)
            if unknown:
                raise serializers.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2026-01"})
class MonthField(serializers.DateField):
    """A month answered as `YYYY-MM` (the first of the month stored); the schema says so, not `date`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m")
        super().__init__(**kwargs)
