"""Helpers for plan tests: a plan made through the service, an API request body."""

from __future__ import annotations

from treatments.plans import services as plan_services


def create(client, actor, **overrides):
    values = {
        "clinic": client.clinic,
        "actor": actor.user,
        "client": client,
        "indication": "fine_lines_wrinkles",
        "areas": ["forehead", "cheeks_chin"],
        "planned_sessions": 4,
        "interval_days": 28,
        **overrides,
    }
    return plan_services.plan_create(**values)


def payload(client, **overrides):
    return {
        "client": client.pk,
        "indication": "fine_lines_wrinkles",
        "areas": ["forehead", "cheeks_chin"],
        "planned_sessions": 4,
        "interval_days": 28,
        **overrides,
    }
