"""Deployment checks of csbot's own settings, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def dev_login_off(app_configs, **kwargs):
    """Warn when sign-in by bare openid is on: anyone could then sign in as any customer."""
    if settings.CSBOT_DEV_LOGIN and not settings.DEBUG:
        return [Warning(
            "CSBOT_DEV_LOGIN is on: anyone can sign in as any customer by openid.",
            hint="Unset CSBOT_DEV_LOGIN in production; it is meant for development and load tests.",
            id="csbot.W001",
        )]
    return []


@register(Tags.security, deploy=True)
def proxy_header_needs_proxies(app_configs, **kwargs):
    """Warn when the TLS header is believed but no proxy is listed to strip it from everyone else."""
    if settings.SECURE_PROXY_SSL_HEADER and not settings.CSBOT_TRUSTED_PROXIES:
        return [Warning(
            "SECURE_PROXY_SSL_HEADER is set but CSBOT_TRUSTED_PROXIES is empty.",
            hint="List the proxies' addresses in CSBOT_TRUSTED_PROXIES; the forwarding headers of any other peer are dropped.",
            id="csbot.W002",
        )]
    return []
