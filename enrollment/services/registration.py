"""Registering a person (identity checked) or an employer."""

from __future__ import annotations

import logging

from django.db import transaction

from core.identity import mask_id_number

from ..models import Employer, Person
from .errors import _refuse

# The logger keeps the package's name: log records read "enrollment.services" as before the split.
log = logging.getLogger("enrollment.services")


@transaction.atomic
def register_person(**fields) -> Person:
    """Register a person after validating identity (GB 11643; permits per 杭州 art. 105)."""
    person = Person(**fields)
    person.full_clean()
    if Person.objects.filter(id_number=person.id_number).exists():
        _refuse("id_number", f"证件号码 {mask_id_number(person.id_number)} 已登记")
    person.save()
    log.info("person registered: %s", mask_id_number(person.id_number))
    return person


@transaction.atomic
def register_employer(*, name: str, credit_code: str, district: str, region: str | None = None) -> Employer:
    employer = Employer(name=name, credit_code=credit_code, district=district)
    if region:
        employer.region = region
    employer.full_clean()
    employer.save()
    return employer
