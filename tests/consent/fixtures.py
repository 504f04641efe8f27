"""Helpers for consent tests: the shipped risks, a signature as a data URL, a sign request."""

from __future__ import annotations

import base64

from tests.factories import tiny_png
from treatments.plans.defaults import RISKS

ALL_RISK_LABELS = [label for items in RISKS.values() for _, label in items]


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def sign_payload(client, **overrides):
    return {
        "client": client.pk,
        "typed_name": client.full_name,
        "signature": data_url(tiny_png()),
        **overrides,
    }
