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


def test_a_pool_process_keeps_its_start_up_heap_out_of_the_garbage_collector():
    import gc

    from celery.signals import worker_process_init

    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        watched = len(gc.get_objects())
        worker_process_init.send(sender=None)  # what a pool process sends once it has started
        # What existed then is out of reach; what comes after is collected as usual.
        assert gc.get_freeze_count() >= watched
        assert len(gc.get_objects()) < watched / 10
    finally:
        gc.unfreeze()
