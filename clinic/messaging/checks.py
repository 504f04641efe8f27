"""System checks for the outgoing-message settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error, register


@register()
def check_sending_timeout(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[Error]:
    """A send still running must never be handed out a second time."""
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None)
    if limit and settings.MESSAGE_SENDING_TIMEOUT.total_seconds() <= limit:
        return [
            Error(
                "MESSAGE_SENDING_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT: "
                "otherwise the sweep can hand out a message whose send is still "
                "running, and it goes out twice.",
                hint="Raise MESSAGE_SENDING_TIMEOUT_SECONDS.",
                id="aftercare.E001",
            )
        ]
    return []
