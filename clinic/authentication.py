"""How API callers prove who they are, and how often they may try."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from common.audit import client_ip


class LoginRateThrottle(SimpleRateThrottle):
    """Password tries per client address (the ``login`` rate), by the shared address rule."""

    scope = "login"

    def get_ident(self, request) -> str:
        return client_ip(request) or ""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
