"""Read-only admin bases for rows that change only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from common.audit import audit_record


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through the services: viewable, never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class AuditedReadAdmin(ReadOnlyAdmin):
    """Client health data: superusers only, and every opened record is audited."""

    audit_object_type = ""

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

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
                object_type=self.audit_object_type,
                object_id=obj.pk,
                clinic_id=obj.clinic_id,
                client_id=obj.client_id,
                channel="admin",
            )
        return super().change_view(request, object_id, form_url, extra_context)
