"""The one flow every "publish a new version" page follows.

Screening rules, protocols and the consent text are versioned the same way: a manager
edits a form built from the current version and publishes the next one. If someone
else publishes first, the form is rebuilt from the new current version (409) rather
than overwriting it; a refusal from the service shows as form errors (400/409) and
saves nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clinic.roles import Ability
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError


class VersionPublishView(ClinicStaffMixin, View):
    required_ability = Ability.PUBLISH
    template_name = ""
    success_url_name = ""
    #: After "Version N published." — what the new version means for existing records.
    success_note = ""

    # --- what each kind of versioned data provides ---------------------------------

    def current(self) -> Any:
        raise NotImplementedError

    def make_form(self, current: Any, data: Any = None, note: str = "") -> Any:
        """The form built from ``current``; bound to ``data`` when given."""
        raise NotImplementedError

    def publish(self, form: Any) -> Any:
        raise NotImplementedError

    def extra_context(self, current: Any, form: Any) -> dict[str, Any]:
        return {}

    # --- the flow ------------------------------------------------------------------

    def get(self, request: HttpRequest) -> HttpResponse:
        current = self.current()
        return self._render(request, current, self.make_form(current))

    def post(self, request: HttpRequest) -> HttpResponse:
        current = self.current()
        form = self.make_form(current, data=request.POST)
        status = 400
        if form.is_valid():
            if form.cleaned_data["base_version"] != current.version:
                form = self.make_form(current, note=form.cleaned_data.get("note", ""))
                _add_notice(
                    form,
                    f"Version {current.version} was published while you were editing. "
                    "The form now shows it; make your changes again.",
                )
                return self._render(request, current, form, status=409)
            try:
                published = self.publish(form)
            except ApplicationError as exc:
                if exc.status_code == 403:
                    raise PermissionDenied(exc.detail) from exc
                form.add_service_errors(exc.fields, exc.detail)
                status = exc.status_code if exc.status_code in (400, 409) else 400
            else:
                messages.success(
                    request, f"Version {published.version} published. {self.success_note}"
                )
                return HttpResponseRedirect(reverse(self.success_url_name))
        return self._render(request, current, form, status=status)

    def _render(
        self, request: HttpRequest, current: Any, form: Any, status: int = 200
    ) -> HttpResponse:
        context = {"current": current, "form": form, **self.extra_context(current, form)}
        return render(request, self.template_name, context, status=status)


def _add_notice(form: Any, message: str) -> None:
    """A non-field error on a fresh (unbound) form built from the new current version.

    ``add_error`` expects a cleaned form; an unbound form has none, so give it an empty
    one first (``form.errors`` creates the empty error dict). It stays invalid.
    """
    form.errors  # noqa: B018 - initialises form._errors
    form.cleaned_data = {}
    form.add_error(None, message)
