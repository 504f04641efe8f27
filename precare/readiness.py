"""Where the readiness check e-mail will link to (issue 13, part 2).

The client's readiness page (a signed, expiring link to their last answers) is not
built yet. Until it is, :func:`readiness_url` answers None and the 48-hour e-mail asks
the client to call or reply instead; it never carries a placeholder link. Part 2
replaces the body of this function (and ``POST /api/appointments/{id}/readiness-link/``
will return the same URL).
"""

from __future__ import annotations

from precare.models import PrecareSchedule


def readiness_url(schedule: PrecareSchedule) -> str | None:
    """The client's readiness page for this appointment, or None while there is none."""
    return None
