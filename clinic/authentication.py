"""How API callers prove who they are, and how often they may try."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.throttling import SimpleRateThrottle

from common.audit import client_ip


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``: a knox token, one per sign-in, stored as a hash,
    refused once expired or revoked (decision 0008)."""


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema keeps the security scheme's name (``tokenAuth``) and description."""

    target_class = "clinic.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )


class LoginRateThrottle(SimpleRateThrottle):
    """Password tries per client address (the ``login`` rate), by the shared address rule."""

    scope = "login"

    def get_ident(self, request) -> str:
        return client_ip(request) or ""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
