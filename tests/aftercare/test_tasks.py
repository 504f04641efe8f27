"""PDFs rendered ahead: beat finds the schedules whose e-mails are due soon without a PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftercare import tasks
from aftercare.models import AftercareSchedule
from aftercare.pdf import aftercare_pdf
from aftercare.schedules import aftercare_cancel_session, aftercare_schedule_session
from clinic.messaging.models import OutgoingMessage
from tests.factories import ClientFactory
from tests.messaging.fixtures import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch) -> list[tuple[int, dict]]:
    """The render tasks enqueued (schedule id, options), standing in for the broker."""
    enqueued: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        tasks.render_aftercare_pdf,
        "apply_async",
        lambda args, **options: enqueued.append((args[0], options)),
    )
    return enqueued


def signed(signed_session, client, *, hours_ago: int) -> AftercareSchedule:
    # The signing's on-commit PDF task never runs here: as if it had been lost.
    session = signed_session(client, ended_at=NOW - timedelta(hours=hours_ago))
    return aftercare_schedule_session(session=session)


def test_a_pdf_nobody_rendered_is_enqueued_before_its_e_mails_are_due(
    clock, signed_session, client_record, clinic, renders, settings
):
    due_soon = signed(signed_session, client_record, hours_ago=25)  # the +24 h e-mail is due
    later = signed(signed_session, ClientFactory(clinic=clinic), hours_ago=30)
    OutgoingMessage.objects.filter(session_id=later.session_id).update(
        due_at=NOW + timedelta(minutes=settings.AFTERCARE_PDF_AHEAD_MINUTES + 1)
    )

    assert tasks.render_pdfs_ahead() == 1

    assert renders == [(due_soon.pk, {"expires": settings.AFTERCARE_PDF_AHEAD_EVERY_SECONDS})]


def test_a_rendered_or_cancelled_schedule_is_left_alone(
    clock, signed_session, client_record, clinic, renders
):
    rendered = signed(signed_session, client_record, hours_ago=25)
    aftercare_pdf(schedule_id=rendered.pk)
    cancelled = signed(signed_session, ClientFactory(clinic=clinic), hours_ago=28)
    cancelled.session.refresh_from_db()
    aftercare_cancel_session(session=cancelled.session, reason="Signed by mistake.")

    assert tasks.render_pdfs_ahead() == 0
    assert renders == []


def test_the_beat_schedule_renders_pdfs_ahead_on_the_pdf_queue(settings):
    from config.celery_app import app

    entry = settings.CELERY_BEAT_SCHEDULE["render-pdfs-ahead"]
    assert entry["task"] == "aftercare.tasks.render_pdfs_ahead"
    assert entry["schedule"] == settings.AFTERCARE_PDF_AHEAD_EVERY_SECONDS
    route = app.amqp.router.route({}, "aftercare.tasks.render_aftercare_pdf")
    assert route["queue"].name == "pdf"
