"""Admin registration for the treatment packages (each package keeps its own admin)."""

from treatments.consent import admin as consent_admin
from treatments.plans import admin as plans_admin
from treatments.records import admin as records_admin
from treatments.screening import admin as screening_admin

__all__ = ["consent_admin", "plans_admin", "records_admin", "screening_admin"]
