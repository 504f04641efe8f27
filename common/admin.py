"""Admin: the audit log, and the read-only bases every app's admin uses."""

from django.contrib import admin

from common.audit import audit_record
from common.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through the services: viewable, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedReadAdmin(ReadOnlyAdmin):
    """Client health data: superusers only, and every opened record is audited."""

    audit_object_type = ""

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            audit_record(
                actor=request.user,
                action="read",
                object_type=self.audit_object_type,
                object_id=obj.pk,
                clinic_id=obj.clinic_id,
                client_id=obj.client_id,
                channel="admin",
            )
        return super().change_view(request, object_id, form_url, extra_context)


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
