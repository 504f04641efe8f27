"""The clinic's logo in every client e-mail (decision 0019, issue 15).

The HTML part carries the logo as an inline image (``multipart/related``, the HTML
refers to it by ``cid:``), so mail programs show it without loading remote images; the
text part is the same as without a logo; a clinic without a logo sends the e-mails it
always sent. The messages come from the product's own flows (the fixture of
``test_every_email_kind``) and are parsed back from the bytes the mail server gets.
"""

from __future__ import annotations

import io
import random
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clinic.clinic_services import clinic_logo_remove, clinic_logo_set
from clinic.messaging import kinds
from clinic.models import Clinic
from tests.messaging import test_every_email_kind as every_kind

pytestmark = pytest.mark.django_db

every_message = every_kind.every_message  # the fixture: every kind, made by the product
built = every_kind.built


def _png(size: tuple[int, int] = (300, 100), *, noisy: bool = False) -> bytes:
    if noisy:  # the worst case for compression: every pixel different
        pixels = random.Random(7).randbytes(size[0] * size[1] * 3)
        image = Image.frombytes("RGB", size, pixels)
    else:
        image = Image.new("RGB", size, (15, 94, 99))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=noisy)
    return out.getvalue()


def _set_logo(clinic: Clinic, manager, content: bytes, name: str = "logo.png") -> Clinic:
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    return clinic_logo_set(clinic=clinic, actor=manager.user, upload=upload)


def _parsed(message) -> EmailMessage:
    wire = built(message).message().as_bytes()
    parsed = message_from_bytes(wire, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _shape(part) -> object:
    """The MIME tree as nested content types: ``("multipart/mixed", [...])``."""
    if part.is_multipart():
        return (part.get_content_type(), [_shape(child) for child in part.iter_parts()])
    return part.get_content_type()


def _find(part, content_type: str) -> list:
    return [p for p in part.walk() if p.get_content_type() == content_type]


@pytest.fixture
def with_logo(clinic, manager, private_media):
    return _set_logo(clinic, manager, _png())


def test_every_email_kind_carries_the_logo_inline_and_its_html_shows_it(every_message, with_logo):
    seen = set()
    for message in every_message:
        parsed = _parsed(message)
        related = _find(parsed, "multipart/related")
        assert len(related) == 1, f"{message.kind}: {_shape(parsed)}"
        html_part, *images = list(related[0].iter_parts())
        assert html_part.get_content_type() == "text/html"
        assert len(images) == 1 and images[0].get_content_type() == "image/png"
        content_id = images[0]["Content-ID"]
        assert content_id.startswith("<") and content_id.endswith(">")
        assert images[0].get_content_disposition() == "inline"
        html = html_part.get_content()
        assert f'src="cid:{content_id[1:-1]}"' in html, message.kind
        assert f'alt="{with_logo.name}"' in html
        shown = Image.open(io.BytesIO(images[0].get_content()))
        assert shown.size == (300, 100)  # small already: sent as uploaded
        # The plain text part stays outside the related part and never names the image.
        (text_part,) = _find(parsed, "text/plain")
        assert "cid:" not in text_part.get_content()
        alternative = _find(parsed, "multipart/alternative")[0]
        assert [p.get_content_type() for p in alternative.iter_parts()] == [
            "text/plain",
            "multipart/related",
        ]
        seen.add(message.kind)
    product_kinds = {k.name for k in kinds.registered() if not k.name.startswith("test_")}
    assert product_kinds <= seen


def test_attachments_stay_attachments_beside_the_logo(every_message, with_logo):
    parsed = _parsed(every_message.filter(kind="aftercare_immediate").first())
    assert _shape(parsed) == (
        "multipart/mixed",
        [
            (
                "multipart/alternative",
                ["text/plain", ("multipart/related", ["text/html", "image/png"])],
            ),
            "application/pdf",
        ],
    )
    booked = _parsed(every_message.get(kind="appointment_booked"))
    assert [p.get_content_type() for p in booked.iter_attachments()] == ["text/calendar"]


def test_without_a_logo_the_emails_are_as_before(every_message, private_media):
    for message in every_message:
        parsed = _parsed(message)
        assert not _find(parsed, "multipart/related"), message.kind
        assert not [p for p in parsed.walk() if p.get_content_maintype() == "image"]
        (html_part,) = _find(parsed, "text/html")
        assert "cid:" not in html_part.get_content()
        assert "<img" not in html_part.get_content()


def test_the_text_part_is_the_same_with_and_without_a_logo(
    every_message, clinic, manager, private_media
):
    message = every_message.get(kind="appointment_booked")
    before = kinds.get(message.kind).render(message)
    _set_logo(clinic, manager, _png())
    message.clinic.refresh_from_db()
    after = kinds.get(message.kind).render(message)
    assert after.text == before.text
    assert after.subject == before.subject
    assert after.html != before.html


def test_a_wide_logo_is_scaled_down_and_shown_at_most_200_by_64(
    every_message, clinic, manager, private_media
):
    _set_logo(clinic, manager, _png((2000, 600)))
    parsed = _parsed(every_message.get(kind="appointment_booked"))
    (image,) = [p for p in parsed.walk() if p.get_content_maintype() == "image"]
    width, height = Image.open(io.BytesIO(image.get_content())).size
    assert (width, height) == (480, 144)  # within 480×160, the proportions kept
    (html_part,) = _find(parsed, "text/html")
    assert 'width="200" height="60"' in html_part.get_content()


def test_even_the_heaviest_allowed_logo_keeps_the_email_small(
    every_message, clinic, manager, private_media
):
    heavy = _png((560, 560), noisy=True)  # noise does not compress: ~0.9 MB
    assert 800_000 < len(heavy) <= 1024 * 1024
    _set_logo(clinic, manager, heavy)
    wire = built(every_message.get(kind="appointment_booked")).message().as_bytes()
    assert len(wire) < 150_000, len(wire)


def test_a_removed_logo_leaves_the_next_email_without_it(
    every_message, clinic, manager, private_media
):
    _set_logo(clinic, manager, _png())
    message = every_message.get(kind="appointment_booked")
    assert _find(_parsed(message), "multipart/related")
    clinic_logo_remove(clinic=Clinic.objects.get(pk=clinic.pk), actor=manager.user)
    message.clinic.refresh_from_db()
    assert not _find(_parsed(message), "multipart/related")


def test_a_logo_file_gone_missing_does_not_stop_the_email(
    every_message, clinic, manager, private_media
):
    clinic = _set_logo(clinic, manager, _png())
    clinic.logo.storage.delete(clinic.logo.name)
    message = every_message.get(kind="appointment_booked")
    message.clinic.refresh_from_db()
    parsed = _parsed(message)
    assert not _find(parsed, "multipart/related")
    assert _find(parsed, "text/html")


def test_a_jpeg_logo_goes_as_a_jpeg(every_message, clinic, manager, private_media):
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (15, 94, 99)).save(out, "JPEG", quality=90)
    upload = SimpleUploadedFile("logo.jpg", out.getvalue(), content_type="image/jpeg")
    clinic_logo_set(clinic=clinic, actor=manager.user, upload=upload)
    parsed = _parsed(every_message.get(kind="appointment_booked"))
    (image,) = [p for p in parsed.walk() if p.get_content_maintype() == "image"]
    assert image.get_content_type() == "image/jpeg"
    assert image.get_filename().endswith(".jpg")
    (html_part,) = _find(parsed, "text/html")
    assert f'src="cid:{image["Content-ID"][1:-1]}"' in html_part.get_content()
