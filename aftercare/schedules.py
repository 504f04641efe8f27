"""The aftercare schedule of a signed session (issue 6 fills this in).

``aftercare_schedule_session`` is called by ``treatments.session_services.session_sign``
inside the signing transaction, so a signed session and its schedule commit together.
"""

from __future__ import annotations

from typing import Any


def aftercare_schedule_session(*, session: Any) -> None:
    """Create the session's aftercare schedule and its outgoing messages."""
    return None
