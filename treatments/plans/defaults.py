"""Shipped defaults for protocols, risks and consent text (DOMAIN.md §2, §4, §5).

These are data: a clinic's version 1 is a copy of them, and managers publish
their own versions afterwards. Nothing else in the code repeats these numbers.
"""

from __future__ import annotations

from typing import Any

# Indication codes are the client's skin-concern codes (clinic.models.SkinConcern).
DEFAULT_PROTOCOLS: dict[str, Any] = {
    "indications": {
        "fine_lines_wrinkles": {
            "label": "Fine lines and wrinkles",
            "depth_min_mm": "0.5",
            "depth_max_mm": "1.0",
            "sessions": 4,
            "sessions_max": 4,
            "interval_days": 28,
            "endpoint": ["erythema", "pinpoint_bleeding"],
            "default_areas": ["forehead", "periorbital", "cheeks_chin"],
            "sources": ["IS", "W"],
        },
        "acne_scars": {
            "label": "Acne scars",
            "depth_min_mm": "1.5",
            "depth_max_mm": "2.0",
            "sessions": 3,
            "sessions_max": 6,
            "interval_days": 28,
            "endpoint": ["pinpoint_bleeding"],
            "default_areas": ["cheeks_chin"],
            "sources": ["IS", "H", "F"],
        },
        "stretch_marks": {
            "label": "Stretch marks (body)",
            "depth_min_mm": "1.5",
            "depth_max_mm": "2.0",
            "sessions": 5,
            "sessions_max": 5,
            "interval_days": 28,
            "endpoint": ["pinpoint_bleeding"],
            "default_areas": ["body"],
            "sources": ["DP", "ST2"],
        },
        "hyperpigmentation_melasma": {
            "label": "Hyperpigmentation / melasma",
            "depth_min_mm": "0.25",
            "depth_max_mm": "0.5",
            "sessions": 4,
            "sessions_max": 6,
            "sessions_min": 3,
            "interval_days": 14,
            "endpoint": ["erythema_without_bleeding"],
            "default_areas": ["cheekbones", "cheeks_chin", "forehead", "upper_lip"],
            "sources": ["ME", "ME2"],
        },
        "enlarged_pores_texture": {
            "label": "Enlarged pores / texture",
            "depth_min_mm": "0.5",
            "depth_max_mm": "1.0",
            "sessions": 3,
            "sessions_max": 3,
            "interval_days": 28,
            "endpoint": ["erythema"],
            "default_areas": ["nose", "cheeks_chin"],
            "sources": ["CH", "G"],
        },
        "hair_loss": {
            "label": "Hair loss (scalp)",
            "depth_min_mm": "0.5",
            "depth_max_mm": "1.5",
            "sessions": 12,
            "sessions_max": 12,
            "interval_days": 7,
            "endpoint": ["erythema"],
            "default_areas": ["scalp"],
            "sources": ["HA", "HA2"],
        },
    },
    # Manufacturer depth chart (DP): maximum depth in mm for thin and thick skin.
    "areas": {
        "forehead": {"label": "Forehead", "thin_max_mm": "0.5", "thick_max_mm": "0.75"},
        "periorbital": {
            "label": "Periorbital",
            "thin_max_mm": "0.25",
            "thick_max_mm": "0.5",
            "note": "Never inside the orbital rim (SPL).",
        },
        "nose": {"label": "Nose", "thin_max_mm": "0.25", "thick_max_mm": "0.5"},
        "upper_lip": {"label": "Upper lip", "thin_max_mm": "0.25", "thick_max_mm": "0.75"},
        "cheekbones": {"label": "Cheekbones", "thin_max_mm": "0.5", "thick_max_mm": "1.0"},
        "cheeks_chin": {"label": "Cheeks and chin", "thin_max_mm": "1.0", "thick_max_mm": "2.0"},
        "body": {
            "label": "Body (abdomen, thighs, arms)",
            "thin_max_mm": "2.0",
            "thick_max_mm": "2.5",
        },
        "scalp": {"label": "Scalp", "thin_max_mm": "1.5", "thick_max_mm": "1.5"},
    },
    "endpoints": {
        "erythema": "Erythema",
        "erythema_without_bleeding": "Erythema without bleeding",
        "pinpoint_bleeding": "Pinpoint bleeding",
    },
    "maintenance": {
        "months_min": 6,
        "months_max": 12,
        "text": "Maintenance: one session every 6–12 months.",
        "sources": ["G", "T"],
    },
    # Fitzpatrick IV–VI (the PIH_RISK screening note says the same; SoC, CHU).
    "pih": {
        "fitzpatrick_from": 4,
        "text": (
            "Fitzpatrick IV–VI: risk of post-inflammatory hyperpigmentation. Use "
            "conservative depth (the lower end of the range) and insist on strict sun "
            "protection."
        ),
        "sources": ["SoC", "CHU"],
    },
}


# DOMAIN.md §4: what consent lists and what adverse-event recording offers.
RISKS: dict[str, list[tuple[str, str]]] = {
    "expected": [
        ("redness", "Redness"),
        ("swelling", "Swelling"),
        ("pain", "Pain"),
        ("pinpoint_bleeding", "Pinpoint bleeding"),
        ("bruising", "Bruising"),
        ("dryness_flaking", "Dryness or flaking"),
        ("itching", "Itching"),
    ],
    "less_common": [
        ("pih", "Post-inflammatory hyperpigmentation"),
        ("acne_flare", "Acne flare"),
        ("milia", "Milia"),
        ("contact_dermatitis", "Contact dermatitis"),
        ("swollen_lymph_nodes", "Swollen lymph nodes"),
        ("cold_sore_reactivation", "Cold-sore reactivation"),
        ("infection", "Infection"),
    ],
    "rare": [
        ("tram_track_scarring", "Tram-track scarring"),
        ("granulomatous_allergic_reaction", "Granulomatous or allergic reaction"),
        ("keloid", "Keloid"),
        ("anaesthetic_toxicity", "Anaesthetic toxicity"),
    ],
}
RISK_GROUP_LABELS = {"expected": "Expected", "less_common": "Less common", "rare": "Rare"}
RISK_SOURCES = ["CHU", "H", "GR1", "GR2", "ISO4", "ANE", "FDA2"]
ADVERSE_EVENT_CHOICES: list[tuple[str, str]] = [
    item for group in ("expected", "less_common", "rare") for item in RISKS[group]
]
ADVERSE_EVENT_CODES = frozenset(code for code, _ in ADVERSE_EVENT_CHOICES)

DEFAULT_CONSENT_TEXT: dict[str, Any] = {
    "title": "Consent to collagen induction therapy (microneedling)",
    "body": (
        "I consent to a course of microneedling (collagen induction therapy) at this "
        "clinic. The practitioner has explained the treatment, what it aims to achieve "
        "and the alternatives, and I have had the chance to ask questions.\n\n"
        "I understand that several sessions are usually needed and that results vary "
        "from person to person; no particular result is guaranteed.\n\n"
        "I have answered the health questions truthfully and will tell the clinic before "
        "each session if anything has changed (new medicines, pregnancy, cold sores, skin "
        "infections or other conditions).\n\n"
        "I will follow the aftercare instructions I am given and will contact the clinic "
        "if I notice any of the warning signs."
    ),
    "risks": {group: [label for _, label in items] for group, items in RISKS.items()},
    "sources": ["seed 001", "SP", *RISK_SOURCES],
}

# DOMAIN.md §5 scales.
GLOGAU_CHOICES = [(1, "I"), (2, "II"), (3, "III"), (4, "IV")]
GOODMAN_BARON_CHOICES = [(1, "Grade 1"), (2, "Grade 2"), (3, "Grade 3"), (4, "Grade 4")]
GAIS_CHOICES = [
    (1, "Exceptional improvement"),
    (2, "Very improved"),
    (3, "Improved"),
    (4, "No change"),
    (5, "Worse"),
]
