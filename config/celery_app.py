"""The Celery application shared by the web process, the worker and beat."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Domain packages keep their tasks in <package>/tasks.py; Django apps are found above.
app.autodiscover_tasks(["clinic.messaging", "clinic.booking"])


@worker_process_init.connect
def freeze_start_up_heap(**_: object) -> None:
    """Keep what a pool process starts with out of the garbage collector's reach.

    Django, Celery and the app's modules leave a large heap behind at start-up that
    lives as long as the process; without this every full collection walks all of it
    (and touches, so copies, the pages the process shares with its parent). Objects
    made afterwards are collected as usual. Decision 0015 (third pass).
    """
    gc.freeze()
