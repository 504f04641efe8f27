"""Clinic settings: ``GET/PATCH /api/clinic/``, the page, the logo (decision 0016)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clinic.models import Clinic
from common.models import AuditEvent
from tests.factories import ClientFactory, ClinicFactory

pytestmark = pytest.mark.django_db


def _image(fmt: str = "PNG", size: tuple[int, int] = (240, 80), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 110)).save(out, fmt, **save)
    return out.getvalue()


def _upload(content: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the model ------------------------------------------------------------------------


def test_sender_name_and_reply_to_fall_back_to_the_clinics_name_and_contact_email(clinic):
    assert clinic.effective_sender_name == "Harbour Skin Clinic"
    assert clinic.effective_reply_to == clinic.email
    clinic.sender_name = "Harbour Skin · Bristol"
    clinic.reply_to_email = "front-desk@harbour.example"
    assert clinic.effective_sender_name == "Harbour Skin · Bristol"
    assert clinic.effective_reply_to == "front-desk@harbour.example"
    clinic.sender_name = "   "
    assert clinic.effective_sender_name == "Harbour Skin Clinic"


# --- GET /api/clinic/ -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reception", "practitioner", "manager"])
def test_every_staff_member_reads_their_clinics_settings(request, api, persona, other_clinic):
    who = request.getfixturevalue(persona)
    response = api(who).get("/api/clinic/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == who.clinic.pk and body["name"] == "Harbour Skin Clinic"
    assert set(body) == {
        "id",
        "name",
        "address",
        "phone",
        "email",
        "reply_to_email",
        "sender_name",
        "effective_sender_name",
        "effective_reply_to",
        "country",
        "timezone",
        "idle_timeout_minutes",
        "logo_url",
        "slug",
        "portal_enabled",
        "portal_notice_hours",
        "portal_hold_minutes",
        "portal_offer_hold_minutes",
        "portal_consultation_minutes",
        "portal_treatments",
        "portal_treatment_minutes",
        "portal_show_practitioners",
        "portal_url",
        "updated_at",
    }
    assert body["logo_url"] is None


def test_the_settings_need_a_sign_in(api):
    assert api().get("/api/clinic/").status_code == 401


def test_the_x_clinic_header_cannot_reach_another_clinics_settings(api, manager, other_clinic):
    response = api(manager).get("/api/clinic/", HTTP_X_CLINIC=str(other_clinic.pk))
    assert response.json()["id"] == manager.clinic.pk  # not a member there: their own
    assert other_clinic.name not in response.content.decode()
    api(manager).patch("/api/clinic/", {"sender_name": "X"}, HTTP_X_CLINIC=str(other_clinic.pk))
    assert Clinic.objects.get(pk=other_clinic.pk).sender_name == ""


# --- PATCH /api/clinic/ ---------------------------------------------------------------


def test_a_manager_changes_the_details_and_the_change_is_audited(api, manager):
    response = api(manager).patch(
        "/api/clinic/",
        {
            "address": "3 Quay Street\nBristol",
            "phone": "+44 117 496 0000",
            "reply_to_email": "Front-Desk@Harbour.example",
            "sender_name": "Harbour Skin",
            "country": "gb",
            "idle_timeout_minutes": 30,
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["effective_sender_name"] == "Harbour Skin"
    assert body["effective_reply_to"] == "front-desk@harbour.example"
    assert (body["country"], body["idle_timeout_minutes"]) == ("GB", 30)
    clinic = Clinic.objects.get(pk=manager.clinic.pk)
    assert clinic.phone == "+44 117 496 0000" and clinic.idle_timeout_minutes == 30
    event = AuditEvent.objects.get(object_type="clinic", action="update")
    assert (event.actor_id, event.clinic_id, event.channel) == (
        manager.user.pk,
        clinic.pk,
        "api",
    )
    assert event.detail == {
        "fields": [
            "address",
            "country",
            "idle_timeout_minutes",
            "phone",
            "reply_to_email",
            "sender_name",
        ]
    }
    assert "+44 117" not in str(event.detail)


@pytest.mark.parametrize("persona", ["reception", "practitioner"])
def test_only_a_manager_changes_the_settings(request, api, persona):
    who = request.getfixturevalue(persona)
    response = api(who).patch("/api/clinic/", {"name": "Taken Over"})
    assert response.status_code == 403
    assert Clinic.objects.get(pk=who.clinic.pk).name == "Harbour Skin Clinic"
    assert not AuditEvent.objects.filter(object_type="clinic").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Europe/Dubln"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"reply_to_email": "front@"}, "reply_to_email"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 151}, "name"),
        ({"idle_timeout_minutes": 1}, "idle_timeout_minutes"),
        ({"idle_timeout_minutes": 481}, "idle_timeout_minutes"),
        ({"idle_timeout_minutes": "soon"}, "idle_timeout_minutes"),
        ({"country": "XX"}, "country"),
        ({"country": "IE"}, "timezone"),  # Europe/London is not an Irish zone
        ({"sender_name": "s" * 101}, "sender_name"),
        ({"phone": ""}, "phone"),  # clients are told to call it
        ({"phone": "0" * 33}, "phone"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, manager, body, field):
    response = api(manager).patch("/api/clinic/", body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not AuditEvent.objects.filter(object_type="clinic").exists()


def test_another_clinics_name_is_refused_whatever_its_case(api, manager, other_clinic):
    response = api(manager).patch("/api/clinic/", {"name": "ELSEWHERE aesthetics"})
    assert response.status_code == 409
    assert response.json()["code"] == "clinic_exists"


def test_read_only_fields_are_ignored(api, manager, other_clinic):
    response = api(manager).patch("/api/clinic/", {"id": other_clinic.pk, "logo_url": "x"})
    assert response.status_code == 200
    assert response.json()["id"] == manager.clinic.pk


def test_a_patch_that_changes_nothing_is_not_audited(api, manager):
    response = api(manager).patch("/api/clinic/", {"name": "Harbour Skin Clinic"})
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(object_type="clinic").exists()


def test_changing_the_time_zone_keeps_every_stored_instant(api, manager, client_record):
    from clinic.messaging.models import OutgoingMessage

    due = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    message = OutgoingMessage.objects.create(
        clinic=manager.clinic,
        client=client_record,
        kind="aftercare_day3",
        dedupe_key="aftercare:session:1:day3",
        due_at=due,
    )
    response = api(manager).patch("/api/clinic/", {"timezone": "America/New_York"})
    assert response.status_code == 200
    assert response.json()["timezone"] == "America/New_York"
    message.refresh_from_db()
    assert message.due_at == due
    assert Clinic.objects.get(pk=manager.clinic.pk).local_today() is not None


# --- the page -------------------------------------------------------------------------


def test_the_page_is_for_managers(web, reception, practitioner, manager):
    assert web(reception).get("/clinic/settings/").status_code == 403
    assert web(practitioner).get("/clinic/settings/").status_code == 403
    page = web(manager).get("/clinic/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Harbour Skin Clinic" in html
    assert "keeps its moment" in html  # what a new zone changes, next to the field
    assert 'href="/clinic/settings/"' in html  # in the navigation


def test_the_page_saves_the_details_and_says_what_a_new_zone_changes(web, manager):
    browser = web(manager)
    response = browser.post(
        "/clinic/settings/",
        {
            "name": "Harbour Skin Clinic",
            "address": "12 Quay Street",
            "phone": "+44 20 7946 0018",
            "email": "hello@harbour.example",
            "reply_to_email": "",
            "sender_name": "Harbour Skin",
            "country": "IE",
            "timezone": "Europe/Dublin",
            "idle_timeout_minutes": "20",
        },
        follow=True,
    )
    assert response.status_code == 200
    clinic = Clinic.objects.get(pk=manager.clinic.pk)
    assert (clinic.timezone, clinic.country, clinic.sender_name) == (
        "Europe/Dublin",
        "IE",
        "Harbour Skin",
    )
    html = response.content.decode()
    assert "Times are now shown in Europe/Dublin" in html
    event = AuditEvent.objects.get(object_type="clinic", action="update")
    assert event.channel == "web"


def test_the_page_shows_form_errors_for_bad_input(web, manager, other_clinic):
    response = web(manager).post(
        "/clinic/settings/",
        {
            "name": other_clinic.name.upper(),
            "email": "nope",
            "timezone": "Mars/Olympus",
            "idle_timeout_minutes": "0",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "email", "phone", "timezone", "idle_timeout_minutes"} <= set(errors)
    assert Clinic.objects.get(pk=manager.clinic.pk).timezone == "Europe/London"


# --- the logo -------------------------------------------------------------------------


def test_a_manager_uploads_a_logo_it_is_re_encoded_and_served_to_the_clinics_staff_only(
    web, manager, reception, other_manager, api
):
    png = _image("PNG") + b"<script>appended</script>"
    response = web(manager).post("/clinic/settings/logo/", {"logo": _upload(png)})
    assert response.status_code == 302
    clinic = Clinic.objects.get(pk=manager.clinic.pk)
    assert clinic.logo and clinic.logo_content_type == "image/png"
    stored = clinic.logo.read()
    assert b"appended" not in stored
    assert Image.open(io.BytesIO(stored)).size == (240, 80)
    assert AuditEvent.objects.filter(object_type="clinic", detail={"fields": ["logo"]}).exists()

    page = web(reception).get("/")
    assert 'class="clinic-logo"' in page.content.decode()
    served = web(reception).get("/clinic/logo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == stored
    assert web(other_manager).get("/clinic/logo/").status_code == 404  # theirs has none
    assert api(reception).get("/api/clinic/").json()["logo_url"].endswith("/clinic/logo/")


def test_a_jpeg_logo_is_accepted(web, manager):
    jpeg = _image("JPEG", (400, 120), quality=85)
    response = web(manager).post(
        "/clinic/settings/logo/", {"logo": _upload(jpeg, "logo.jpg", "image/jpeg")}
    )
    assert response.status_code == 302
    assert Clinic.objects.get(pk=manager.clinic.pk).logo_content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not really", "PNG or JPEG"),
        (b"%PDF-1.7 pretending", "PNG or JPEG"),
        (b"", "empty"),
        (_image("GIF", (100, 100)), "PNG or JPEG"),
        (_image("PNG", (10, 10)), "between 32 and 2000"),
        (_image("PNG", (3000, 100)), "between 32 and 2000"),
        (_image("PNG", (240, 80))[:60], "PNG or JPEG"),  # truncated
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 1), "at most 1 MB"),
    ],
)
def test_a_logo_that_is_not_a_sane_png_or_jpeg_is_a_form_error(web, manager, content, message):
    response = web(manager).post("/clinic/settings/logo/", {"logo": _upload(content)})
    assert response.status_code == 400
    assert message in " ".join(response.context["logo_form"].errors["logo"])
    assert not Clinic.objects.get(pk=manager.clinic.pk).logo


def test_a_manager_removes_the_logo_and_the_file_is_deleted(
    web, manager, django_capture_on_commit_callbacks
):
    browser = web(manager)
    browser.post("/clinic/settings/logo/", {"logo": _upload(_image())})
    clinic = Clinic.objects.get(pk=manager.clinic.pk)
    storage, name = clinic.logo.storage, clinic.logo.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/clinic/settings/logo/", {"action": "remove"})
    assert response.status_code == 302
    assert not Clinic.objects.get(pk=manager.clinic.pk).logo
    assert not storage.exists(name)
    assert browser.get("/clinic/logo/").status_code == 404


def test_only_a_manager_uploads_a_logo(web, reception):
    response = web(reception).post("/clinic/settings/logo/", {"logo": _upload(_image())})
    assert response.status_code == 403
    assert not Clinic.objects.get(pk=reception.clinic.pk).logo


def test_the_logo_needs_a_sign_in(client, manager):
    response = client.get("/clinic/logo/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_second_clinic_keeps_its_own_logo(web, manager):
    other = ClinicFactory(name="Other Place")
    ClientFactory(clinic=other)
    web(manager).post("/clinic/settings/logo/", {"logo": _upload(_image())})
    assert not Clinic.objects.get(pk=other.pk).logo


# --- online booking settings (decision 0021) ---------------------------------------------


def test_online_booking_is_off_by_default_with_its_defaults(api, manager):
    body = api(manager).get("/api/clinic/").json()
    assert body["portal_enabled"] is False
    assert body["portal_notice_hours"] == 24
    assert body["portal_hold_minutes"] == 15
    assert body["portal_show_practitioners"] is False
    assert body["portal_treatments"] is False


def test_a_manager_turns_online_booking_on_and_it_is_audited(api, manager):
    response = api(manager).patch(
        "/api/clinic/",
        {"slug": "harbour", "portal_enabled": True, "portal_notice_hours": 48},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["portal_enabled"] is True and body["portal_notice_hours"] == 48
    assert body["portal_url"].endswith("/book/harbour/")
    event = AuditEvent.objects.filter(object_type="clinic", action="update").latest("id")
    assert event.detail["fields"] == ["portal_enabled", "portal_notice_hours", "slug"]


def test_reception_cannot_change_online_booking(api, reception):
    response = api(reception).patch("/api/clinic/", {"portal_enabled": True}, format="json")
    assert response.status_code == 403
    assert Clinic.objects.get(pk=reception.clinic.pk).portal_enabled is False


def test_online_booking_needs_an_address(api, manager):
    Clinic.objects.filter(pk=manager.clinic.pk).update(slug="")
    response = api(manager).patch("/api/clinic/", {"portal_enabled": True}, format="json")
    assert response.status_code == 400
    assert "slug" in response.json()["fields"]


def test_another_clinics_address_or_a_reserved_word_is_refused(api, manager, other_clinic):
    other_clinic.slug = "elsewhere"
    other_clinic.save()
    taken = api(manager).patch("/api/clinic/", {"slug": "elsewhere"}, format="json")
    assert taken.status_code == 400 and "slug" in taken.json()["fields"]
    reserved = api(manager).patch("/api/clinic/", {"slug": "manage"}, format="json")
    assert reserved.status_code == 400
    bad = api(manager).patch("/api/clinic/", {"slug": "not a slug!"}, format="json")
    assert bad.status_code == 400
    too_long = api(manager).patch("/api/clinic/", {"portal_notice_hours": 9999}, format="json")
    assert too_long.status_code == 400


def test_the_settings_page_turns_online_booking_on(web, manager):
    clinic = Clinic.objects.get(pk=manager.clinic.pk)
    response = web(manager).post(
        "/clinic/settings/",
        {
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "email": clinic.email,
            "reply_to_email": "",
            "sender_name": "",
            "country": "",
            "timezone": clinic.timezone,
            "idle_timeout_minutes": "15",
            "portal_section": "1",
            "slug": "harbour-skin",
            "portal_enabled": "on",
            "portal_notice_hours": "24",
            "portal_hold_minutes": "15",
            "portal_offer_hold_minutes": "30",
            "portal_consultation_minutes": "30",
            "portal_treatment_minutes": "60",
        },
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.portal_enabled and clinic.slug == "harbour-skin"
    page = web(manager).get("/clinic/settings/").content.decode()
    assert "/book/harbour-skin/" in page
