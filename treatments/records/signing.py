"""The one call from records up to a higher package: signing starts the aftercare.

Signing a session must schedule its aftercare in the same transaction (a signed session
with no aftercare, or aftercare for an unsigned one, must never commit). Aftercare sits
above records, so records cannot import it. Instead the aftercare app hands its handler
to :func:`on_session_signed` when Django loads it (``AftercareConfig.ready``), and
``session_sign`` calls :func:`session_signed` inside its transaction. There is exactly one
handler; signing with none registered is an error, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from treatments.records.models import TreatmentSession

#: Called with the locked, just-signed session, inside the signing transaction.
SessionSignedHandler = Callable[["TreatmentSession"], None]

_handler: SessionSignedHandler | None = None


def on_session_signed(handler: SessionSignedHandler) -> None:
    """Register what signing a session starts (the aftercare app does, once)."""
    global _handler
    _handler = handler


def session_signed(session: TreatmentSession) -> None:
    """Run the registered handler; raise if there is none."""
    if _handler is None:
        raise ImproperlyConfigured(
            "Nothing handles signed sessions: is the aftercare app installed and loaded?"
        )
    _handler(session)
