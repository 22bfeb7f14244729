"""Refusals of a bill: each names its field, reason and article, and maps to an HTTP status."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from core.language import shown
from policy.wording import translated


class ClaimError(ValidationError):
    """A domain error: `field -> message`, plus the article and the HTTP status it maps to.

    A settlement is written in the record's language (`core.language.in_record_language`); a refusal
    raised meanwhile keeps its msgid (`core.language.Words`), and `text` and `as_dict` show it in the
    language active where it is read (the caller's)."""

    status = 422
    code_name = "refused"

    def __init__(self, field_name: str, message: str, article: str = "", *, reason: str = ""):
        self.field_name, self.message_words, self.article = field_name, message, article
        self.reason = reason or self.code_name
        super().__init__({field_name: [str(message) + (f"（{article}）" if article else "")]})

    @property
    def text(self) -> str:
        return shown(self.message_words, translated)

    def as_dict(self) -> dict:
        text = self.text
        return {
            "detail": text,
            "reason": self.reason,
            "article": self.article,
            "errors": {self.field_name: [text]},
        }


class SettlementRefused(ClaimError):
    """The bill may not be settled (not insured that day, waiting, suspended, excluded, …)."""


class NotYourInstitution(ClaimError):
    status = 403
    code_name = "institution_mismatch"


class SettlementConflict(ClaimError):
    status = 409
    code_name = "conflict"
