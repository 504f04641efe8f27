"""Thin Celery wrappers: rendering schedules' PDFs ahead of their e-mails."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from aftercare.pdf import aftercare_pdf, aftercare_pdfs_missing


@shared_task(name="aftercare.tasks.render_aftercare_pdf", ignore_result=True)
def render_aftercare_pdf(schedule_id: int) -> None:
    """Render and cache a signed session's aftercare PDF (routed to the ``pdf`` queue).

    Idempotent: a current cached file is not rendered again. If this never runs, the
    first e-mail renders the PDF itself.
    """

    aftercare_pdf(schedule_id=schedule_id)


@shared_task(name="aftercare.tasks.render_pdfs_ahead", ignore_result=True)
def render_pdfs_ahead() -> int:
    """Beat: enqueue the PDFs that e-mails due soon will attach but nobody has rendered.

    Each render task expires when the next pass runs, so a ``pdf`` queue nobody consumes
    does not fill with copies.
    """
    ahead = timedelta(minutes=settings.AFTERCARE_PDF_AHEAD_MINUTES)
    schedule_ids = aftercare_pdfs_missing(within=ahead)
    for schedule_id in schedule_ids:
        render_aftercare_pdf.apply_async(
            (schedule_id,), expires=settings.AFTERCARE_PDF_AHEAD_EVERY_SECONDS
        )
    return len(schedule_ids)
