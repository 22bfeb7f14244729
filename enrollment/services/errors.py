"""The refusal every enrolment action raises: a dict of field -> message (with the article)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class EnrolmentError(ValidationError):
    """A refused enrolment action: a dict of field -> message (with the article)."""


def _refuse(field: str, message: str):
    raise EnrolmentError({field: [message]})
