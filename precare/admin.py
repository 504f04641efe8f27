"""Admin: preparation templates and schedules, read-only."""

from __future__ import annotations

from django.contrib import admin

from common.admin_base import AuditedReadAdmin, ReadOnlyAdmin
from precare.models import PrecareSchedule, PrecareTemplate


@admin.register(PrecareTemplate)
class PrecareTemplateAdmin(ReadOnlyAdmin):
    list_display = ("clinic", "version", "note", "published_at", "published_by")
    list_filter = ("clinic",)
    list_select_related = ("clinic", "published_by")


@admin.register(PrecareSchedule)
class PrecareScheduleAdmin(AuditedReadAdmin):
    """A client's appointment and its preparation: superusers only, each opening audited."""

    audit_object_type = "precare_schedule"
    list_display = ("appointment", "clinic", "client", "start", "timezone", "cancelled_at")
    list_filter = ("clinic",)
    list_select_related = ("clinic", "client", "appointment")
    exclude = ("pdf_file",)  # never linked: the file is private, staff download it checked
