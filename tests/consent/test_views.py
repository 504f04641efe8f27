"""The staff pages for consent: capture screen, signed consent, PDF, consent texts, client panel."""

from __future__ import annotations

import base64
import io
from html import unescape

import pytest
from PIL import Image

from common.models import AuditEvent
from tests.factories import consent_for, tiny_png
from treatments.consent import services as consent_services
from treatments.consent.models import Consent, ConsentText
from treatments.plans.defaults import DEFAULT_CONSENT_TEXT, RISKS

pytestmark = pytest.mark.django_db


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def new_url(client_record) -> str:
    return f"/clients/{client_record.pk}/consent/"


def post_data(client_record, **overrides) -> dict[str, str]:
    return {
        "typed_name": client_record.full_name,
        "signature": data_url(tiny_png()),
        "text_version": "1",
        **overrides,
    }


def text_of(response) -> str:
    return " ".join(unescape(response.content.decode()).split())


def test_capture_screen_shows_the_current_text_risks_and_signature_pad(
    web, reception, client_record
):
    response = web(reception).get(new_url(client_record))
    assert response.status_code == 200
    html = text_of(response)
    assert DEFAULT_CONSENT_TEXT["title"] in html
    assert "several sessions are usually needed" in html
    for heading in ("Expected", "Less common", "Rare"):
        assert f">{heading}</h3>" in html
    for items in RISKS.values():
        for _, label in items:
            assert label in html
    assert "data-signature-canvas" in html
    assert "A drawn signature is required" in html
    assert 'name="text_version" value="1"' in html
    assert "css/consent.css" in html and "js/signature.js" in html
    assert AuditEvent.objects.filter(
        object_type="consent_form", client_id=client_record.pk, action="read"
    ).exists()


def test_signing_on_the_capture_screen_saves_and_confirms(web, reception, client_record):
    page = web(reception)
    response = page.post(new_url(client_record), post_data(client_record))
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/consents/{consent.pk}/?signed=1"
    assert consent.witnessed_by == reception.user
    assert consent_services.consent_verify(consent=consent)

    detail = page.get(response["Location"])
    html = text_of(detail)
    assert "Thank you, consent signed" in html
    assert consent.content_hash in html
    assert "Verified" in html
    assert f"/consents/{consent.pk}/pdf/" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"signature": ""}, "signature", "A drawn signature is required"),
        ({"signature": data_url(blank_png())}, "signature", "The signature is blank"),
        ({"signature": "data:image/png;base64,@@@"}, "signature", "not valid base64"),
        (
            {"signature": data_url(b"GIF89a....")},
            "signature",
            "The signature must be a PNG image",
        ),
        ({"typed_name": ""}, "typed_name", "Type your full name"),
        ({"typed_name": "Amelia Jones"}, "typed_name", "full name as recorded: Amelia Hughes"),
        ({"text_version": "x"}, None, "Please correct"),
    ],
    ids=["no-signature", "blank", "bad-base64", "gif", "no-name", "wrong-name", "bad-version"],
)
def test_an_invalid_submission_shows_form_errors_and_saves_nothing(
    web, reception, client_record, overrides, field, message
):
    response = web(reception).post(new_url(client_record), post_data(client_record, **overrides))
    assert response.status_code == 400
    html = text_of(response)
    assert message in html
    assert 'role="alert"' in html
    if field == "typed_name":
        assert 'aria-invalid="true"' in html
        assert 'id="typed-name-error"' in html
    if field == "signature":
        assert 'id="signature-error"' in html
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(object_type="consent", action="create").exists()


def test_a_wrong_name_keeps_the_drawn_signature_for_the_retry(web, reception, client_record):
    signature = data_url(tiny_png())
    response = web(reception).post(
        new_url(client_record), post_data(client_record, typed_name="Amelia J", signature=signature)
    )
    assert response.status_code == 400
    assert f'value="{signature}"' in response.content.decode()


def test_a_new_text_published_while_signing_asks_to_read_again(
    web, reception, manager, client_record
):
    consent_services.consent_text_current(clinic=client_record.clinic)
    consent_services.consent_text_publish(
        clinic=manager.clinic,
        actor=manager.user,
        title="Consent, revised",
        body=DEFAULT_CONSENT_TEXT["body"],
        risks=DEFAULT_CONSENT_TEXT["risks"],
    )
    response = web(reception).post(new_url(client_record), post_data(client_record))
    assert response.status_code == 409
    html = text_of(response)
    assert "published version 2" in html
    assert "Consent, revised" in html
    assert 'name="text_version" value="2"' in html
    assert 'name="signature" value=""' in html or 'name="signature" data' in html
    assert not Consent.objects.exists()


def test_another_clinics_client_and_consent_are_404(web, other_manager, reception, client_record):
    consent = consent_for(client_record, witnessed_by=reception.user)
    outsider = web(other_manager)
    assert outsider.get(new_url(client_record)).status_code == 404
    assert outsider.post(new_url(client_record), post_data(client_record)).status_code == 404
    assert outsider.get(f"/consents/{consent.pk}/").status_code == 404
    assert outsider.get(f"/consents/{consent.pk}/pdf/").status_code == 404
    assert Consent.objects.count() == 1


def test_the_pdf_page_downloads_an_audited_pdf(web, reception, client_record):
    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=reception.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    response = web(reception).get(f"/consents/{consent.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        object_type="consent", object_id=str(consent.pk), action="export"
    ).exists()


def test_a_consent_that_no_longer_verifies_says_so(web, reception, client_record):
    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=reception.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    Consent.objects.filter(pk=consent.pk).update(typed_name="Someone Else")
    html = text_of(web(reception).get(f"/consents/{consent.pk}/"))
    assert "Does not verify" in html


def test_client_page_shows_consent_status(web, reception, manager, client_record):
    page = web(reception)
    html = text_of(page.get(f"/clients/{client_record.pk}/"))
    assert 'data-consent-status="none"' in html
    assert "Take consent" in html
    assert f"/clients/{client_record.pk}/consent/" in html

    consent = consent_services.consent_sign(
        clinic=client_record.clinic,
        actor=reception.user,
        client=client_record,
        typed_name=client_record.full_name,
        signature_png=tiny_png(),
    )
    html = text_of(page.get(f"/clients/{client_record.pk}/"))
    assert 'data-consent-status="current"' in html
    assert f"/consents/{consent.pk}/pdf/" in html

    consent_services.consent_text_publish(
        clinic=manager.clinic,
        actor=manager.user,
        title="Consent v2",
        body=DEFAULT_CONSENT_TEXT["body"],
        risks=DEFAULT_CONSENT_TEXT["risks"],
    )
    html = text_of(page.get(f"/clients/{client_record.pk}/"))
    assert 'data-consent-status="outdated"' in html
    assert "published version 2" in html


def test_consent_text_list_renders_and_only_managers_see_publish(web, reception, manager):
    html = text_of(web(reception).get("/consent-texts/"))
    assert "Version 1" in html and DEFAULT_CONSENT_TEXT["title"] in html
    assert "/consent-texts/publish/" not in html
    assert web(reception).get("/consent-texts/publish/").status_code == 403
    html = text_of(web(manager).get("/consent-texts/"))
    assert "/consent-texts/publish/" in html


def test_manager_publishes_a_new_version_from_the_page(web, manager):
    page = web(manager)
    form = page.get("/consent-texts/publish/")
    assert form.status_code == 200
    assert "Keloid" in form.content.decode()
    risks = DEFAULT_CONSENT_TEXT["risks"]
    data = {
        "base_version": "1",
        "title": "Consent to microneedling",
        "body": DEFAULT_CONSENT_TEXT["body"],
        "risks_expected": "\n".join(risks["expected"]),
        "risks_less_common": "\n".join(risks["less_common"]),
        "risks_rare": "\n".join([*risks["rare"], "Nerve damage"]),
    }
    response = page.post("/consent-texts/publish/", data)
    assert response.status_code == 302
    latest = ConsentText.objects.filter(clinic=manager.clinic).order_by("-version").first()
    assert latest.version == 2
    assert latest.risks["rare"][-1] == "Nerve damage"


def test_publishing_without_a_risk_shows_the_missing_ones(web, manager):
    risks = DEFAULT_CONSENT_TEXT["risks"]
    data = {
        "base_version": "1",
        "title": "Consent",
        "body": DEFAULT_CONSENT_TEXT["body"],
        "risks_expected": "\n".join(risks["expected"][1:]),  # drops "Redness"
        "risks_less_common": "\n".join(risks["less_common"]),
        "risks_rare": "\n".join(risks["rare"]),
    }
    web(manager).get("/consent-texts/")  # version 1 exists
    response = web(manager).post("/consent-texts/publish/", data)
    assert response.status_code == 400
    html = text_of(response)
    assert "Expected risks must still list: Redness." in html
    assert ConsentText.objects.filter(clinic=manager.clinic).count() == 1


def test_a_missing_signature_and_a_wrong_name_are_reported_together(web, reception, client_record):
    response = web(reception).post(
        new_url(client_record), post_data(client_record, typed_name="Amy H", signature="")
    )
    assert response.status_code == 400
    html = text_of(response)
    assert "A drawn signature is required" in html
    assert "full name as recorded: Amelia Hughes" in html
    assert not Consent.objects.exists()
