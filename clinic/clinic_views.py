"""The clinic settings page and the clinic's logo (decision 0016)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views import View

from clinic import clinic_services
from clinic.forms import ClinicLogoForm, ClinicSettingsForm
from clinic.models import Clinic
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin, _form_errors
from common.errors import ApplicationError
from common.timezones import timezone_choices


def _settings_page(request, clinic: Clinic, *, form=None, logo_form=None, status=200):
    return render(
        request,
        "clinic/settings.html",
        {
            "clinic": clinic,
            "form": form or ClinicSettingsForm(instance=clinic),
            "logo_form": logo_form or ClinicLogoForm(),
            "timezone_names": [name for name, _ in timezone_choices()],
        },
        status=status,
    )


class ClinicSettingsView(ClinicStaffMixin, View):
    """Managers keep the clinic's details, sender, logo, time zone and idle sign-out."""

    required_ability = Ability.MANAGE_CLINIC

    def get(self, request):
        return _settings_page(request, self.clinic)

    def post(self, request):
        # The form validates a copy; the service applies the change under a row lock.
        form = ClinicSettingsForm(request.POST, instance=Clinic.objects.get(pk=self.clinic.pk))
        if form.is_valid():
            old_zone = self.clinic.timezone
            try:
                clinic = clinic_services.clinic_settings_update(
                    clinic=self.clinic, actor=request.user, data=form.cleaned_data
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "The clinic's settings are saved.")
                if clinic.timezone != old_zone:
                    messages.info(
                        request,
                        f"Times are now shown in {clinic.timezone}. Appointments and "
                        "reminders already scheduled keep their moment; new ones use "
                        f"{clinic.timezone}.",
                    )
                return redirect("clinic-settings")
        return _settings_page(request, self.clinic, form=form, status=400)


class ClinicLogoView(ClinicStaffMixin, View):
    """Upload (``action=upload``) or remove (``action=remove``) the clinic's logo."""

    required_ability = Ability.MANAGE_CLINIC

    def post(self, request):
        if request.POST.get("action") == "remove":
            clinic_services.clinic_logo_remove(clinic=self.clinic, actor=request.user)
            messages.success(request, "The logo was removed.")
            return redirect("clinic-settings")
        logo_form = ClinicLogoForm(request.POST, request.FILES)
        if logo_form.is_valid():
            try:
                clinic_services.clinic_logo_set(
                    clinic=self.clinic, actor=request.user, upload=logo_form.cleaned_data["logo"]
                )
            except ApplicationError as exc:
                _form_errors(logo_form, exc)
            else:
                messages.success(request, "The new logo is saved.")
                return redirect("clinic-settings")
        return _settings_page(request, self.clinic, logo_form=logo_form, status=400)


class ClinicLogoFileView(ClinicStaffMixin, View):
    """The acting clinic's logo, for its signed-in staff (MEDIA_ROOT is never served)."""

    def get(self, request):
        if not self.clinic.logo:
            raise Http404("The clinic has no logo.")
        try:
            handle = self.clinic.logo.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The clinic has no logo.") from exc
        response = FileResponse(handle, content_type=self.clinic.logo_content_type)
        # Not health data; the header shows it on every page. The address changes with
        # the file (?v=), so a cached copy is never stale.
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        return response
