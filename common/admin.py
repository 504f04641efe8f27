"""Admin: the audit log (append-only, so read-only here)."""

from django.contrib import admin

from common.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_email",
        "action",
        "object_type",
        "object_id",
        "client_id",
        "channel",
    )
    list_filter = ("action", "object_type", "channel")
    search_fields = ("actor_email", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
