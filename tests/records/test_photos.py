"""Before/after photos: verified images, private storage, streamed only to the clinic."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from common.errors import ApplicationError
from tests.factories import tiny_png
from tests.records.conftest import NOW, complete
from treatments.records import photos as session_photos
from treatments.records.models import SessionPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format=fmt)
    return buffer.getvalue()


def upload(api_client, session_id, content, *, name="photo.png", kind="before"):
    return api_client.post(
        f"/api/sessions/{session_id}/photos/",
        {"kind": kind, "image": SimpleUploadedFile(name, content, content_type="image/png")},
        format="multipart",
    )


def test_upload_then_stream_the_photo(api, ready, started, reception, private_media):
    response = upload(api(ready.persona), started.pk, tiny_png())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "before"
    assert body["content_type"] == "image/png"
    assert body["url"] == f"/api/sessions/{started.pk}/photos/{body['id']}/"
    photo = SessionPhoto.objects.get()
    assert photo.uploaded_by == ready.user
    assert Path(photo.image.path).is_relative_to(private_media)

    streamed = api(reception).get(body["url"])
    assert streamed.status_code == 200
    assert streamed["Content-Type"] == "image/png"
    assert streamed["Cache-Control"] == "private, no-store"
    assert b"".join(streamed.streaming_content) == tiny_png()

    listed = api(reception).get(f"/api/sessions/{started.pk}/photos/").json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]
    record = api(reception).get(f"/api/sessions/{started.pk}/").json()
    assert record["photos"][0]["url"] == body["url"]


def test_the_web_ui_streams_it_with_the_session_cookie(api, web, ready, started):
    url = upload(api(ready.persona), started.pk, tiny_png()).json()["url"]
    response = web(ready.persona).get(url, HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize(("fmt", "content_type"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_jpeg_and_webp_are_accepted_by_content_not_name(api, ready, started, fmt, content_type):
    response = upload(api(ready.persona), started.pk, image_bytes(fmt), name="x.txt")
    assert response.status_code == 201
    assert response.json()["content_type"] == content_type


@pytest.mark.parametrize(
    "content",
    [b"not an image at all", b"%PDF-1.4 fake", image_bytes("GIF"), tiny_png()[:40]],
    ids=["text", "pdf", "gif", "truncated-png"],
)
def test_a_file_that_is_not_a_jpeg_png_or_webp_is_refused(api, ready, started, content):
    response = upload(api(ready.persona), started.pk, content, name="photo.png")
    assert response.status_code == 400
    assert "image" in response.json()["fields"]
    assert not SessionPhoto.objects.exists()


def test_a_photo_over_10_mb_is_refused(ready, started):
    big = SimpleUploadedFile("big.png", tiny_png() + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(ApplicationError) as refused:
        session_photos.session_photo_add(
            session=started, actor=ready.user, kind="after", upload=big
        )
    assert refused.value.status_code == 400
    assert "10 MB" in refused.value.fields["image"][0]


def test_bad_kind_and_missing_file_are_400(api, ready, started):
    client = api(ready.persona)
    assert upload(client, started.pk, tiny_png(), kind="during").status_code == 400
    no_file = client.post(
        f"/api/sessions/{started.pk}/photos/", {"kind": "before"}, format="multipart"
    )
    assert no_file.status_code == 400
    assert "image" in no_file.json()["fields"]


def test_reception_cannot_upload(api, reception, started):
    assert upload(api(reception), started.pk, tiny_png()).status_code == 403


def test_photos_are_refused_after_signing(api, ready, started, aftercare_calls):
    client = api(ready.persona)
    client.patch(f"/api/sessions/{started.pk}/", _sessions_complete())
    assert client.post(f"/api/sessions/{started.pk}/sign/").status_code == 200
    response = upload(client, started.pk, tiny_png())
    assert response.status_code == 409
    assert response.json()["code"] == "session_signed"


def _sessions_complete():
    data = complete(None)
    data["ended_at"] = data["ended_at"].isoformat()
    return data


def test_other_clinic_gets_404_and_anonymous_is_refused(api, ready, started, other_manager):
    url = upload(api(ready.persona), started.pk, tiny_png()).json()["url"]
    outsider = api(other_manager)
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"/api/sessions/{started.pk}/photos/").status_code == 404
    assert upload(outsider, started.pk, tiny_png()).status_code == 404
    assert api().get(url).status_code == 401
    assert api(ready.persona).get(url.replace(f"/{started.pk}/", "/999999/")).status_code == 404


def test_a_photo_of_another_session_is_not_served_under_this_one(api, ready, started):
    from datetime import timedelta

    url = upload(api(ready.persona), started.pk, tiny_png()).json()["url"]
    photo_id = url.rstrip("/").rsplit("/", 1)[1]
    other = ready.start(appointment=ready.book(NOW + timedelta(hours=2)))
    response = api(ready.persona).get(f"/api/sessions/{other.pk}/photos/{photo_id}/")
    assert response.status_code == 404


def test_the_file_is_under_no_served_url(api, client, web, ready, started, settings):
    upload(api(ready.persona), started.pk, tiny_png())
    photo = SessionPhoto.objects.get()
    assert not photo.image.name.startswith(("/", ".."))
    signed_in = web(ready.persona)
    for url in (
        settings.MEDIA_URL + photo.image.name,
        "/media/" + photo.image.name,
        "/static/" + photo.image.name,
        "/" + photo.image.name,
    ):
        assert signed_in.get(url).status_code == 404, url
