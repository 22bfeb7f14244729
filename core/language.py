"""Records are written in the agency's language, whatever language the screen that asked shows.

A settlement's lines, a reversal's and their ledger texts are the record of a business action
(DESIGN.md: the agency works in Chinese). A clerk who switched the admin to English, or a
hospital whose integration sends `Accept-Language: en`, must not store English words in them:
the services that write such records run under `settings.LANGUAGE_CODE`. What is shown is
translated at display (`policy.wording.translated`).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


def in_record_language(action):
    """Run `action` with the agency's language active (the words it stores are the record's)."""

    @functools.wraps(action)
    def run(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return action(*args, **kwargs)

    return run


class Words(str):
    """Words translated in the active language (the record's, inside `in_record_language`) that remember
    their msgid and values, so a refusal raised while a record is written can still be shown in the
    reader's language (`shown`). A plain `str` everywhere else."""

    msgid: str = ""
    values: dict | None = None

    def __mod__(self, values):
        words = Words(str.__mod__(self, values))
        words.msgid, words.values = self.msgid, values
        return words


def record_gettext(msgid: str) -> Words:
    """`gettext`, remembering the msgid (services whose refusals may be raised in the record's language)."""
    words = Words(gettext(msgid))
    words.msgid = msgid
    return words


def shown(text, value=lambda value: value) -> str:
    """`text` in the active language: `Words` rendered again from their msgid (each value through
    `value`, e.g. a translation of the rules' words); any other text as it is."""
    if not isinstance(text, Words) or not text.msgid:
        return str(text)
    rendered = gettext(text.msgid)
    if text.values is None:
        return rendered
    return rendered % {
        key: value(item) if isinstance(item, str) else item for key, item in text.values.items()
    }
