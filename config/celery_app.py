"""The Celery application shared by the web process, the worker and beat."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Domain packages keep their tasks in <package>/tasks.py; Django apps are found above.
app.autodiscover_tasks(["clinic.messaging", "clinic.booking"])
