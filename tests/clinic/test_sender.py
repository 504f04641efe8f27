"""clinic/sender.py: who every e-mail comes from, and the one base URL of its links."""

from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.core.mail import EmailMessage

from clinic.models import Clinic
from clinic.sender import sender_for, site_url

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def configured(settings):
    settings.DEFAULT_FROM_EMAIL = "Needlework <no-reply@mail.clinic.example>"
    settings.SITE_URL = "https://clinic.example"


def header_from(sender) -> tuple[str, str]:
    email = EmailMessage("s", "b", sender.from_email, ["a@example.com"], reply_to=sender.reply_to)
    parsed = message_from_bytes(email.message().as_bytes(), policy=policy.default)
    address = parsed["From"].addresses[0]
    return address.display_name, address.addr_spec


@pytest.mark.parametrize(
    "name",
    ["Harbour Skin Clinic", "Skin & Co., Ltd.", 'Dr "Smile" Studio', "Clínica Piel Sana"],
)
def test_from_is_the_clinics_name_at_the_configured_address(configured, name):
    sender = sender_for(Clinic(name=name, email="hello@harbour.example"))
    assert header_from(sender) == (name, "no-reply@mail.clinic.example")
    assert sender.reply_to == ["hello@harbour.example"]


def test_a_line_break_in_a_name_never_adds_a_header(configured):
    sender = sender_for(Clinic(name="Harbour\r\nBcc: all@example.com", email=""))
    assert header_from(sender) == ("Harbour Bcc: all@example.com", "no-reply@mail.clinic.example")
    assert sender.reply_to == []  # no clinic e-mail: no Reply-To


def test_the_clinics_sender_name_and_reply_to_settings_win(configured):
    clinic = Clinic(
        name="Harbour Skin Clinic Ltd",
        email="office@harbour.example",
        sender_name="Harbour Skin",
        reply_to_email="front-desk@harbour.example",
    )
    sender = sender_for(clinic)
    assert header_from(sender) == ("Harbour Skin", "no-reply@mail.clinic.example")
    assert sender.reply_to == ["front-desk@harbour.example"]


def test_without_a_clinic_the_configured_sender(configured):
    assert sender_for(None).from_email == "Needlework <no-reply@mail.clinic.example>"


def test_links_are_built_on_site_url(configured):
    assert site_url("/aftercare/x/") == "https://clinic.example/aftercare/x/"


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("8124", "http://127.0.0.1:8124"),
        ("localhost:9000", "http://localhost:9000"),
    ],
)
def test_make_run_sets_site_url_from_the_address_it_serves_on(addr, expected):
    script = (ROOT / "bin" / "run-dev").read_text()
    # The lines of run-dev from choosing the address to exporting SITE_URL, run alone.
    start = script.index('ADDR="${RUN_ADDR')
    end = script.index("\n", script.index("export SITE_URL="))
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    result = subprocess.run(
        ["bash", "-c", script[start:end] + '\necho "$SITE_URL"'],
        env={**env, "RUN_ADDR": addr},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected
    kept = subprocess.run(
        ["bash", "-c", script[start:end] + '\necho "$SITE_URL"'],
        env={**env, "RUN_ADDR": addr, "SITE_URL": "https://public.example"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert kept.stdout.strip() == "https://public.example"


def test_a_malformed_site_url_stops_the_settings():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "SITE_URL": "clinic.example",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr
