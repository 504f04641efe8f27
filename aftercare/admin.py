"""Admin: aftercare templates and schedules, read-only."""

from __future__ import annotations

from django.contrib import admin

from aftercare.models import AftercareSchedule, AftercareTemplate
from common.admin_base import ReadOnlyAdmin


@admin.register(AftercareTemplate)
class AftercareTemplateAdmin(ReadOnlyAdmin):
    list_display = ("clinic", "version", "note", "published_at", "published_by")
    list_filter = ("clinic",)
    list_select_related = ("clinic", "published_by")


@admin.register(AftercareSchedule)
class AftercareScheduleAdmin(ReadOnlyAdmin):
    list_display = ("session", "clinic", "client", "ended_at", "timezone", "cancelled_at")
    list_filter = ("clinic",)
    list_select_related = ("clinic", "client", "session")
    exclude = ("pdf_file",)  # never linked: the file is private, staff download it checked
