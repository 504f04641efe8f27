"""The aftercare template the product ships with (DOMAIN.md §3).

Version 1 of every clinic's aftercare template is a copy of this; managers publish
later versions. Offsets are read by ``aftercare.timeline.parse_offset``.
"""

from __future__ import annotations

from typing import Any

WARNING_SIGNS = [
    "Increasing redness, swelling, pain or discharge",
    "A cold-sore outbreak",
    "New itchy red bumps 3–7 days after the treatment",
    "Swollen lymph nodes",
    "Persistent bleeding or bruising",
]

DEFAULT_AFTERCARE: dict[str, Any] = {
    "items": [
        {
            "code": "immediate",
            "kind": "aftercare_immediate",
            "label": "Straight after your treatment",
            "offset": "+0h",
            "text": (
                "Redness like a mild sunburn is expected. For the next 24 hours use only "
                "the products the clinic gave you; wash with lukewarm water only and do not "
                "scrub. No makeup, no exercise or sweating (sauna, hot tub), and no swimming "
                "or soaking for 24 hours. Do not pick at your skin. Contact the clinic at "
                "once if you notice any of the warning signs below."
            ),
            "email": True,
            "optional": False,
            "sources": "C3, C14, C15, seeds 000/002/004",
        },
        {
            "code": "24h",
            "kind": "aftercare_24h",
            "label": "24 hours after",
            "offset": "+24h",
            "text": (
                "24 hours have passed: makeup, exercise and swimming may resume. Start "
                "applying a broad-spectrum sunscreen SPF 30 or higher every day."
            ),
            "email": True,
            "optional": False,
            "sources": "C3, C14, card",
        },
        {
            "code": "sunscreen",
            "kind": "aftercare_sunscreen",
            "label": "Morning sun protection",
            "offset": "days 2-7 09:00",
            "text": (
                "Good morning: apply sunscreen SPF 30 or higher before you go out, reapply "
                "during the day and avoid the sun where you can."
            ),
            "email": True,
            "optional": True,
            "sources": "C3, C20",
        },
        {
            "code": "day3",
            "kind": "aftercare_day3",
            "label": "Day-3 check-in",
            "offset": "day 3 09:00",
            "text": (
                "How is your skin? Some flaking is normal now: let it come off by itself and "
                "do not pick. Contact the clinic on any of the warning signs below."
            ),
            "email": True,
            "optional": False,
            "sources": "C6, C7, GR3",
        },
        {
            "code": "day7",
            "kind": "aftercare_day7",
            "label": "One week after",
            "offset": "day 7 09:00",
            "text": (
                "From today retinoids, acids and vitamin C may be used again. No toxin "
                "(anti-wrinkle injections) or filler before day 14."
            ),
            "email": True,
            "optional": False,
            "sources": "C7, C8",
        },
        {
            "code": "day14",
            "kind": "aftercare_day14",
            "label": "Two weeks after",
            "offset": "day 14 09:00",
            "text": (
                "The strict sun-protection period ends today. Keep using sunscreen "
                "every day to protect your results."
            ),
            "email": True,
            "optional": True,
            "sources": "C3, C14",
        },
        {
            "code": "next_session",
            "kind": "aftercare_next_session",
            "label": "Your next session",
            "offset": "next session -7 days 09:00",
            "text": (
                "Your next session of the course is due in about a week. Reply to this "
                "e-mail or call the clinic to book it."
            ),
            "email": True,
            "optional": True,
            "sources": "G, T",
        },
    ],
    "warning_signs": WARNING_SIGNS,
    "warning_signs_sources": "C6, GR3, GR4, CHU",
}
