"""Every task the settings route or schedule is registered with the Celery app."""

from __future__ import annotations

from django.conf import settings

from config.celery_app import app


def test_every_routed_and_scheduled_task_is_registered():
    app.loader.import_default_modules()
    named = set(settings.CELERY_TASK_ROUTES) | {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert named
    assert named <= set(app.tasks), named - set(app.tasks)
