"""Types the framework cannot infer: who is signed in on a staff page or API call.

``User`` and ``AnyUser`` are django-stubs' names for the configured
``AUTH_USER_MODEL`` (the mypy plugin resolves them), so the lower packages can name
the user without importing the package that defines it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeAlias, TypeVar

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from django.contrib.auth.models import _AnyUser, _User

    User: TypeAlias = _User
    AnyUser: TypeAlias = _AnyUser

M = TypeVar("M")


class AuthenticatedHttpRequest(HttpRequest):
    """A request to a page that turns anonymous visitors away before the handler runs.

    Annotate a staff view's ``request`` with it (the mixin or decorator has checked
    ``is_authenticated``), so ``request.user`` is the user and not "user or anonymous".
    Nothing is ever constructed from this class.
    """

    user: User


class StaffRequest(Request, Generic[M]):
    """An API request the clinic-staff permission has admitted (every API's default).

    ``IsClinicStaff`` refuses anonymous callers and sets ``membership``, the acting
    membership; its type is given by the caller (``StaffRequest[Membership]``), since the
    clinic package sits above this one. Annotate an API handler's ``request`` with it.
    Nothing is ever constructed from this class.
    """

    user: User
    membership: M
