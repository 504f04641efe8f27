"""The single DRF exception handler: every error leaves the API in one JSON shape.

``{"code": "<machine_code>", "detail": "<human sentence>", "fields": {...}}`` with
``fields`` only for validation errors (see the API contract).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import ApplicationError

logger = logging.getLogger(__name__)


def _flatten(detail: object, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"field.sub": [messages]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) and isinstance(value, list) and prefix:
                # A list of scalars (e.g. skin_concerns): report under the field itself.
                out.setdefault(prefix, []).extend(f"Item {key + 1}: {m}" for m in value)
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for k, v in _flatten(item, name).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def error_body(
    code: str, detail: str, fields: dict[str, list[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if fields is not None:
        body["fields"] = fields
    body.update(extra)
    return body


#: The answer to an error no view explained (routing, Django's own refusals, a crash).
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be read."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You may not do that."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("request_too_large", "The request body is too large."),
    429: ("throttled", "Too many requests; try again later."),
    500: ("server_error", "Something went wrong; it was recorded."),
}


def status_error_body(status_code: int) -> dict[str, Any]:
    """The API's error body for a bare HTTP status (``error`` for one not listed)."""
    code, detail = STATUS_ERRORS.get(
        status_code,
        ("error", "The request failed." if status_code < 500 else STATUS_ERRORS[500][1]),
    )
    return error_body(code, detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, IntegrityError):
        from common.integrity import constraint_refusal

        refusal = constraint_refusal(exc)
        if refusal is None:
            return None  # not caused by input we can name: a 500, logged
        logger.info("Constraint refused the input: %s", exc)
        exc = refusal
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.detail, exc.fields, **exc.extra), status=exc.status_code
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            fields = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(
            error_body("invalid", "The request has invalid fields.", fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if not isinstance(exc, exceptions.APIException):  # DRF answers no other exception
        return response

    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "invalid", "The request has invalid fields.", _flatten(exc.detail)
        )
        return response

    detail = exc.detail
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    if isinstance(detail, list | dict):
        response.data = error_body(code, str(exc.default_detail), _flatten(detail))
    else:
        response.data = error_body(code, str(detail))
    return response
