from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers


class DutchFirstLocaleMiddleware:
    """Dutch unless the user picked another language (language cookie set by set_language).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a teacher with
    an English browser would get an English portal; the school's language comes first here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


# Powerful browser features no page of the portal uses: switched off for every page, so that
# injected or third-party code could not use them either.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb",
))


class PrivacyHeadersMiddleware:
    """Headers Django and django-csp do not set.

    - Permissions-Policy on every response.
    - Cache-Control "private, no-store" on every response to a logged-in user: the pages
      hold student data, which a shared proxy must never keep and a shared school computer
      should not show again from its cache after logging out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
