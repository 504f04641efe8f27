"""The personalised preparation PDF: rendered once per content, stored privately.

The cache key is the template and rule-set versions plus a hash of the rendered HTML,
so a reschedule, a new rule set or a new logo (in the HTML as a ``data:`` URL) gives a
new file while identical input never renders twice. Files live under MEDIA_ROOT, which
no URL serves (docs/decisions/0017).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.branding import document_logo
from common.pdf import html_to_pdf
from precare.content import Preparation, preparation_for
from precare.models import PrecareSchedule

logger = logging.getLogger(__name__)

TEMPLATE = "pdf/precare.html"


def pdf_context(preparation: Preparation) -> dict[str, Any]:
    schedule = preparation.schedule
    appointment = schedule.appointment
    return {
        "schedule": schedule,
        "clinic": schedule.clinic,
        # The logo travels in the HTML (a data: URL), so a new or removed logo changes
        # the cache key below.
        "logo": document_logo(schedule.clinic),
        "client": schedule.client,
        "appointment": appointment,
        "practitioner": appointment.practitioner,
        "local_start": preparation.local_start,
        "local_end": appointment.end.astimezone(schedule.zone),
        "dated": preparation.sentences(on=preparation.planned_on),
        "bring": preparation.template.bring,
        "tell": preparation.template.tell,
        "template_version": schedule.template.version,
        "rule_set_version": preparation.rule_set_version,
    }


def pdf_filename(schedule: PrecareSchedule) -> str:
    return f"preparation-{schedule.start.astimezone(schedule.zone):%Y-%m-%d}.pdf"


def precare_pdf(*, schedule_id: int) -> bytes:
    """The schedule's PDF: the cached file if its content is current, else rendered now."""
    schedule = PrecareSchedule.objects.select_related(
        "template", "clinic", "client", "appointment__practitioner"
    ).get(pk=schedule_id)
    preparation = preparation_for(schedule)
    html = render_to_string(TEMPLATE, pdf_context(preparation))
    digest = hashlib.sha256(html.encode()).hexdigest()[:24]
    key = f"t{schedule.template.version}-r{preparation.rule_set_version}-{digest}"
    name = f"precare/{schedule.clinic_id}/appointment-{schedule.appointment_id}-{key}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            data: bytes = handle.read()
    else:
        data = html_to_pdf(html)
        name = default_storage.save(name, ContentFile(data))
        logger.info("Rendered preparation PDF %s (%d bytes)", name, len(data))
    if schedule.pdf_key != key:
        PrecareSchedule.objects.filter(pk=schedule.pk).update(
            pdf_file=name, pdf_key=key, pdf_rendered_at=timezone.now()
        )
    return data
