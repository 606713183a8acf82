"""Which language staff read: the one in their profile, else their browser's, else the site's default."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import trans_real

from .models import AgentProfile


def profile_language(user):
    """Return the language the user chose in their agent profile, or ""."""
    if not (user and user.is_authenticated):
        return ""
    chosen = AgentProfile.objects.filter(user=user).values_list("language", flat=True).first() or ""
    return chosen if chosen in dict(settings.LANGUAGES) else ""


def browser_language(accept_language):
    """Return the site language that best fits an Accept-Language header, else the default."""
    for code, _ in trans_real.parse_accept_lang_header(accept_language or ""):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def language_for(user, accept_language):
    """Return the language to speak to this user: profile, browser, then the site's default."""
    return profile_language(user) or browser_language(accept_language)


class ProfileLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with a signed-in agent's chosen language first."""

    def process_request(self, request):
        chosen = profile_language(getattr(request, "user", None))
        if not chosen:
            return super().process_request(request)
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
