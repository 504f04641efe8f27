"""Admin: rule-set versions are read-only; "add" publishes the next version."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from common.audit import audit_record
from common.errors import ApplicationError

from . import services
from .models import (
    Consent,
    ConsentText,
    ProtocolSet,
    RuleSet,
    Screening,
    ScreeningReview,
    SessionAmendment,
    SessionArea,
    SessionProduct,
    TreatmentPlan,
    TreatmentSession,
)


class PublishRuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["clinic", "data", "note"]
        help_texts = {
            "data": "Copy the current version's data, change what the medical director "
            "decided, and publish. The current version stays as it is."
        }

    def clean(self):
        cleaned = super().clean()
        clinic, data, note = cleaned.get("clinic"), cleaned.get("data"), cleaned.get("note", "")
        if clinic is None or not isinstance(data, dict):
            return cleaned
        from . import rules

        errors = rules.validate_rule_set_data(data)
        if errors:
            raise ValidationError(
                {"data": [f"{key}: {msg}" for key, msgs in errors.items() for msg in msgs]}
            )
        if not note.strip():
            raise ValidationError({"note": "Describe the change."})
        return cleaned


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("clinic", "version", "published_at", "published_by", "note")
    list_filter = ("clinic",)
    readonly_fields = ("clinic", "version", "data", "note", "published_at", "published_by")
    form = PublishRuleSetForm

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            published = services.rule_set_publish(
                clinic=obj.clinic, actor=request.user, data=obj.data, note=obj.note
            )
        except ApplicationError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
            raise
        obj.pk = published.pk
        obj.version = published.version


class ReviewInline(admin.StackedInline):
    model = ScreeningReview
    can_delete = False
    extra = 0
    readonly_fields = ("reviewed_by", "reviewed_at", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ("client", "clinic", "taken_at", "planned_date", "outcome")
    list_filter = ("clinic", "outcome")
    inlines = [ReviewInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


# --- Protocols, plans, sessions, consent: read-only here --------------------------
# Changes go through the services (the staff pages and the API), which validate,
# version and audit them; the admin is for looking things up.


class ReadOnlyAdmin(admin.ModelAdmin):
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


@admin.register(ProtocolSet)
class ProtocolSetAdmin(ReadOnlyAdmin):
    list_display = ("clinic", "version", "published_at", "published_by", "note")
    list_filter = ("clinic",)


@admin.register(ConsentText)
class ConsentTextAdmin(ReadOnlyAdmin):
    list_display = ("clinic", "version", "title", "published_at", "published_by")
    list_filter = ("clinic",)


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(AuditedReadAdmin):
    audit_object_type = "treatment_plan"
    list_display = ("client", "clinic", "indication", "planned_sessions", "status", "created_at")
    list_filter = ("clinic", "indication", "status")
    list_select_related = ("client", "clinic")


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


@admin.register(Consent)
class ConsentAdmin(AuditedReadAdmin):
    audit_object_type = "consent"
    list_display = ("client", "clinic", "text", "signed_at", "witnessed_by")
    list_filter = ("clinic",)
    list_select_related = ("client", "clinic", "text")
    exclude = ("signature_png",)
