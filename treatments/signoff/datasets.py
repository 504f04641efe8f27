"""The clinical data sets a medical director signs off (decision 0019).

Each package that owns one registers it from its app's ``ready()``: screening rules,
protocols and consent text (``TreatmentsConfig``), the preparation template
(``PrecareConfig``), the aftercare template (``AftercareConfig``). Precare and aftercare
sit above booking, so booking's gate reads them through this registry, never by import.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max

from common.models import VersionedClinicData


@dataclass(frozen=True)
class DataSet:
    key: str
    label: str
    model: type[VersionedClinicData]
    #: The URL name of the page where staff read it (None: no page of its own).
    page: str | None


_DATA_SETS: dict[str, DataSet] = {}


def register(
    key: str, label: str, model: type[VersionedClinicData], page: str | None = None
) -> None:
    """Add a data set (an app's ``ready()``); registering a key again replaces it."""
    _DATA_SETS[key] = DataSet(key, label, model, page)


def data_sets() -> list[DataSet]:
    """Every registered data set; none registered is a wiring error, never "signed off"."""
    if not _DATA_SETS:
        raise RuntimeError("No clinical data sets are registered for the sign-off.")
    return list(_DATA_SETS.values())


def versions_in_force(*, clinic_id: int) -> dict[str, int]:
    """``{key: version}`` in force at the clinic, read without creating anything: the
    newest row, or 1 when there is none yet (the shipped default becomes version 1 on
    first use, ``common.versions.version_current``)."""
    result: dict[str, int] = {}
    for data_set in data_sets():
        newest = data_set.model._default_manager.filter(clinic_id=clinic_id).aggregate(
            newest=Max("version")
        )["newest"]
        result[data_set.key] = newest or 1
    return result
