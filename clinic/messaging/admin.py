"""Admin: outgoing messages and their delivery attempts, read-only.

Changes go through the services (the outbox API resends a failed message), so the
admin never edits a row a worker may be sending.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from clinic.messaging.models import MessageAttempt, OutgoingMessage, Unsubscription
from common.admin_base import ReadOnlyAdmin
from common.audit import audit_record


class MessageAttemptInline(admin.TabularInline):
    model = MessageAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "finished_at", "outcome", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "clinic", "client", "kind", "status", "due_at", "attempts", "sent_at")
    list_filter = ("status", "kind", "clinic")
    list_select_related = ("clinic", "client")
    search_fields = ("dedupe_key", "smtp_message_id")
    date_hierarchy = "due_at"
    ordering = ("-due_at", "-id")
    inlines = [MessageAttemptInline]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None:
            audit_record(
                actor=request.user,
                action="read",
                object_type="outgoing_message",
                object_id=obj.pk,
                clinic_id=obj.clinic_id,
                client_id=obj.client_id,
                channel="admin",
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Unsubscription)
class UnsubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("client", "kind", "created_at")
    list_filter = ("kind",)
    list_select_related = ("client",)
