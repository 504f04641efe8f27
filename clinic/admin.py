"""Admin: users, clinics and clients; the domain packages register their own."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from clinic.models import Client, Clinic, Invitation, Membership, User
from common.audit import audit_record


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "email", "phone")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read only: managers invite, resend and revoke on the Staff page (audited)."""

    list_display = (
        "email",
        "clinic",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("clinic", "role")
    search_fields = ("email",)
    exclude = ("nonce",)  # part of the signed link

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "clinic", "date_of_birth")
    list_filter = ("clinic",)
    search_fields = ("last_name", "first_name", "email")
    readonly_fields = ("created_at", "updated_at", "created_by")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            audit_record(
                actor=request.user,
                action="read",
                object_type="client",
                object_id=obj.pk,
                clinic_id=obj.clinic_id,
                client_id=obj.pk,
                channel="admin",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="update" if change else "create",
            object_type="client",
            object_id=obj.pk,
            clinic_id=obj.clinic_id,
            client_id=obj.pk,
            detail={"fields": sorted(form.changed_data)},
            channel="admin",
        )


# The domain packages' admins register when imported (admin autodiscovery imports only
# this module of the app).
from clinic.messaging import admin as messaging_admin  # noqa: E402

__all__ = ["messaging_admin"]
