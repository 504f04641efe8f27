"""The personalised aftercare PDF: rendered once per content, stored privately.

The cache key is the template version plus a hash of the rendered HTML, so identical
input never renders twice, and an amended area, a new clinic phone number or a new
logo (in the HTML as a ``data:`` URL) gives a new file. Files live under MEDIA_ROOT,
which no URL serves; views stream them after checking the link or the clinic.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from aftercare.models import AftercareSchedule
from aftercare.timeline import AFTERCARE_KINDS, Entry
from clinic.branding import document_logo
from clinic.messaging.models import OutgoingMessage
from common.pdf import html_to_pdf
from treatments.records.models import TreatmentSession

logger = logging.getLogger(__name__)

TEMPLATE = "pdf/aftercare.html"
# Renders one pass of ``render_pdfs_ahead`` enqueues at most (the rest wait a pass).
PDFS_AHEAD_LIMIT = 500


# A schedule read by the send path carries its session's area codes (in order) under
# this name, read in the same query (PostgreSQL); otherwise they are read here.
AREA_CODES = "session_area_codes"


def area_labels(session: TreatmentSession, codes: list[str] | None = None) -> list[str]:
    """The treated areas' labels from the plan's protocol version (the code if unknown).

    ``codes``: the session's area codes in their order, if the caller has read them.
    """
    plan = session.plan
    areas = (plan.protocol_set.data.get("areas", {}) if plan is not None else {}) or {}
    if codes is None:
        codes = [row.area for row in session.areas.all()]
    labels = []
    for code in codes:
        spec = areas.get(code) or {}
        labels.append(str(spec.get("label") or code.replace("_", " ").capitalize()))
    return labels


def pdf_context(schedule: AftercareSchedule, entries: list[Entry] | None = None) -> dict[str, Any]:
    session = schedule.session
    return {
        "schedule": schedule,
        "clinic": schedule.clinic,
        # The logo travels in the HTML (a data: URL), so a new or removed logo changes
        # the cache key below.
        "logo": document_logo(schedule.clinic),
        "client": schedule.client,
        "session_local_date": schedule.ended_at.astimezone(schedule.zone),
        "areas": area_labels(session, getattr(schedule, AREA_CODES, None)),
        "entries": entries if entries is not None else schedule.entries(),
        "warning_signs": schedule.template.warning_signs,
        "template_version": schedule.template.version,
    }


def pdf_filename(schedule: AftercareSchedule) -> str:
    local = schedule.ended_at.astimezone(schedule.zone)
    return f"aftercare-{local:%Y-%m-%d}.pdf"


def aftercare_pdf(
    *,
    schedule_id: int,
    now: datetime | None = None,
    schedule: AftercareSchedule | None = None,
    entries: list[Entry] | None = None,
) -> bytes:
    """The schedule's PDF: the cached file if its content is current, else rendered now.

    Safe to call concurrently (the PDF task and a send that could not wait): both
    render the same bytes to the same name; the first file written wins. A caller that
    has just read the schedule (with its template, clinic, client and session's plan)
    passes it in, and its timeline (``entries``) if it has built it, so the send path
    does neither twice.
    """
    if schedule is None or schedule.pk != schedule_id:
        schedule, entries = (
            AftercareSchedule.objects.select_related(
                "template", "clinic", "client", "session__plan__protocol_set"
            ).get(pk=schedule_id),
            None,
        )
    html = render_to_string(TEMPLATE, pdf_context(schedule, entries))
    digest = hashlib.sha256(html.encode()).hexdigest()[:24]
    key = f"v{schedule.template.version}-{digest}"
    name = f"aftercare/{schedule.clinic_id}/session-{schedule.session_id}-{key}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        if schedule.pdf_key != key:  # rendered by a racing call that did not record it yet
            _record(schedule.pk, name, key, now)
        return data
    data = html_to_pdf(html)
    stored = default_storage.save(name, ContentFile(data))
    _record(schedule.pk, stored, key, now)
    logger.info("Rendered aftercare PDF %s (%d bytes)", stored, len(data))
    return data


def _record(schedule_id: int, name: str, key: str, now: datetime | None) -> None:
    AftercareSchedule.objects.filter(pk=schedule_id).update(
        pdf_file=name, pdf_key=key, pdf_rendered_at=now or timezone.now()
    )


def aftercare_pdfs_missing(*, within: timedelta, now: datetime | None = None) -> list[int]:
    """Schedules with an e-mail due within ``within`` whose PDF has not been rendered.

    The PDF task enqueued at signing normally renders it long before; this finds the
    ones whose task was lost (a flushed broker, no worker on the ``pdf`` queue then).
    """
    at = now or timezone.now()
    sessions_due_soon = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.PENDING,
        due_at__lte=at + within,
        kind__in=list(AFTERCARE_KINDS),
        session_id__isnull=False,
    ).values("session_id")
    return list(
        AftercareSchedule.objects.filter(
            session_id__in=sessions_due_soon,
            cancelled_at__isnull=True,
            pdf_rendered_at__isnull=True,
        )
        .order_by("id")
        .values_list("pk", flat=True)[:PDFS_AHEAD_LIMIT]
    )
