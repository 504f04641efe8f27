"""The Celery app a test worker runs: the project's app plus the test message kinds.

``celery -A tests.messaging.worker worker ...`` (see test_worker.py).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from config.celery_app import app  # noqa: E402
from tests.messaging.kinds import register_test_kinds  # noqa: E402

register_test_kinds()

__all__ = ["app"]
