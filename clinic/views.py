"""Server-rendered staff UI for clients, the dashboard and staff management."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from clinic import lockout, selectors, services
from clinic.access import (
    SESSION_KEY,
    request_membership,
    request_memberships,
)
from clinic.forms import ClientForm, StaffAddForm, StaffRoleForm
from clinic.models import Client, Role
from clinic.roles import can_manage_staff
from common.errors import ApplicationError, NotFound
from common.timezones import timezone_choices


class ClinicStaffMixin(LoginRequiredMixin):
    """Signed in and on the staff of a clinic; sets ``self.membership`` and ``self.clinic``."""

    manager_only = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = request_membership(request)
        if self.membership is None:
            return render(request, "clinic/no_clinic.html", status=403)
        if self.manager_only and not can_manage_staff(self.membership):
            raise PermissionDenied("Only managers can do this.")
        self.clinic = self.membership.clinic
        return super().dispatch(request, *args, **kwargs)

    def get_client(self, client_id) -> Client:
        try:
            return selectors.client_get(clinic=self.clinic, client_id=client_id)
        except NotFound as exc:
            raise Http404(exc.detail) from exc


class DashboardView(ClinicStaffMixin, View):
    def get(self, request):
        recent = selectors.client_list(clinic=self.clinic).order_by("-updated_at")[:8]
        return render(
            request,
            "clinic/dashboard.html",
            {
                "today": timezone.localdate(timezone=zoneinfo.ZoneInfo(self.clinic.timezone)),
                "recent_clients": recent,
                "client_count": selectors.client_list(clinic=self.clinic).count(),
            },
        )


class SwitchClinicView(LoginRequiredMixin, View):
    def post(self, request):
        wanted = request.POST.get("clinic", "")
        if any(str(m.clinic_id) == wanted for m in request_memberships(request)):
            request.session[SESSION_KEY] = int(wanted)
        return redirect("dashboard")


class ClientListView(ClinicStaffMixin, View):
    def get(self, request):
        search = request.GET.get("q", "").strip()[:100]
        clients = selectors.client_list(clinic=self.clinic, search=search)
        page = Paginator(clients, 25).get_page(request.GET.get("page"))
        services.client_list_read(
            clinic=self.clinic, actor=request.user, search=search, count=page.paginator.count
        )
        return render(request, "clinic/client_list.html", {"page": page, "search": search})


class ClientCreateView(ClinicStaffMixin, View):
    def get(self, request):
        return render(request, "clinic/client_form.html", _form_context(ClientForm()))

    def post(self, request):
        form = ClientForm(request.POST)
        if form.is_valid():
            try:
                client = services.client_create(
                    clinic=self.clinic, actor=request.user, data=form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"{client.full_name} was added.")
                return HttpResponseRedirect(reverse("client-detail", args=[client.pk]))
        return render(request, "clinic/client_form.html", _form_context(form), status=400)


def _form_context(form: ClientForm, client: Client | None = None) -> dict:
    return {
        "form": form,
        "client": client,
        "timezone_names": [name for name, _ in timezone_choices()],
    }


class ClientDetailView(ClinicStaffMixin, View):
    """The client's record. Its clinical sections come from the packages above clinic
    through their template tags (screening_tags, booking_tags, plan_tags, …)."""

    def get(self, request, pk):
        client = self.get_client(pk)
        services.client_record_read(client=client, actor=request.user)
        today = client.clinic.local_today()
        return render(
            request,
            "clinic/client_detail.html",
            {"client": client, "age": client.age_on(today)},
        )


class ClientEditView(ClinicStaffMixin, View):
    def get(self, request, pk):
        client = self.get_client(pk)
        services.client_record_read(client=client, actor=request.user)
        return render(
            request,
            "clinic/client_form.html",
            _form_context(ClientForm(instance=client), client),
        )

    def post(self, request, pk):
        client = self.get_client(pk)
        # The form validates a copy; the service applies the change under a row lock.
        form = ClientForm(request.POST, instance=Client.objects.get(pk=client.pk))
        if form.is_valid():
            try:
                services.client_update(client=client, actor=request.user, data=form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, "Changes saved.")
                return HttpResponseRedirect(reverse("client-detail", args=[client.pk]))
        return render(request, "clinic/client_form.html", _form_context(form, client), status=400)


class StaffView(ClinicStaffMixin, View):
    manager_only = True

    def get(self, request, form=None, status=200):
        staff = list(selectors.staff_list(clinic=self.clinic))
        return render(
            request,
            "clinic/staff.html",
            {
                "staff": staff,
                "locked": lockout.locked_usernames(m.user.email for m in staff),
                "form": form or StaffAddForm(),
                "roles": Role.choices,
            },
            status=status,
        )

    def post(self, request):
        form = StaffAddForm(request.POST)
        if form.is_valid():
            try:
                membership = services.staff_add(
                    clinic=self.clinic, actor=request.user, request=request, **form.cleaned_data
                )
            except ApplicationError as exc:
                for field, errors in (exc.fields or {"__all__": [exc.detail]}).items():
                    for error in errors:
                        form.add_error(None if field == "__all__" else field, error)
            else:
                messages.success(request, f"{membership.user} was added to the staff.")
                return redirect("staff")
        return self.get(request, form=form, status=400)


class StaffEditView(ClinicStaffMixin, View):
    manager_only = True

    def post(self, request, pk):
        try:
            membership = selectors.staff_get(clinic=self.clinic, membership_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        form = StaffRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a valid role.")
            return redirect("staff")
        try:
            services.staff_update(
                membership=membership,
                actor=request.user,
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"{membership.user} updated.")
        return redirect("staff")


class StaffUnlockView(ClinicStaffMixin, View):
    """A manager lets a locked-out staff member of their clinic sign in again."""

    manager_only = True

    def post(self, request, pk):
        try:
            membership = selectors.staff_get(clinic=self.clinic, membership_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        services.staff_unlock(membership=membership, actor=request.user)
        messages.success(request, f"{membership.user} can sign in again.")
        return redirect("staff")
