"""The API's only request parser: JSON, with its nesting depth checked before it is parsed.

`json.loads` recurses once per level: 5,000 nested brackets end in RecursionError (a 500).
Here the raw bytes are scanned first (outside strings) and a body nested deeper than
settings.API_JSON_MAX_DEPTH is a 400 naming the limit. Being the only parser also makes the
schema advertise JSON request bodies only (no form or multipart bodies that would not work).

A string with a NUL character (`\u0000`) or half a surrogate pair (`\ud800`) parses as JSON but
cannot be stored: PostgreSQL refuses both (DataError, UnicodeEncodeError: a 500 wherever the text
reached a query). Such a body is a 400 naming where the string is (`records[0].id`).
"""

import codecs
import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

DEFAULT_MAX_DEPTH = 32


def nesting_depth(data: bytes, limit: int) -> int:
    """The deepest bracket nesting of a JSON text, counted up to `limit` + 1 (strings skipped)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return 0  # cannot be deeper than the limit: the common case costs two C scans
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        limit = getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)
        if nesting_depth(raw, limit) > limit:
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels")
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}")
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}")
        if _MAYBE_UNSTORABLE(text) and (where := unstorable_text(data)) is not None:
            raise ValidationError(
                {where or "body": ["不得包含 NUL 字符（\\u0000）或不成对的代理字符（\\ud800–\\udfff）"]}
            )
        return data


# the escapes that can yield an unstorable character (a raw NUL or surrogate is not valid JSON / UTF-8)
_MAYBE_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])").search
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]").search


def unstorable_text(data, path: str = "") -> str | None:
    """Where in parsed JSON a key or string holds a NUL or a lone surrogate ("" for the top), or None."""
    if isinstance(data, str):
        return path if _UNSTORABLE(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else key
            if _UNSTORABLE(key):
                return path or "body"
            if (found := unstorable_text(value, here)) is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if (found := unstorable_text(value, f"{path}[{index}]")) is not None:
                return found
    return None


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")
