"""Versioned clinic data: rule sets, protocols, consent texts, aftercare templates.

Each is a ``common.models.VersionedClinicData``: ``clinic``, ``version`` (unique
together) and immutable rows. The two questions every one of them asks are answered
here once: which version is current (the shipped default becomes version 1 on first
use), and how to take the next number without two publishers getting the same one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction

from common.models import VersionedClinicData

M = TypeVar("M", bound=VersionedClinicData)


def version_current(model: type[M], *, clinic: models.Model, defaults: dict[str, Any]) -> M:
    """The clinic's newest version; ``defaults`` become version 1 if there is none yet.

    Safe when two requests ask at once, also inside a caller's transaction: the insert
    runs in a savepoint, and the loser of the race reads the winner's row.
    """
    # ``_default_manager`` is ``objects`` on each concrete model; the abstract base has none.
    current = model._default_manager.filter(clinic=clinic).order_by("-version").first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return model._default_manager.create(clinic=clinic, version=1, **defaults)
    except IntegrityError:  # another request created it first
        return model._default_manager.get(clinic=clinic, version=1)


def version_lock(*, clinic: models.Model) -> None:
    """Serialise publishing per clinic, so version numbers stay consecutive.

    Call inside the publishing transaction, before reading the current version.
    """
    type(clinic)._default_manager.select_for_update().filter(pk=clinic.pk).first()
