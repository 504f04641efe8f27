"""System checks for the accounts and access settings (decision 0008)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs, **kwargs) -> list[Warning]:
    """Behind a proxy with no trusted proxy counted, every client has the proxy's address."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.TRUSTED_PROXY_COUNT:
        return [
            Warning(
                "TRUSTED_PROXY_COUNT is 0 but the site runs behind a proxy "
                "(SECURE_PROXY_SSL_HEADER is set): every client shares the proxy's address, "
                "so one client's failed sign-ins lock everyone out of the address.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of Django "
                "(1 for one TLS proxy).",
                id="clinic.W001",
            )
        ]
    return []
