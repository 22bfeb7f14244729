"""Chinese for everyone unless they chose otherwise.

The agency works in Chinese (DESIGN.md): a clerk's or insured person's browser set to
English must not turn the admin or the portal English by itself. English is offered by
the language switch (`/i18n/setlang/`), which sets the language cookie; only that cookie
changes the language of a page. Django's LocaleMiddleware would also follow Accept-Language.

An API client has no switch: under /api/ an Accept-Language header naming a supported
language chooses it (the cookie still wins), and a refusal (4xx) is answered in that
language, the rules' computed words and articles included (`policy.wording.translated_data`), as
the trial settlements are. A settlement's answer is its record and stays as stored.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import trans_real

from policy.wording import translated_data

API = "/api/"


def _accepted(header: str) -> str | None:
    """The first supported language an Accept-Language header names, in its order of preference
    (Django's own header parser and language matching)."""
    for tag, quality in trans_real.parse_accept_lang_header(header):
        if tag == "*" or quality <= 0:  # q=0: "not acceptable"
            continue
        try:
            return translation.get_supported_language_variant(tag)
        except LookupError:
            continue
    return None


class ChosenLanguageMiddleware(MiddlewareMixin):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        if chosen not in supported and request.path.startswith(API):
            chosen = _accepted(request.headers.get("Accept-Language", ""))
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_template_response(self, request, response):
        """An API refusal's body (DRF Response, not rendered yet) in the caller's language."""
        if (
            request.path.startswith(API)
            and response.status_code >= 400
            and getattr(response, "data", None) is not None
            and not translation.get_language().startswith("zh")
        ):
            response.data = translated_data(response.data)
        return response

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        if request.path.startswith(API):
            patch_vary_headers(response, ("Accept-Language",))
        return response
