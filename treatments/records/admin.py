"""Admin: session records, read-only (openings audited)."""

from __future__ import annotations

from django.contrib import admin

from common.admin_base import AuditedReadAdmin
from treatments.records.models import (
    SessionAmendment,
    SessionArea,
    SessionProduct,
    TreatmentSession,
)


class SessionAreaInline(admin.TabularInline):
    model = SessionArea
    extra = 0
    can_delete = False


class SessionProductInline(admin.TabularInline):
    model = SessionProduct
    extra = 0
    can_delete = False


class SessionAmendmentInline(admin.StackedInline):
    model = SessionAmendment
    extra = 0
    can_delete = False


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(AuditedReadAdmin):
    audit_object_type = "treatment_session"
    list_display = ("client", "clinic", "started_at", "status", "cartridge_lot", "device_serial")
    list_filter = ("clinic", "status")
    list_select_related = ("client", "clinic")
    search_fields = ("cartridge_lot", "device_serial")
    inlines = [SessionAreaInline, SessionProductInline, SessionAmendmentInline]
