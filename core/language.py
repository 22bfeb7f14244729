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


def in_record_language(action):
    """Run `action` with the agency's language active (the words it stores are the record's)."""

    @functools.wraps(action)
    def run(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return action(*args, **kwargs)

    return run
