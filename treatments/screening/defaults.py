"""The screening rule set the product ships with (DOMAIN.md section 1), as plain data.

Everything here is JSON-serialisable so it can be stored in a database JSON column as
version 1 of a clinic's rule set; a medical director may change any number, and every
change is a new version. ``treatments.screening.rules`` reads this shape:

- ``DEFAULT_RULE_SET = {"questions": [...], "rules": [...]}``
- ``SOURCES``: source key -> citation, from the "Sources" list of DOMAIN.md.

Questions are in the order of the paper intake form (grouped as ``QUESTION_GROUPS``);
rules are in the order of the DOMAIN.md table, which is also the order of findings of
equal severity.
"""

from __future__ import annotations

from typing import Any

#: Intake-form sections, in the order the form asks them: group code -> heading.
QUESTION_GROUPS: dict[str, str] = {
    "medications": "Medications",
    "medical_history": "Medical history",
    "allergies": "Allergies",
    "skin_today": "The skin to be treated, today",
    "skincare_and_sun": "Skincare and sun",
    "recent_treatments": "Recent cosmetic treatments",
}

_NEVER = "Answer “never / not applicable” if there is no date to give."


def _boolean(code: str, group: str, text: str, hint: str = "") -> dict[str, Any]:
    return {
        "code": code,
        "text": text,
        "help": hint,
        "type": "boolean",
        "choices": [],
        "group": group,
        "past_date": False,
    }


def _last_date(code: str, group: str, text: str, hint: str = "") -> dict[str, Any]:
    return {
        "code": code,
        "text": text,
        "help": hint,
        "type": "date",
        "choices": [],
        "group": group,
        "past_date": True,
    }


QUESTIONS: list[dict[str, Any]] = [
    # --- medications
    _boolean(
        "isotretinoin_current",
        "medications",
        "Are you currently taking isotretinoin (Roaccutane, Accutane) or any oral acne "
        "medication of that kind?",
        "Tablets for severe acne prescribed by a dermatologist.",
    ),
    _last_date(
        "isotretinoin_last_dose",
        "medications",
        "When did you take your last dose of isotretinoin (Roaccutane, Accutane)? "
        "Answer “never” if you have never taken it.",
        "If you are still taking it, give the date of your most recent dose.",
    ),
    _boolean(
        "anticoagulant_use",
        "medications",
        "Do you take blood thinners (for example warfarin, apixaban, rivaroxaban, clopidogrel) "
        "or aspirin or anti-inflammatory painkillers (ibuprofen, naproxen) every day?",
        "Do not stop any prescribed medicine for this treatment without your doctor's advice.",
    ),
    # --- medical history
    _boolean(
        "pregnant_or_breastfeeding",
        "medical_history",
        "Are you pregnant, trying to become pregnant, or breastfeeding?",
    ),
    _boolean(
        "bleeding_disorder",
        "medical_history",
        "Do you have a bleeding or clotting disorder, such as haemophilia or a low platelet "
        "count (thrombocytopenia)?",
    ),
    _boolean(
        "keloid_tendency",
        "medical_history",
        "Do you form keloids or thick, raised (hypertrophic) scars when your skin heals?",
    ),
    _boolean(
        "collagen_vascular_disease",
        "medical_history",
        "Do you have a connective-tissue (collagen-vascular) disease such as scleroderma or lupus?",
    ),
    {
        "code": "diabetes",
        "text": "Do you have diabetes? If so, is it well controlled?",
        "help": "Controlled means your doctor is satisfied with your blood sugar levels.",
        "type": "choice",
        "choices": [
            {"value": "none", "label": "No diabetes"},
            {"value": "controlled", "label": "Yes, controlled"},
            {"value": "uncontrolled", "label": "Yes, not well controlled"},
        ],
        "group": "medical_history",
        "past_date": False,
    },
    _boolean(
        "immunosuppressed",
        "medical_history",
        "Is your immune system weakened by an illness or by medication (for example steroid "
        "tablets, transplant medicines, biologics)?",
    ),
    _boolean(
        "cancer_treatment_current",
        "medical_history",
        "Are you currently having treatment for cancer (chemotherapy or radiotherapy)?",
    ),
    _last_date(
        "cancer_treatment_ended",
        "medical_history",
        "If you have had cancer treatment (chemotherapy or radiotherapy) in the past, when did "
        "it end? Answer “never” if you have never had cancer treatment.",
    ),
    _boolean(
        "herpes_simplex_history",
        "medical_history",
        "Have you ever had cold sores (herpes simplex)?",
    ),
    _boolean(
        "skin_condition_history",
        "medical_history",
        "Have you ever had eczema, psoriasis or rosacea?",
    ),
    _boolean(
        "frequent_rashes",
        "medical_history",
        "Do you often get skin rashes?",
    ),
    # --- allergies
    _boolean(
        "metal_allergy",
        "allergies",
        "Are you allergic to stainless steel or nickel (for example a rash from jewellery, "
        "watch straps or belt buckles)?",
    ),
    _boolean(
        "anaesthetic_allergy",
        "allergies",
        "Have you ever had an allergic reaction to a local anaesthetic or numbing cream "
        "(for example lidocaine, as used at the dentist)?",
    ),
    # --- the skin to be treated, today
    _boolean(
        "skin_condition_active_in_area",
        "skin_today",
        "Do you have an eczema, psoriasis or rosacea flare in the area to be treated right now?",
    ),
    _boolean(
        "active_lesions_in_area",
        "skin_today",
        "Is there any active acne (spots with pus), a cold sore, warts or an infection in the "
        "area to be treated?",
    ),
    _boolean(
        "raised_lesions_in_area",
        "skin_today",
        "Are there any raised moles, skin tags or rough scaly patches in the area to be treated?",
    ),
    _boolean(
        "skin_cancer_in_area",
        "skin_today",
        "Do you have, or are you being checked for, skin cancer in the area to be treated?",
    ),
    _boolean(
        "scar_or_stretch_mark_under_1y",
        "skin_today",
        "Is the scar or stretch mark to be treated less than a year old?",
        "Answer no if you are not having scars or stretch marks treated.",
    ),
    # --- skincare and sun
    _last_date(
        "retinoid_acid_last_use",
        "skincare_and_sun",
        "When did you last use a retinoid (retinol, tretinoin, adapalene) or an exfoliating "
        "acid (glycolic, lactic, salicylic) on the area to be treated? " + _NEVER,
        "Check the ingredients of serums, night creams and acne gels.",
    ),
    _last_date(
        "sunburn_or_tan_last",
        "skincare_and_sun",
        "When did you last have sunburn or a tan (sun, sunbed or self-tan) on the area to be "
        "treated? Answer “not applicable” if you have not had one recently.",
    ),
    # --- recent cosmetic treatments
    _last_date(
        "botulinum_toxin_last",
        "recent_treatments",
        "When did you last have anti-wrinkle injections (botulinum toxin, e.g. Botox)? " + _NEVER,
    ),
    _last_date(
        "dermal_filler_last",
        "recent_treatments",
        "When did you last have dermal filler injections? " + _NEVER,
    ),
    _last_date(
        "laser_or_peel_last",
        "recent_treatments",
        "When did you last have a laser treatment or a chemical peel on the area to be "
        "treated? " + _NEVER,
    ),
]


def _is_true(question: str) -> dict[str, Any]:
    return {"type": "answer_is", "question": question, "value": True}


RULES: list[dict[str, Any]] = [
    {
        "code": "ISO_CURRENT",
        "title": "Taking isotretinoin",
        "severity": "defer",
        "condition": _is_true("isotretinoin_current"),
        "explanation": (
            "Client is currently taking isotretinoin. Microneedling is not done during the "
            "course because healing is impaired and scarring risk is raised. Re-screen after "
            "the course has ended: treatment is possible 6 months after the last dose."
        ),
        "sources": ["SPL", "ISO1"],
    },
    {
        "code": "ISO_RECENT",
        "title": "Isotretinoin in the last 6 months",
        "severity": "defer",
        "condition": {"type": "date_within", "question": "isotretinoin_last_dose", "months": 6},
        "explanation": (
            "Last isotretinoin dose on {answer_date}. Microneedling waits 6 months after the "
            "last dose because healing is impaired and scarring risk is raised; eligible from "
            "{eligible_from}."
        ),
        "sources": ["ISO1", "C6", "C2", "C8"],
    },
    {
        "code": "BLEEDING_DISORDER",
        "title": "Bleeding or clotting disorder",
        "severity": "contraindicated",
        "condition": _is_true("bleeding_disorder"),
        "explanation": (
            "Client has a bleeding or clotting disorder (e.g. haemophilia, thrombocytopenia). "
            "Microneedling causes pinpoint bleeding and bleeding could be uncontrolled: do not "
            "treat."
        ),
        "sources": ["SPL"],
    },
    {
        "code": "ANTICOAGULANT",
        "title": "Blood thinners or daily aspirin/NSAIDs",
        "severity": "caution",
        "condition": _is_true("anticoagulant_use"),
        "explanation": (
            "Client takes blood thinners or daily aspirin/NSAIDs: expect more bleeding and "
            "bruising. A practitioner must review before treatment. Never tell the client to "
            "stop a prescribed medicine; that is for their prescriber."
        ),
        "sources": ["SPM", "C2"],
    },
    {
        "code": "KELOID",
        "title": "Keloid or hypertrophic scarring",
        "severity": "contraindicated",
        "condition": _is_true("keloid_tendency"),
        "explanation": (
            "Client forms keloid or hypertrophic scars. Needle injuries can trigger new "
            "abnormal scars: do not treat."
        ),
        "sources": ["C1", "C10"],
    },
    {
        "code": "SKIN_CONDITION_ACTIVE",
        "title": "Eczema, psoriasis or rosacea flare in the area",
        "severity": "defer",
        "condition": _is_true("skin_condition_active_in_area"),
        "explanation": (
            "Client has an active eczema, psoriasis or rosacea flare in the treatment area. "
            "Needling inflamed skin worsens it. Not now: re-screen when the flare has settled."
        ),
        "sources": ["SPM", "C1"],
    },
    {
        "code": "SKIN_CONDITION_HISTORY",
        "title": "History of eczema, psoriasis or rosacea",
        "severity": "caution",
        "condition": {
            "type": "all",
            "conditions": [
                _is_true("skin_condition_history"),
                {"type": "answer_is", "question": "skin_condition_active_in_area", "value": False},
            ],
        },
        "explanation": (
            "Client has had eczema, psoriasis or rosacea (not active in the area now). "
            "Needling can provoke a flare. A practitioner must review before treatment."
        ),
        "sources": ["SPM"],
    },
    {
        "code": "ACTIVE_LESIONS",
        "title": "Active acne, cold sore, warts or infection in the area",
        "severity": "defer",
        "condition": _is_true("active_lesions_in_area"),
        "explanation": (
            "Client has active acne pustules, a cold sore, warts or an infection in the "
            "treatment area. Needling can spread infection. Not now: re-screen when healed."
        ),
        "sources": ["SPM", "C1"],
    },
    {
        "code": "RAISED_LESIONS",
        "title": "Moles, skin tags or keratoses in the area",
        "severity": "caution",
        "condition": _is_true("raised_lesions_in_area"),
        "explanation": (
            "Client has raised lesions in the area (moles, skin tags, actinic keratoses). "
            "Never needle over them: the practitioner needles around them. A practitioner must "
            "review before treatment; a changing mole needs a doctor's check first."
        ),
        "sources": ["C1", "C16", "C18"],
    },
    {
        "code": "SKIN_CANCER",
        "title": "Skin cancer in the area",
        "severity": "contraindicated",
        "condition": _is_true("skin_cancer_in_area"),
        "explanation": (
            "Client has, or is being checked for, skin cancer in the treatment area: do not "
            "treat. Refer the client to their doctor."
        ),
        "sources": ["SPL"],
    },
    {
        "code": "CANCER_TREATMENT_CURRENT",
        "title": "Current cancer treatment",
        "severity": "contraindicated",
        "condition": _is_true("cancer_treatment_current"),
        "explanation": (
            "Client is having chemotherapy or radiotherapy. Healing and immunity are impaired "
            "and infection risk is high: do not treat."
        ),
        "sources": ["C1"],
    },
    {
        "code": "CANCER_TREATMENT_RECENT",
        "title": "Cancer treatment ended less than 12 months ago",
        "severity": "defer",
        "condition": {"type": "date_within", "question": "cancer_treatment_ended", "months": 12},
        "explanation": (
            "Cancer treatment ended on {answer_date}. Microneedling waits 12 months after the "
            "end of chemotherapy or radiotherapy while healing and immunity recover; eligible "
            "from {eligible_from}, then with medical clearance."
        ),
        "sources": ["C19", "C22"],
    },
    {
        "code": "CANCER_TREATMENT_PAST",
        "title": "Past cancer treatment: medical clearance",
        "severity": "caution",
        "condition": {"type": "date_at_least", "question": "cancer_treatment_ended", "months": 12},
        "explanation": (
            "Cancer treatment ended on {answer_date}, 12 months or more ago. Treat only with "
            "written clearance from the client's oncologist or doctor; a practitioner must "
            "review and record it before treatment."
        ),
        "sources": ["C11"],
    },
    {
        "code": "PREGNANCY",
        "title": "Pregnant or breastfeeding",
        "severity": "defer",
        "condition": _is_true("pregnant_or_breastfeeding"),
        "explanation": (
            "Client is pregnant, trying to conceive or breastfeeding. Microneedling is not "
            "offered then (safety not established; pigmentation changes are more likely). "
            "Not now: re-screen after breastfeeding has ended."
        ),
        "sources": ["SPL", "C1"],
    },
    {
        "code": "DIABETES_UNCONTROLLED",
        "title": "Uncontrolled diabetes",
        "severity": "defer",
        "condition": {"type": "answer_is", "question": "diabetes", "value": "uncontrolled"},
        "explanation": (
            "Client's diabetes is not well controlled: wounds heal poorly and infection risk is "
            "raised. Not now: re-screen when their doctor confirms it is controlled."
        ),
        "sources": ["C1"],
    },
    {
        "code": "DIABETES_CONTROLLED",
        "title": "Controlled diabetes",
        "severity": "caution",
        "condition": {"type": "answer_is", "question": "diabetes", "value": "controlled"},
        "explanation": (
            "Client has controlled diabetes; healing may be slower. A practitioner must review "
            "before treatment and may ask for medical clearance."
        ),
        "sources": ["C1"],
    },
    {
        "code": "IMMUNOSUPPRESSION",
        "title": "Weakened immune system",
        "severity": "caution",
        "condition": _is_true("immunosuppressed"),
        "explanation": (
            "Client is immunosuppressed (illness or medication): higher risk of infection, "
            "including cold-sore reactivation, and of poor healing. A practitioner must review "
            "before treatment; medical clearance is advised."
        ),
        "sources": ["HSV2", "C10"],
    },
    {
        "code": "RETINOIDS_ACIDS",
        "title": "Retinoids or exfoliating acids in the last 7 days",
        "severity": "defer",
        "condition": {"type": "date_within", "question": "retinoid_acid_last_use", "days": 7},
        "explanation": (
            "Retinoids or exfoliating acids last used on {answer_date}. They make the skin "
            "thinner and easily irritated, so microneedling waits 7 days after the last use; "
            "eligible from {eligible_from}. The client must not use them until then."
        ),
        "sources": ["C6", "C8"],
    },
    {
        "code": "SUN_EXPOSURE",
        "title": "Sunburn or tan in the last 14 days",
        "severity": "defer",
        "condition": {"type": "date_within", "question": "sunburn_or_tan_last", "days": 14},
        "explanation": (
            "Sunburn or tan on {answer_date}. Sun-damaged or tanned skin heals worse and "
            "pigments more easily, so microneedling waits 14 days; eligible from "
            "{eligible_from}. The client must avoid sun and tanning until then."
        ),
        "sources": ["C2", "C17"],
    },
    {
        "code": "BOTULINUM_TOXIN",
        "title": "Botulinum toxin in the last 14 days",
        "severity": "defer",
        "condition": {"type": "date_within", "question": "botulinum_toxin_last", "days": 14},
        "explanation": (
            "Botulinum toxin injected on {answer_date}. Microneedling waits 14 days so that "
            "needling and pressure do not spread the toxin before it has settled; eligible "
            "from {eligible_from}."
        ),
        "sources": ["C8", "C23", "C9"],
    },
    {
        "code": "DERMAL_FILLER",
        "title": "Dermal filler in the last 28 days",
        "severity": "defer",
        "condition": {"type": "date_within", "question": "dermal_filler_last", "days": 28},
        "explanation": (
            "Dermal filler injected on {answer_date}. Microneedling waits 28 days so the filler "
            "settles and is not displaced or infected; eligible from {eligible_from}."
        ),
        "sources": ["C9"],
    },
    {
        "code": "LASER_OR_PEEL",
        "title": "Laser or chemical peel in the last 14 days",
        "severity": "defer",
        "condition": {"type": "date_within", "question": "laser_or_peel_last", "days": 14},
        "explanation": (
            "Laser treatment or chemical peel on {answer_date}. The skin barrier needs 14 days "
            "to recover before microneedling; eligible from {eligible_from}."
        ),
        "sources": ["C2", "C24"],
    },
    {
        "code": "METAL_ALLERGY",
        "title": "Stainless steel or nickel allergy",
        "severity": "contraindicated",
        "condition": _is_true("metal_allergy"),
        "explanation": (
            "Client is allergic to stainless steel or nickel, which the needles are made of: "
            "do not treat."
        ),
        "sources": ["SPL"],
    },
    {
        "code": "ANAESTHETIC_ALLERGY",
        "title": "Local anaesthetic allergy",
        "severity": "caution",
        "condition": _is_true("anaesthetic_allergy"),
        "explanation": (
            "Client is allergic to local anaesthetics: do not apply topical anaesthetic "
            "(numbing cream). A practitioner must review before treatment."
        ),
        "sources": ["SPL"],
    },
    {
        "code": "HERPES_HISTORY",
        "title": "History of cold sores",
        "severity": "caution",
        "condition": _is_true("herpes_simplex_history"),
        "explanation": (
            "Client has had cold sores (herpes simplex); needling can reactivate them. A "
            "practitioner must review before treatment. Antiviral prophylaxis is for the "
            "client's prescriber to decide, before treatment of the face."
        ),
        "sources": ["HSV1"],
    },
    {
        "code": "COLLAGEN_VASCULAR",
        "title": "Collagen-vascular disease",
        "severity": "contraindicated",
        "condition": _is_true("collagen_vascular_disease"),
        "explanation": (
            "Client has a collagen-vascular disease (e.g. scleroderma, lupus). Healing and "
            "scarring are unpredictable: do not treat."
        ),
        "sources": ["C10", "C16"],
    },
    {
        "code": "YOUNG_SCAR",
        "title": "Scar or stretch mark under a year old",
        "severity": "caution",
        "condition": _is_true("scar_or_stretch_mark_under_1y"),
        "explanation": (
            "The scar or stretch mark to treat is less than a year old and still remodelling. "
            "A practitioner must review before treatment."
        ),
        "sources": ["SPM"],
    },
    {
        "code": "FREQUENT_RASHES",
        "title": "Frequent skin rashes",
        "severity": "caution",
        "condition": _is_true("frequent_rashes"),
        "explanation": (
            "Client often gets skin rashes; needling can trigger a reaction. A practitioner "
            "must review before treatment."
        ),
        "sources": ["SEED003"],
    },
    {
        "code": "MINOR",
        "title": "Under 18",
        "severity": "contraindicated",
        "condition": {"type": "age_under", "years": 18},
        "explanation": (
            "Client is {age} on the planned date. Microneedling is for adults (18 and over) "
            "only: clinic policy, and device clearances are for adults. Do not treat."
        ),
        "sources": ["POLICY", "FDA1"],
    },
    {
        "code": "PIH_RISK",
        "title": "Risk of post-inflammatory hyperpigmentation",
        "severity": "note",
        "condition": {"type": "fitzpatrick_in", "types": [4, 5, 6]},
        "explanation": (
            "Fitzpatrick skin type {fitzpatrick}: higher risk of post-inflammatory "
            "hyperpigmentation. Use a conservative needle depth and insist on strict sun "
            "protection before and after treatment."
        ),
        "sources": ["SoC", "CHU"],
    },
]

DEFAULT_RULE_SET: dict[str, Any] = {"questions": QUESTIONS, "rules": RULES}

_CLINIC_SHEET = "Published clinic pre-care/aftercare sheet C{n} (practice, not evidence)"

#: Source key -> citation (DOMAIN.md "Sources"). Keys are spelled as there ("SoC" included).
SOURCES: dict[str, str] = {
    "A2": "Alster technique, AAD 2015 meeting report (plasticsurgerypractice.com)",
    "CH": '"Microneedling" chapter, plasticsurgerykey.com',
    "CHU": "Chu et al., Dermatol Surg 2021",
    "DP": "Dr. Pen needle-depth guide (manufacturer)",
    "F": "Fabbrocini et al. 2014",
    "FDA1": 'fda.gov "Microneedling devices"',
    "FDA2": "FDA 2020 final guidance on microneedling devices",
    "FZ": "NCBI Bookshelf NBK481857",
    "G": "drpmg.com 2016",
    "GB": "Goodman & Baron, J Cosmet Dermatol 2006",
    "GL": "Glogau classification",
    "GR1": "Soltani-Arabshahi et al., JAMA Dermatol 2014",
    "GR2": "Friedmann et al., Dermatol Surg 2024",
    "GR3": "Martin & Huang, JAAD Case Rep 2021",
    "H": "Harris et al., Int J Womens Dermatol 2015",
    "HA": "Dhurat et al. 2013",
    "HA2": "English et al. 2021",
    "HSV1": "Gold et al., J Drugs Dermatol 2021",
    "HSV2": "J Drugs Dermatol 2024 acne-scar article",
    "IS": "iS Skin Source 2021",
    "ISO1": "isotretinoin prescribing information (6 months)",
    "ISO4": "multicentre isotretinoin procedures study (PMC4924407)",
    "ME": "Saleh et al. 2019",
    "ME2": "JoVE 2024",
    "SoC": "Cohen & Elbuluk, JAAD 2016",
    "SP": 'StatPearls "Microneedling"',
    "SPL": "SkinPen labelling (contraindications)",
    "SPM": "SkinPen manual (warnings)",
    "ST2": "Am J Clin Dermatol 2018",
    "T": "Talakoub, MDedge",
    "W": "Exceed microneedling study (PMC6122507)",
    **{f"C{n}": _CLINIC_SHEET.format(n=n) for n in range(1, 25)},
    "SEED003": (
        'Original treatment description 003, "Everything You Need to Know About '
        'Microneedling" (who should avoid microneedling: frequent skin rashes)'
    ),
    "POLICY": "Clinic policy (set by the clinic's medical director)",
}
