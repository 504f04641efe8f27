"""Admin: consent texts and signed consents, read-only (openings audited)."""

from __future__ import annotations

from django.contrib import admin

from common.admin_base import AuditedReadAdmin, ReadOnlyAdmin
from treatments.consent.models import Consent, ConsentText


@admin.register(ConsentText)
class ConsentTextAdmin(ReadOnlyAdmin):
    list_display = ("clinic", "version", "title", "published_at", "published_by")
    list_filter = ("clinic",)


@admin.register(Consent)
class ConsentAdmin(AuditedReadAdmin):
    audit_object_type = "consent"
    list_display = ("client", "clinic", "text", "signed_at", "witnessed_by")
    list_filter = ("clinic",)
    list_select_related = ("client", "clinic", "text")
    exclude = ("signature_png",)
