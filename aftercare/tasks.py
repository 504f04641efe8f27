"""Thin Celery wrapper: rendering a schedule's PDF ahead of its e-mails."""

from __future__ import annotations

from celery import shared_task

from aftercare.pdf import aftercare_pdf


@shared_task(name="aftercare.tasks.render_aftercare_pdf", ignore_result=True)
def render_aftercare_pdf(schedule_id: int) -> None:
    """Render and cache a signed session's aftercare PDF (routed to the ``pdf`` queue).

    Idempotent: a current cached file is not rendered again. If this never runs, the
    first e-mail renders the PDF itself.
    """

    aftercare_pdf(schedule_id=schedule_id)
