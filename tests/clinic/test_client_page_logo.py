"""The clinic's logo at the top of the pages clients open from a link (issue 15: the logo
is shown on pages, e-mails and PDFs). It is written into the page as a ``data:`` URL
(the page's policy allows ``img-src data:``), so no public address names the file."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from PIL import Image

from clinic.clinic_services import clinic_logo_remove, clinic_logo_set
from tests.factories import ClientFactory
from treatments.screening import intake

pytestmark = pytest.mark.django_db

IMG = re.compile(
    r'<img class="client-logo" src="data:(image/[a-z]+);base64,([^"]+)" alt="([^"]*)"'
    r' width="(\d+)" height="(\d+)">'
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (15, 94, 99)).save(out, "PNG")
    return out.getvalue()


def set_logo(clinic, manager, size=(600, 200)):
    upload = SimpleUploadedFile("logo.png", png(size), content_type="image/png")
    return clinic_logo_set(clinic=clinic, actor=manager.user, upload=upload)


def header(clinic) -> str:
    return Template("{% load branding_tags %}{% client_clinic clinic %}").render(
        Context({"clinic": clinic})
    )


def test_without_a_logo_the_page_names_the_clinic(clinic):
    html = header(clinic)
    assert "<img" not in html
    assert f'<p class="aftercare-clinic">{clinic.name}</p>' in html


def test_a_logo_is_shown_scaled_into_its_box_with_the_clinic_name_as_its_text(
    clinic, manager, media
):
    clinic = set_logo(clinic, manager, size=(600, 200))
    found = IMG.search(header(clinic))
    assert found, header(clinic)
    content_type, data, alt, width, height = found.groups()
    assert content_type == "image/png" and alt == clinic.name
    assert (int(width), int(height)) == (192, 64)  # 3:1 into 240 × 64
    shown = Image.open(io.BytesIO(base64.b64decode(data)))
    assert shown.size[0] / shown.size[1] == pytest.approx(3, rel=0.02)


def test_a_removed_logo_leaves_the_name(clinic, manager, media):
    clinic = set_logo(clinic, manager)
    clinic = clinic_logo_remove(clinic=clinic, actor=manager.user)
    assert "<img" not in header(clinic)


def test_the_intake_page_carries_the_logo(client, clinic, manager, reception, media):
    set_logo(clinic, manager)
    person = ClientFactory(clinic=clinic, first_name="Nadia")
    link = intake.intake_link_send(client=person, actor=reception.user).link
    response = client.get(f"/intake/{intake.token_for(link)}/")
    assert response.status_code == 200
    assert IMG.search(response.content.decode())
