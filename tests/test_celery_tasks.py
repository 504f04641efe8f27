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


def test_worker_pool_processes_are_recycled():
    # What a long-lived PDF renderer keeps is handed back when its process is replaced.
    assert app.conf.worker_max_tasks_per_child == settings.CELERY_WORKER_MAX_TASKS_PER_CHILD
    assert 0 < settings.CELERY_WORKER_MAX_TASKS_PER_CHILD <= 1000
