from clinic.access import request_membership, request_memberships


def current_membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "membership": request_membership(request),
        "all_memberships": request_memberships(request),
    }
