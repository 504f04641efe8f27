"""The clinic's logo in the aftercare PDF (decision 0019, issue 15).

The logo travels in the PDF's HTML as a ``data:`` URL (the renderer fetches nothing),
so the cached file's key, a hash of that HTML, changes when the logo is uploaded,
replaced or removed, and the next send renders the PDF again.
"""

from __future__ import annotations

import io
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aftercare import pdf
from aftercare.models import AftercareSchedule
from aftercare.schedules import aftercare_schedule_session
from clinic.clinic_services import clinic_logo_remove, clinic_logo_set
from clinic.models import Clinic

pytestmark = pytest.mark.django_db

ENDED = datetime(2026, 3, 26, 16, 0, tzinfo=ZoneInfo("Europe/London"))


def png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def images_in(data: bytes, tmp_path, name: str = "doc.pdf") -> list[list[str]]:
    """``pdfimages -list``: one row per image (page, num, type, width, height, …)."""
    path = tmp_path / name
    path.write_bytes(data)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, check=True
    ).stdout.decode()
    return [line.split() for line in listing.splitlines()[2:] if line.strip()]


@pytest.fixture
def schedule(signed_session, client_record, private_media) -> AftercareSchedule:
    with time_machine.travel(ENDED + timedelta(minutes=5), tick=False):
        return aftercare_schedule_session(session=signed_session(client_record, ended_at=ENDED))


def test_the_aftercare_pdf_shows_the_logo_and_its_key_follows_the_logo(schedule, manager, tmp_path):
    without = pdf.aftercare_pdf(schedule_id=schedule.pk)
    assert images_in(without, tmp_path) == []
    schedule.refresh_from_db()
    key_without = schedule.pdf_key

    clinic = clinic_logo_set(
        clinic=schedule.clinic,
        actor=manager.user,
        upload=SimpleUploadedFile("logo.png", png((300, 100), (15, 94, 99))),
    )
    with_logo = pdf.aftercare_pdf(schedule_id=schedule.pk)
    rows = images_in(with_logo, tmp_path)
    assert len(rows) == 1
    page, _num, kind, width, height = rows[0][:5]
    assert (page, kind, width, height) == ("1", "image", "300", "100")
    schedule.refresh_from_db()
    key_first_logo = schedule.pdf_key
    assert key_first_logo != key_without

    # Another logo: another key, another file.
    clinic_logo_set(
        clinic=clinic,
        actor=manager.user,
        upload=SimpleUploadedFile("logo.png", png((400, 200), (120, 30, 30))),
    )
    pdf.aftercare_pdf(schedule_id=schedule.pk)
    schedule.refresh_from_db()
    assert schedule.pdf_key not in (key_without, key_first_logo)

    # Removed: the PDF is as it was without a logo (the same key, no image).
    clinic_logo_remove(clinic=Clinic.objects.get(pk=clinic.pk), actor=manager.user)
    again = pdf.aftercare_pdf(schedule_id=schedule.pk)
    assert images_in(again, tmp_path) == []
    schedule.refresh_from_db()
    assert schedule.pdf_key == key_without


def test_a_large_logo_is_scaled_down_in_the_pdf(schedule, manager, tmp_path):
    clinic_logo_set(
        clinic=schedule.clinic,
        actor=manager.user,
        upload=SimpleUploadedFile("logo.png", png((2000, 500), (15, 94, 99))),
    )
    rows = images_in(pdf.aftercare_pdf(schedule_id=schedule.pk), tmp_path)
    assert [(row[3], row[4]) for row in rows] == [("480", "120")]
