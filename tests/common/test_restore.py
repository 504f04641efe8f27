"""A restore that is tested (docs/go-live.md, decision 0016).

Creates a clinic with data, backs it up with ``bin/backup`` (pg_dump and the private
files), restores it with ``bin/restore`` into a new database and media folder, then
starts the application on the restored copy in another process with the production
settings: migrations are all applied, the deployment checks pass, the data and the
files read back, the health check answers and the audit log is still append-only.
Everything it created is dropped at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from clinic.clinic_services import clinic_logo_set
from clinic.models import Clinic, User
from tests.factories import ClientFactory
from tests.test_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

READ_BACK = """
import json
from django.test import Client
from aftercare.models import AftercareTemplate
from clinic.models import Clinic, Client as ClinicClient, Invitation
from treatments.consent.models import ConsentText
from treatments.plans.models import ProtocolSet
from treatments.screening.models import RuleSet
clinic = Clinic.objects.get(name="Liffey Skin Clinic")
health = Client().get("/healthz/?check=live")
print(json.dumps({
    "clinic": [clinic.name, clinic.timezone, clinic.country],
    "clients": sorted(c.full_name for c in ClinicClient.objects.filter(clinic=clinic)),
    "versions": [m.objects.filter(clinic=clinic).count()
                 for m in (RuleSet, ProtocolSet, ConsentText, AftercareTemplate)],
    "invitation": Invitation.objects.get(clinic=clinic).email,
    "logo": clinic.logo.open("rb").read().hex(),
    "health": health.status_code,
}))
"""


def _url(database: str) -> str:
    conf = connection.settings_dict
    user = quote(conf["USER"] or "", safe="")
    password = f":{quote(conf['PASSWORD'], safe='')}" if conf["PASSWORD"] else ""
    host, port = conf["HOST"] or "127.0.0.1", conf["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database}"


def _env(**extra: str) -> dict[str, str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    return {**clean, **extra}


def _run(*command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 40), (10, 80, 90)).save(out, "PNG")
    return out.getvalue()


def test_a_backup_restores_into_a_new_database_and_the_application_runs_on_it(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "private"
    call_command(
        "clinic_create",
        "--name=Liffey Skin Clinic",
        "--timezone=Europe/Dublin",
        "--manager-email=owner@liffeyskin.example",
        "--country=IE",
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    clinic = Clinic.objects.get(name="Liffey Skin Clinic")
    ClientFactory(clinic=clinic, first_name="Niamh", last_name="Walsh")
    ClientFactory(clinic=clinic, first_name="Cian", last_name="Doyle")
    manager = User.objects.create_user(email="owner@liffeyskin.example", full_name="Aoife")
    clinic = clinic_logo_set(
        clinic=clinic, actor=manager, upload=SimpleUploadedFile("l.png", _png())
    )
    logo = clinic.logo.open("rb").read()

    backups = tmp_path / "backups"
    _run(
        str(ROOT / "bin" / "backup"),
        env=_env(
            DATABASE_URL=_url(connection.settings_dict["NAME"]),
            DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
            BACKUP_DIR=str(backups),
        ),
    )
    (dump,) = backups.glob("needlework-*.dump")
    assert dump.with_name(dump.name.replace(".dump", ".private.tar.gz")).exists()
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    restored = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        restored_media = tmp_path / "restored-private"
        app_env = _env(
            **{
                **PRODUCTION_ENV,
                "DATABASE_URL": _url(restored),
                "DJANGO_MEDIA_ROOT": str(restored_media),
            }
        )
        _run(str(ROOT / "bin" / "restore"), str(dump), env=app_env)
        _run(sys.executable, "manage.py", "migrate", "--check", env=app_env)
        _run(sys.executable, "manage.py", "check", "--deploy", "--fail-level=WARNING", env=app_env)
        shell = _run(sys.executable, "manage.py", "shell", "-c", READ_BACK, env=app_env)
        data = json.loads(shell.stdout.strip().splitlines()[-1])
        assert data == {
            "clinic": ["Liffey Skin Clinic", "Europe/Dublin", "IE"],
            "clients": ["Cian Doyle", "Niamh Walsh"],
            "versions": [1, 1, 1, 1],
            "invitation": "owner@liffeyskin.example",
            "logo": logo.hex(),
            "health": 200,
        }
        _assert_audit_log_still_append_only(restored)
    finally:
        connection.close()  # a fresh connection for DROP, outside any transaction
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [restored])
        assert cursor.fetchone() is None


def _assert_audit_log_still_append_only(database: str) -> None:
    import psycopg2

    conf = connection.settings_dict
    with psycopg2.connect(
        dbname=database,
        user=conf["USER"],
        password=conf["PASSWORD"] or None,
        host=conf["HOST"] or "127.0.0.1",
        port=conf["PORT"] or 5432,
    ) as other:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM common_auditevent")
            assert cursor.fetchone()[0] >= 3  # clinic, invitation, logo
            with pytest.raises(psycopg2.Error):
                cursor.execute("UPDATE common_auditevent SET action = 'read'")
    other.close()
