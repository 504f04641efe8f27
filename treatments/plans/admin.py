"""Admin: protocol versions and treatment plans, read-only (openings audited)."""

from __future__ import annotations

from django.contrib import admin

from common.admin_base import AuditedReadAdmin, ReadOnlyAdmin
from treatments.plans.models import ProtocolSet, TreatmentPlan


@admin.register(ProtocolSet)
class ProtocolSetAdmin(ReadOnlyAdmin):
    list_display = ("clinic", "version", "published_at", "published_by", "note")
    list_filter = ("clinic",)


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(AuditedReadAdmin):
    audit_object_type = "treatment_plan"
    list_display = ("client", "clinic", "indication", "planned_sessions", "status", "created_at")
    list_filter = ("clinic", "indication", "status")
    list_select_related = ("client", "clinic")
