"""Admin: rule-set versions are read-only; "add" publishes the next version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest

from common.errors import ApplicationError
from treatments.screening import rules, services
from treatments.screening.models import (
    RuleSet,
    Screening,
    ScreeningConfirmation,
    ScreeningReview,
)


class PublishRuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["clinic", "data", "note"]
        help_texts = {
            "data": "Copy the current version's data, change what the medical director "
            "decided, and publish. The current version stays as it is."
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        clinic, data, note = cleaned.get("clinic"), cleaned.get("data"), cleaned.get("note", "")
        if clinic is None or not isinstance(data, dict):
            return cleaned

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

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str] | tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RuleSet, form: forms.ModelForm[RuleSet], change: bool
    ) -> None:
        actor = request.user
        if not actor.is_authenticated:  # the admin site signs staff in before any view
            raise PermissionDenied
        try:
            published = services.rule_set_publish(
                clinic=obj.clinic, actor=actor, data=obj.data, note=obj.note
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

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ConfirmationInline(admin.StackedInline):
    model = ScreeningConfirmation
    can_delete = False
    extra = 0
    readonly_fields = ("confirmed_by", "confirmed_at", "note")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ("client", "clinic", "taken_at", "planned_date", "outcome", "source")
    list_filter = ("clinic", "outcome", "source")
    inlines = [ReviewInline, ConfirmationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser
