"""The preparation template the product ships with (DOMAIN.md §6; seeds 000, 002, 004).

Version 1 of every clinic's preparation template is a copy of this; managers publish
later versions. The dated "from <date>, no <thing>" list is not here: it is derived
from the clinic's screening rule set in force (``precare.timeline.dated_items``);
``things`` only words each dated question for the client.
"""

from __future__ import annotations

from typing import Any

DEFAULT_PRECARE: dict[str, Any] = {
    "items": [
        {
            "kind": "precare_booking",
            "label": "Preparing for your treatment",
            "offset": "at booking",
            "text": (
                "Thank you for booking your microneedling treatment. Preparing your skin "
                "makes the treatment safer and its results better. Please follow the dates "
                "below, come with clean skin and no makeup, and tell us before your visit "
                "about anything on the list at the end. Your preparation sheet is attached."
            ),
        },
        {
            "kind": "precare_14d",
            "label": "Two weeks to go",
            "offset": "-14 days 09:00",
            "text": (
                "Your treatment is two weeks away. From now on avoid the sun and tanning "
                "(sunbeds and self-tan too) on the area, and have no laser treatments, "
                "peels or anti-wrinkle injections before it."
            ),
        },
        {
            "kind": "precare_7d",
            "label": "One week to go",
            "offset": "-7 days 09:00",
            "text": (
                "Your treatment is one week away. From now on stop retinoids, exfoliating "
                "acids and scrubs on the area, and keep avoiding the sun."
            ),
        },
        {
            "kind": "readiness_check",
            "label": "Has anything changed?",
            "offset": "-48h",
            "text": (
                "Your treatment is in two days. Please confirm that nothing has changed "
                "since your screening, or update your answers: a cold sore, sunburn or a "
                "tan, a new medicine (isotretinoin, blood thinners), a pregnancy, or any "
                "treatment on the area since then."
            ),
        },
        {
            "kind": "precare_day_before",
            "label": "See you tomorrow",
            "offset": "-1 day 18:00",
            "text": (
                "Your treatment is tomorrow. Come with clean skin and no makeup, and "
                "arrive 15 minutes early so that numbing cream can be applied."
            ),
        },
    ],
    "bring": [
        "A list of the medicines, supplements and skincare products you use",
        "A broad-spectrum sunscreen (SPF 30 or higher) and a hat for the way home",
        "Clean skin: no makeup, moisturiser or sunscreen on the area to be treated",
    ],
    "tell": [
        "A cold sore or any spots, rash or infection on the area",
        "Sunburn or a tan on the area",
        "A new medicine, especially isotretinoin (Roaccutane) or blood thinners",
        "That you are pregnant or breastfeeding",
    ],
    "things": {
        "retinoid_acid_last_use": (
            "retinoids (retinol, tretinoin, adapalene) or exfoliating acids (glycolic, "
            "lactic, salicylic) on the area"
        ),
        "sunburn_or_tan_last": "sunburn or tanning on the area (sun, sunbeds or self-tan)",
        "botulinum_toxin_last": "anti-wrinkle (botulinum toxin) injections",
        "dermal_filler_last": "dermal filler in the area",
        "laser_or_peel_last": "laser treatment or a chemical peel on the area",
        "isotretinoin_last_dose": "isotretinoin (Roaccutane) tablets",
        "cancer_treatment_ended": "chemotherapy or radiotherapy",
    },
}
