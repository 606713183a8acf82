"""Sign-in for the admin and the console: Django's backend, throttled per username and address."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from chat import limits


def client_address(request):
    """The client's address as the trusted proxies report it (csbot/forwarded.py), or None."""
    return getattr(request, "META", {}).get("REMOTE_ADDR") if request is not None else None


class ThrottledModelBackend(ModelBackend):
    """Refuse a username from an address after CSBOT_LOGIN_MAX_FAILURES failures within CSBOT_LOGIN_WINDOW_S.

    The count lives in the shared Redis, so trying each instance in turn or
    waiting for a restart does not reset it. A locked sign-in is refused even
    with the right password (PermissionDenied stops Django trying other
    backends), so guessing cannot go on at the limit's pace.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.username_field_name())
        address = client_address(request)
        if limits.login_locked(username, address):
            raise PermissionDenied("too many failed sign-ins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            limits.login_failed(username, address)
        else:
            limits.login_succeeded(username, address)
        return user

    @staticmethod
    def username_field_name():
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


def throttled_login_form():
    """The admin's sign-in form, telling a locked-out user why instead of "wrong password"."""
    from django.contrib.admin.forms import AdminAuthenticationForm
    from django.core.exceptions import ValidationError

    class ThrottledAdminLoginForm(AdminAuthenticationForm):
        def clean(self):
            username = self.cleaned_data.get("username")
            if username and limits.login_locked(username, client_address(self.request)):
                raise ValidationError(
                    "Too many failed sign-ins for this account from your address. Try again later.", code="throttled"
                )
            return super().clean()

    return ThrottledAdminLoginForm
