"""Informed consent: versioned texts, signing, the hash, the PDF and the API (DOMAIN.md §4)."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime

import pytest
import time_machine
from PIL import Image

from common.models import AuditEvent
from tests.consent.fixtures import data_url, sign_payload
from tests.factories import consent_for, tiny_png
from treatments.consent import selectors as consent_selectors
from treatments.consent import services as consent_services
from treatments.consent.models import Consent, ConsentText
from treatments.plans.defaults import DEFAULT_CONSENT_TEXT, RISKS

pytestmark = pytest.mark.django_db


def png_of(color="white", size=(300, 100), mode="RGB", draw=False) -> bytes:
    from PIL import ImageDraw

    image = Image.new(mode, size, color)
    if draw:
        ImageDraw.Draw(image).line((5, 80, 100, 10, 200, 90, 290, 20), fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def publish_v2(manager, **changes):
    text = consent_services.consent_text_current(clinic=manager.clinic)
    return consent_services.consent_text_publish(
        clinic=manager.clinic,
        actor=manager.user,
        title=changes.get("title", text.title),
        body=changes.get("body", text.body + "\n\nA clinic-specific paragraph."),
        risks=changes.get("risks", text.risks),
    )


# --- consent texts ---------------------------------------------------------------------


def test_the_shipped_text_becomes_version_1_once(clinic):
    first = consent_services.consent_text_current(clinic=clinic)
    again = consent_services.consent_text_current(clinic=clinic)
    assert first.pk == again.pk
    assert first.version == 1
    assert first.title == DEFAULT_CONSENT_TEXT["title"]
    assert first.risks == DEFAULT_CONSENT_TEXT["risks"]
    assert ConsentText.objects.filter(clinic=clinic).count() == 1


def test_the_shipped_text_lists_every_domain_risk_and_says_results_vary(clinic):
    text = consent_services.consent_text_current(clinic=clinic)
    for group, items in RISKS.items():
        assert text.risks[group] == [label for _, label in items]
    assert "several sessions are usually needed" in text.body
    assert "results vary" in text.body


def test_manager_publishes_consecutive_versions_and_old_ones_stay(manager, api):
    v1 = consent_services.consent_text_current(clinic=manager.clinic)
    v2 = publish_v2(manager)
    v3 = publish_v2(manager, title="Consent to microneedling")
    assert (v2.version, v3.version) == (2, 3)
    v1.refresh_from_db()
    assert v1.body == DEFAULT_CONSENT_TEXT["body"]
    assert AuditEvent.objects.filter(object_type="consent_text", action="create").count() == 2

    response = api(manager).get("/api/consent-texts/")
    assert response.status_code == 200
    assert [t["version"] for t in response.json()["results"]] == [3, 2, 1]
    current = api(manager).get("/api/consent-texts/current/").json()
    assert current["version"] == 3
    assert current["title"] == "Consent to microneedling"


def test_publishing_through_the_api_adds_a_risk(manager, api):
    risks = {**DEFAULT_CONSENT_TEXT["risks"]}
    risks["rare"] = [*risks["rare"], "Nerve damage"]
    response = api(manager).post(
        "/api/consent-texts/",
        {"title": "Consent", "body": DEFAULT_CONSENT_TEXT["body"], "risks": risks},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 2
    assert response.json()["risks"]["rare"][-1] == "Nerve damage"


def test_publishing_without_a_domain_risk_is_refused_naming_it(manager, api):
    risks = {group: list(labels) for group, labels in DEFAULT_CONSENT_TEXT["risks"].items()}
    risks["rare"].remove("Keloid")
    risks["less_common"].remove("Cold-sore reactivation")
    response = api(manager).post(
        "/api/consent-texts/",
        {"title": "Consent", "body": DEFAULT_CONSENT_TEXT["body"], "risks": risks},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "consent_risks_missing"
    assert "Keloid" in body["detail"] and "Cold-sore reactivation" in body["detail"]
    assert "Keloid" in body["fields"]["risks.rare"][0]
    assert "Cold-sore reactivation" in body["fields"]["risks.less_common"][0]
    assert not ConsentText.objects.filter(clinic=manager.clinic, version__gt=1).exists()


def test_a_risk_moved_to_another_group_counts_as_missing(manager):
    risks = {group: list(labels) for group, labels in DEFAULT_CONSENT_TEXT["risks"].items()}
    risks["rare"].remove("Keloid")
    risks["expected"].append("Keloid")
    with pytest.raises(consent_services.ApplicationError) as refused:
        publish_v2(manager, risks=risks)
    assert refused.value.status_code == 400
    assert "risks.rare" in refused.value.fields


def test_risks_match_ignoring_case_and_spacing(manager):
    risks = {
        group: [f"  {label.upper()} " for label in labels]
        for group, labels in DEFAULT_CONSENT_TEXT["risks"].items()
    }
    assert publish_v2(manager, risks=risks).version == 2


def test_publishing_must_keep_saying_several_sessions_and_results_vary(manager):
    with pytest.raises(consent_services.ApplicationError) as refused:
        publish_v2(manager, body="I agree to be treated.")
    assert "body" in refused.value.fields


def test_publishing_the_same_text_is_a_conflict(manager, api):
    text = consent_services.consent_text_current(clinic=manager.clinic)
    response = api(manager).post(
        "/api/consent-texts/",
        {"title": text.title, "body": text.body, "risks": text.risks},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "consent_text_unchanged"


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "", "body": "x", "risks": {}},
        {"title": "T", "body": "several sessions, results vary", "risks": {"bogus": ["x"]}},
        {"title": "T", "body": "B", "risks": "nope"},
        {"title": "T", "body": "B"},
    ],
)
def test_bad_consent_texts_are_400(manager, api, payload):
    response = api(manager).post("/api/consent-texts/", payload, format="json")
    assert response.status_code == 400
    assert ConsentText.objects.filter(clinic=manager.clinic, version__gt=1).count() == 0


def test_only_managers_publish(reception, practitioner, api):
    for persona in (reception, practitioner):
        response = api(persona).post(
            "/api/consent-texts/",
            {"title": "T", "body": DEFAULT_CONSENT_TEXT["body"], "risks": {}},
            format="json",
        )
        assert response.status_code == 403
    with pytest.raises(consent_services.PermissionDenied):
        publish_v2(practitioner)


# --- signing -------------------------------------------------------------------------


def test_signing_stores_the_text_version_and_a_hash_that_verifies(practitioner, client_record, api):
    response = api(practitioner).post("/api/consents/", sign_payload(client_record), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    consent = Consent.objects.get(pk=body["id"])
    assert consent.text.version == 1 == body["text_version"]
    assert consent.typed_name == client_record.full_name
    assert bytes(consent.signature_png) == tiny_png()
    assert consent.witnessed_by == practitioner.user
    assert consent.clinic == client_record.clinic
    assert len(consent.content_hash) == 64 and body["content_hash"] == consent.content_hash
    assert consent_services.consent_verify(consent=consent)
    assert body["verified"] is True
    assert body["pdf_url"].endswith(f"/api/consents/{consent.pk}/pdf/")


def test_the_hash_is_sha256_over_the_canonical_record(practitioner, client_record):
    with time_machine.travel(datetime(2025, 3, 30, 0, 30, 15, 123456, tzinfo=UTC), tick=False):
        consent = consent_services.consent_sign(
            clinic=client_record.clinic,
            actor=practitioner.user,
            client=client_record,
            typed_name=client_record.full_name,
            signature_png=tiny_png(),
        )
    text = consent.text
    expected = consent_services.consent_hash(
        clinic_id=client_record.clinic_id,
        client_id=client_record.pk,
        text_version=1,
        title=text.title,
        body=text.body,
        risks=text.risks,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
        signed_at=datetime(2025, 3, 30, 0, 30, 15, 123456, tzinfo=UTC),
    )
    assert consent.content_hash == expected
    consent.refresh_from_db()  # after a round trip through the database
    assert consent_services.consent_verify(consent=consent)


@pytest.mark.parametrize(
    "change",
    [
        {"typed_name": "Someone Else"},
        {"signature_png": png_of(draw=True)},
        {"signed_at": datetime(2020, 1, 1, tzinfo=UTC)},
        {"content_hash": "0" * 64},
    ],
    ids=["name", "signature", "time", "hash"],
)
def test_tampering_with_a_field_breaks_verification(practitioner, client_record, change):
    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=practitioner.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    Consent.objects.filter(pk=consent.pk).update(**change)  # bypasses immutability
    consent.refresh_from_db()
    assert not consent_services.consent_verify(consent=consent)


def test_tampering_with_the_signed_text_breaks_verification(practitioner, client_record):
    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=practitioner.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    ConsentText.objects.filter(pk=consent.text_id).update(body="Nothing can go wrong.")
    consent = Consent.objects.select_related("text").get(pk=consent.pk)
    assert not consent_services.consent_verify(consent=consent)


def test_signing_an_outdated_version_is_refused(manager, practitioner, client_record, api):
    consent_services.consent_text_current(clinic=manager.clinic)
    publish_v2(manager)
    response = api(practitioner).post(
        "/api/consents/", sign_payload(client_record, text_version=1), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "consent_text_outdated"
    assert response.json()["current_version"] == 2
    assert not Consent.objects.exists()

    ok = api(practitioner).post(
        "/api/consents/", sign_payload(client_record, text_version=2), format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["text_version"] == 2


def test_an_unknown_text_version_is_400(practitioner, client_record, api):
    response = api(practitioner).post(
        "/api/consents/", sign_payload(client_record, text_version=7), format="json"
    )
    assert response.status_code == 400
    assert "text_version" in response.json()["fields"]


@pytest.mark.parametrize(
    "signature",
    [
        data_url(png_of()),  # blank white
        data_url(png_of(color=(0, 0, 0, 0), mode="RGBA")),  # blank transparent
        data_url(b"GIF89a not a png at all"),
        "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff").decode(),
        data_url(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20),  # PNG magic, broken inside
        "%%% not base64 %%%",
        "",
    ],
    ids=["blank", "transparent", "gif", "jpeg-url", "broken-png", "bad-base64", "empty"],
)
def test_a_blank_or_non_png_signature_is_400(practitioner, client_record, api, signature):
    response = api(practitioner).post(
        "/api/consents/", sign_payload(client_record, signature=signature), format="json"
    )
    assert response.status_code == 400
    assert "signature" in response.json()["fields"]
    assert not Consent.objects.exists()


def test_plain_base64_and_a_drawn_transparent_png_are_accepted(practitioner, client_record, api):
    from PIL import ImageDraw

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line((5, 80, 150, 10, 290, 80), fill=(0, 0, 0, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = api(practitioner).post(
        "/api/consents/",
        sign_payload(client_record, signature=base64.b64encode(buffer.getvalue()).decode()),
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_a_signature_over_500_kb_is_400(practitioner, client_record):
    import os

    noise = Image.frombytes("RGB", (600, 400), os.urandom(600 * 400 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 500 * 1024
    with pytest.raises(consent_services.ApplicationError) as refused:
        consent_services.consent_sign(
            clinic=client_record.clinic,
            actor=practitioner.user,
            client=client_record,
            typed_name=client_record.full_name,
            signature_png=buffer.getvalue(),
        )
    assert "signature" in refused.value.fields
    assert "500 KB" in refused.value.detail


def test_the_typed_name_must_be_the_clients_name(practitioner, client_record, api):
    response = api(practitioner).post(
        "/api/consents/", sign_payload(client_record, typed_name="Amelia Jones"), format="json"
    )
    assert response.status_code == 400
    message = response.json()["fields"]["typed_name"][0]
    assert "Amelia Hughes" in message
    assert not Consent.objects.exists()

    blank = api(practitioner).post(
        "/api/consents/", sign_payload(client_record, typed_name="   "), format="json"
    )
    assert blank.status_code == 400
    assert "typed_name" in blank.json()["fields"]


def test_the_typed_name_ignores_case_and_extra_spaces(practitioner, client_record, api):
    response = api(practitioner).post(
        "/api/consents/",
        sign_payload(client_record, typed_name="  amelia   HUGHES "),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["typed_name"] == "amelia HUGHES"


def test_reception_can_take_consent(reception, client_record, api):
    response = api(reception).post("/api/consents/", sign_payload(client_record), format="json")
    assert response.status_code == 201
    assert Consent.objects.get().witnessed_by == reception.user


def test_signing_and_reading_write_audit_rows(reception, client_record, api):
    consent_id = (
        api(reception).post("/api/consents/", sign_payload(client_record), format="json").json()
    )["id"]
    api(reception).get(f"/api/consents/{consent_id}/")
    api(reception).get(f"/api/consents/?client={client_record.pk}")
    api(reception).get(f"/api/consents/{consent_id}/pdf/")
    rows = AuditEvent.objects.filter(object_type="consent", object_id=str(consent_id))
    assert list(rows.order_by("id").values_list("action", flat=True)) == [
        "create",
        "read",
        "list",
        "export",
    ]
    assert all(row.client_id == client_record.pk for row in rows)
    assert all(row.actor_id == reception.user.pk for row in rows)
    assert rows.filter(action="create").get().detail["text_version"] == 1


# --- status ----------------------------------------------------------------------------


def test_status_goes_from_none_to_current_to_outdated(manager, reception, client_record):
    status = consent_selectors.consent_status_for(client=client_record)
    assert status.kind == "none" and status.consent is None
    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=reception.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    status = consent_selectors.consent_status_for(client=client_record)
    assert status.kind == "current" and status.consent == consent
    assert consent_selectors.consent_current_for(client=client_record) == consent

    publish_v2(manager)
    status = consent_selectors.consent_status_for(client=client_record)
    assert status.kind == "outdated"
    assert status.consent == consent
    assert status.current_version == 2
    assert consent_selectors.consent_current_for(client=client_record) is None


def test_api_marks_consents_to_an_old_version_as_not_current(
    manager, reception, client_record, api
):
    consent_for(client_record, witnessed_by=reception.user)
    publish_v2(manager)
    body = api(reception).get(f"/api/consents/?client={client_record.pk}").json()
    assert body["count"] == 1
    assert body["results"][0]["current"] is False
