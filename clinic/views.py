"""Server-rendered staff UI for clients, the dashboard and staff management."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views import View

from clinic import lockout, selectors, services
from clinic.access import (
    SESSION_KEY,
    idle_seconds_left,
    idle_timeout_seconds,
    request_membership,
    request_memberships,
)
from clinic.forms import (
    ClientForm,
    InvitationExistingAccountForm,
    InvitationNewAccountForm,
    StaffInviteForm,
    StaffRoleForm,
)
from clinic.models import Client, Role
from clinic.roles import Ability, can, denied_message
from common.audit import audit_reads
from common.errors import ApplicationError, NotFound
from common.timezones import timezone_choices


class ClinicStaffMixin(LoginRequiredMixin):
    """Signed in and on the staff of a clinic; sets ``self.membership`` and ``self.clinic``."""

    #: The ability (clinic/roles.py) every request to the view needs, if any.
    required_ability: Ability | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = request_membership(request)
        if self.membership is None:
            return render(request, "clinic/no_clinic.html", status=403)
        if self.required_ability is not None and not can(self.membership, self.required_ability):
            raise PermissionDenied(denied_message(self.required_ability))
        self.clinic = self.membership.clinic
        return super().dispatch(request, *args, **kwargs)

    def get_client(self, client_id) -> Client:
        try:
            return selectors.client_get(clinic=self.clinic, client_id=client_id)
        except NotFound as exc:
            raise Http404(exc.detail) from exc


class DashboardView(ClinicStaffMixin, View):
    def get(self, request):
        recent = list(selectors.client_list(clinic=self.clinic).order_by("-updated_at")[:8])
        # Today's appointments audit their own read (booking_tags.today_appointments).
        audit_reads(
            actor=request.user,
            object_type="client",
            objects=((client.pk, client.pk) for client in recent),
            clinic_id=self.clinic.pk,
            detail={"view": "dashboard"},
        )
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
        page = selectors.client_page(
            clinic=self.clinic, search=search, page=request.GET.get("page", 1)
        )
        services.client_list_read(
            clinic=self.clinic,
            actor=request.user,
            search=search,
            clients=page.object_list,
            count=page.paginator.count,
        )
        return render(request, "clinic/client_list.html", {"page": page, "search": search})


class ClientCreateView(ClinicStaffMixin, View):
    def get(self, request):
        return render(request, "clinic/client_form.html", _form_context(ClientForm()))

    def post(self, request):
        form = ClientForm(request.POST)
        duplicates = None
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            confirmed = bool(data.pop("confirm_different_person", False))
            try:
                client = services.client_create(
                    clinic=self.clinic,
                    actor=request.user,
                    data=data,
                    confirm_different_person=confirmed,
                )
            except services.PossibleDuplicate as exc:
                duplicates = list(
                    selectors.client_list(clinic=self.clinic).filter(
                        pk__in=[d["id"] for d in exc.extra["duplicates"]]
                    )
                )
                services.client_list_read(
                    clinic=self.clinic,
                    actor=request.user,
                    search="",
                    clients=duplicates,
                    count=len(duplicates),
                )
                form.add_error(
                    "confirm_different_person",
                    "Open the existing record, or tick this box if this is a different person.",
                )
                status = 409
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"{client.full_name} was added.")
                return HttpResponseRedirect(reverse("client-detail", args=[client.pk]))
        context = {**_form_context(form), "duplicates": duplicates}
        return render(request, "clinic/client_form.html", context, status=status)


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
    required_ability = Ability.MANAGE_STAFF

    def get(self, request, form=None, status=200):
        staff = list(selectors.staff_list(clinic=self.clinic))
        return render(
            request,
            "clinic/staff.html",
            {
                "staff": staff,
                "locked": lockout.locked_usernames(m.user.email for m in staff),
                "invitations": selectors.invitation_list_open(clinic=self.clinic),
                "now": timezone.now(),
                "form": form or StaffInviteForm(),
                "roles": Role.choices,
            },
            status=status,
        )

    def post(self, request):
        form = StaffInviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    clinic=self.clinic, actor=request.user, request=request, **form.cleaned_data
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email}. They join the staff when they "
                    "accept it.",
                )
                return redirect("staff")
        return self.get(request, form=form, status=400)


def _form_errors(form, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: at its field, or above the form."""
    for field, errors in (exc.fields or {"__all__": [exc.detail]}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


class StaffInvitationView(ClinicStaffMixin, View):
    """Resend or revoke one of the clinic's open invitations."""

    required_ability = Ability.MANAGE_STAFF

    def post(self, request, pk, action):
        try:
            invitation = selectors.invitation_get(clinic=self.clinic, invitation_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        try:
            if action == "resend":
                services.invitation_resend(
                    invitation=invitation, actor=request.user, request=request
                )
                messages.success(request, f"A new link was sent to {invitation.email}.")
            else:
                services.invitation_revoke(invitation=invitation, actor=request.user)
                messages.success(request, f"The invitation to {invitation.email} was revoked.")
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        return redirect("staff")


class StaffEditView(ClinicStaffMixin, View):
    required_ability = Ability.MANAGE_STAFF

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

    required_ability = Ability.MANAGE_STAFF

    def post(self, request, pk):
        try:
            membership = selectors.staff_get(clinic=self.clinic, membership_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        services.staff_unlock(membership=membership, actor=request.user)
        messages.success(request, f"{membership.user} can sign in again.")
        return redirect("staff")


class InvitationAcceptView(View):
    """The invitation's link: join the clinic with a new account or your own (no login)."""

    def dispatch(self, request, token):
        try:
            self.invitation = services.invitation_open(token=token)
        except NotFound:
            return render(request, "registration/invitation_invalid.html", status=404)
        self.existing = selectors.account_exists(email=self.invitation.email)
        return super().dispatch(request, token)

    def _form_class(self):
        return InvitationExistingAccountForm if self.existing else InvitationNewAccountForm

    def _page(self, request, form, status=200):
        return render(
            request,
            "registration/invitation_accept.html",
            {
                "invitation": self.invitation,
                "clinic": self.invitation.clinic,
                "existing": self.existing,
                "form": form,
            },
            status=status,
        )

    def get(self, request, token):
        initial = {"full_name": self.invitation.full_name} if not self.existing else {}
        return self._page(request, self._form_class()(initial=initial))

    def post(self, request, token):
        form = self._form_class()(request.POST)
        if form.is_valid():
            try:
                membership = services.invitation_accept(
                    invitation=self.invitation,
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data.get("full_name", ""),
                    request=request,
                )
            except NotFound:
                return render(request, "registration/invitation_invalid.html", status=404)
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                request.session[SESSION_KEY] = membership.clinic_id
                messages.success(request, f"Welcome to {membership.clinic.name}.")
                return redirect("dashboard")
        return self._page(request, form, status=400)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The e-mailed link to choose a password (forgot password, or an older set-password
    e-mail). The new password ends the account's API tokens and other sessions."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.account_password_set(user=form.user)
        messages.success(self.request, "Your new password is saved. Sign in with it.")
        return response


class SessionStatusView(View):
    """For the idle warning (static/js/app.js): ``{"signed_in", "seconds_left"}``.

    GET asks without counting as activity; POST is "Stay signed in" (the request itself
    is the activity). A session that already ended answers ``{"signed_in": false}``.
    """

    def get(self, request):
        request.counts_as_activity = False
        return self._state(request)

    def post(self, request):
        return self._state(request, fresh=True)

    def _state(self, request, fresh: bool = False) -> JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"signed_in": False, "seconds_left": 0})
        seconds_left = idle_timeout_seconds(request) if fresh else idle_seconds_left(request)
        return JsonResponse({"signed_in": True, "seconds_left": seconds_left})
