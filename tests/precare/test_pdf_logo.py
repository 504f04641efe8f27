"""The clinic's logo in the preparation PDF (decision 0019, issue 15): shown as an
image, and the cached file's key changes with the logo."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clinic.clinic_services import clinic_logo_remove, clinic_logo_set
from clinic.models import Clinic
from precare.models import PrecareSchedule
from precare.pdf import precare_pdf
from precare.services import precare_plan
from tests.factories import appointment_for

pytestmark = pytest.mark.django_db


def images_in(data: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "preparation.pdf"
    path.write_bytes(data)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, check=True
    ).stdout.decode()
    return [line.split() for line in listing.splitlines()[2:] if line.strip()]


def test_the_preparation_pdf_shows_the_logo_and_its_key_follows_the_logo(
    clock, resources, screened, manager, private_media, tmp_path
):
    appointment = appointment_for(
        screened, **resources, start=datetime(2026, 3, 20, 10, tzinfo=UTC), status="booked"
    )
    schedule = precare_plan(appointment=appointment)
    assert schedule is not None
    assert images_in(precare_pdf(schedule_id=schedule.pk), tmp_path) == []
    key_without = PrecareSchedule.objects.get(pk=schedule.pk).pdf_key

    logo = io.BytesIO()
    Image.new("RGB", (320, 120), (15, 94, 99)).save(logo, "JPEG", quality=90)
    clinic_logo_set(
        clinic=schedule.clinic,
        actor=manager.user,
        upload=SimpleUploadedFile("logo.jpg", logo.getvalue(), content_type="image/jpeg"),
    )
    rows = images_in(precare_pdf(schedule_id=schedule.pk), tmp_path)
    assert [(row[0], row[2], row[3], row[4], row[8]) for row in rows] == [
        ("1", "image", "320", "120", "jpeg")
    ]
    key_with = PrecareSchedule.objects.get(pk=schedule.pk).pdf_key
    assert key_with != key_without

    clinic_logo_remove(clinic=Clinic.objects.get(pk=schedule.clinic_id), actor=manager.user)
    assert images_in(precare_pdf(schedule_id=schedule.pk), tmp_path) == []
    assert PrecareSchedule.objects.get(pk=schedule.pk).pdf_key == key_without
