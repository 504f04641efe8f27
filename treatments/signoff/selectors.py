"""Is the clinic's clinical data in force signed off? (decision 0019)"""

from __future__ import annotations

from dataclasses import dataclass, field

from clinic.models import Clinic
from treatments.signoff.datasets import DataSet, data_sets, versions_in_force
from treatments.signoff.models import ClinicalSignOff

SIGN_OFF_PATH = "/clinic/sign-off/"


@dataclass(frozen=True)
class SignOffStatus:
    in_force: dict[str, int]
    latest: ClinicalSignOff | None
    #: Data sets whose version in force the latest sign-off does not cover.
    changed: list[DataSet] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return self.latest is not None and not self.changed

    @property
    def reason(self) -> str:
        """Why treatments cannot be booked; empty when covered."""
        if self.covered:
            return ""
        if self.latest is None:
            return (
                "Treatments cannot be booked yet: the clinic's medical director has not "
                "signed off the clinical data (screening rules, protocols, consent, "
                "aftercare and preparation) on the clinical sign-off page."
            )
        names = ", ".join(d.label.lower() for d in self.changed)
        return (
            f"Treatments cannot be booked: a new version of the {names} needs the medical "
            "director's sign-off on the clinical sign-off page."
        )


def sign_off_status(*, clinic: Clinic | int) -> SignOffStatus:
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    in_force = versions_in_force(clinic_id=clinic_id)
    latest = ClinicalSignOff.objects.filter(clinic_id=clinic_id).order_by("-id").first()
    changed = []
    if latest is not None:
        changed = [d for d in data_sets() if latest.versions.get(d.key) != in_force[d.key]]
    return SignOffStatus(in_force=in_force, latest=latest, changed=changed)


def sign_off_history(*, clinic: Clinic) -> list[ClinicalSignOff]:
    return list(
        ClinicalSignOff.objects.filter(clinic=clinic)
        .select_related("signed_by")
        .order_by("-id")[:50]
    )
