from django.urls import reverse

from clinic.access import (
    idle_timeout_seconds,
    idle_warning_seconds,
    request_membership,
    request_memberships,
)
from clinic.roles import abilities_of


def current_membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = request_membership(request)
    return {
        "membership": membership,
        "all_memberships": request_memberships(request),
        # {% if can.record %}: what the acting staff member may do (clinic/roles.py)
        "can": abilities_of(membership),
        # <body data-idle-…>: static/js/app.js warns before the idle sign-out.
        "idle": {
            "seconds": idle_timeout_seconds(request),
            "warning_seconds": idle_warning_seconds(),
            "session_url": reverse("session-status"),
        },
    }
