"""The consent API: the signed consent's PDF, and staying inside the clinic."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
import time_machine

from common.models import AuditEvent
from tests.consent.fixtures import ALL_RISK_LABELS, sign_payload
from tests.factories import ClientFactory, consent_for, tiny_png
from treatments.consent import services as consent_services
from treatments.consent.models import Consent
from treatments.plans.defaults import DEFAULT_CONSENT_TEXT

pytestmark = pytest.mark.django_db

# --- the PDF --------------------------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils must be installed"
    path = tmp_path / "consent.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(out.split())


def test_the_pdf_states_everything_the_client_signed(practitioner, client_record, api, tmp_path):
    with time_machine.travel(datetime(2025, 7, 1, 13, 5, tzinfo=UTC), tick=False):
        consent_id = (
            api(practitioner)
            .post("/api/consents/", sign_payload(client_record), format="json")
            .json()["id"]
        )
    response = api(practitioner).get(f"/api/consents/{consent_id}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="consent-{consent_id}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf, tmp_path)
    consent = Consent.objects.get(pk=consent_id)
    assert client_record.full_name in text
    assert client_record.clinic.name in text
    assert DEFAULT_CONSENT_TEXT["title"] in text
    for label in ALL_RISK_LABELS:
        assert label in text, label
    for heading in ("Expected", "Less common", "Rare"):
        assert heading in text
    assert "several sessions" in text
    assert "results vary" in text
    assert "Version 1" in text
    assert consent.content_hash in text
    assert "1 July 2025, 14:05" in text  # the clinic's time (London, summer time)
    assert practitioner.user.full_name in text
    assert client_record.date_of_birth.strftime("%-d %B %Y") in text


def test_the_pdf_embeds_the_drawn_signature(practitioner, client_record):
    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=practitioner.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    pdf = consent_services.consent_pdf(consent=consent)
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf


# --- scoping ---------------------------------------------------------------------------


def test_another_clinics_consent_is_404(other_manager, reception, client_record, api):
    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=reception.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    outsider = api(other_manager)
    assert outsider.get(f"/api/consents/{consent.pk}/").status_code == 404
    assert outsider.get(f"/api/consents/{consent.pk}/pdf/").status_code == 404
    assert outsider.get(f"/api/consents/?client={client_record.pk}").status_code == 404
    assert outsider.get("/api/consents/").json()["count"] == 0
    assert (
        outsider.post("/api/consents/", sign_payload(client_record), format="json").status_code
        == 404
    )
    assert not AuditEvent.objects.filter(
        object_type="consent",
        object_id=str(consent.pk),
        actor=other_manager.user,
        outcome="allowed",
    ).exists()


def test_a_client_of_another_clinic_cannot_be_signed_for_directly(reception, other_client_record):
    with pytest.raises(consent_services.NotFound):
        consent_services.consent_sign(
            clinic=reception.clinic,
            actor=reception.user,
            client=other_client_record,
            typed_name=other_client_record.full_name,
            signature_png=tiny_png(),
        )


def test_list_is_paginated_and_filters_by_client(reception, client_record, api):
    other = ClientFactory(clinic=client_record.clinic, first_name="Ben", last_name="Ode")
    for who in (client_record, client_record, other):
        consent_for(who, witnessed_by=reception.user)
    everyone = api(reception).get("/api/consents/?page_size=2").json()
    assert everyone["count"] == 3 and len(everyone["results"]) == 2 and everyone["next"]
    one = api(reception).get(f"/api/consents/?client={other.pk}").json()
    assert one["count"] == 1 and one["results"][0]["client_name"] == "Ben Ode"
    assert api(reception).get("/api/consents/?client=abc").status_code == 400


def test_signing_requires_sign_in(client_record, api):
    assert api().post("/api/consents/", sign_payload(client_record), format="json").status_code in (
        401,
        403,
    )
