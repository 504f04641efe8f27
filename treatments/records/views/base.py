"""What every session page shares: the staff mixin that finds the session, and helpers."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse

from clinic.roles import can_record
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from treatments.records import selectors as session_selectors
from treatments.records.models import TreatmentSession


def optional_url(name: str, *args: object) -> str | None:
    """A link to a page another part provides, if it has been routed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def status_of(exc: ApplicationError) -> int:
    return exc.status_code if exc.status_code >= 400 else 400


def messages_of(value: object) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    return moment.astimezone(zone) if moment else None


class SessionPageMixin(ClinicStaffMixin):
    """A staff page about one session of the acting clinic (another clinic's is a 404)."""

    request: HttpRequest  # set by View.setup

    def get_session(self, pk: int) -> TreatmentSession:
        try:
            return session_selectors.session_get(clinic=self.clinic, pk=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    def can_record(self) -> bool:
        return can_record(self.membership)

    def require_recorder(self) -> None:
        if not self.can_record():
            raise PermissionDenied("Only practitioners and managers record treatment sessions.")

    def is_performer(self, session: TreatmentSession) -> bool:
        membership = getattr(session.practitioner, "membership", None)
        return membership is not None and membership.user_id == self.request.user.pk
