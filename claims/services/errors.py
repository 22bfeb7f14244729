"""Refusals of a bill: each names its field, reason and article, and maps to an HTTP status."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ClaimError(ValidationError):
    """A domain error: `field -> message`, plus the article and the HTTP status it maps to."""

    status = 422
    code_name = "refused"

    def __init__(self, field_name: str, message: str, article: str = "", *, reason: str = ""):
        self.field_name, self.text, self.article = field_name, str(message), article
        self.reason = reason or self.code_name
        super().__init__({field_name: [self.text + (f"（{article}）" if article else "")]})

    def as_dict(self) -> dict:
        return {
            "detail": self.text,
            "reason": self.reason,
            "article": self.article,
            "errors": {self.field_name: [self.text]},
        }


class SettlementRefused(ClaimError):
    """The bill may not be settled (not insured that day, waiting, suspended, excluded, …)."""


class NotYourInstitution(ClaimError):
    status = 403
    code_name = "institution_mismatch"


class SettlementConflict(ClaimError):
    status = 409
    code_name = "conflict"
