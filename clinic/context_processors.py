from clinic.access import request_membership, request_memberships
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
    }
