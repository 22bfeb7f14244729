"""Chinese for everyone unless they chose otherwise.

The agency works in Chinese (DESIGN.md): a clerk's or insured person's browser set to
English must not turn the admin or the portal English by itself. English is offered by
the language switch (`/i18n/setlang/`), which sets the language cookie; only that cookie
changes the language. Django's LocaleMiddleware would also follow Accept-Language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class ChosenLanguageMiddleware(MiddlewareMixin):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
