"""Settings: production is strict and passes Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k3Vq9-xZp2Lr8!sT7mWb4nYc6dHf1jGe5aUo0iRt3yQw8eXz_vBn2MlKo9PjUh",
    "DJANGO_ALLOWED_HOSTS": "clinic.example",
    "DATABASE_URL": "postgres://clinic:secret@db.invalid:5432/clinic",
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "DEFAULT_FROM_EMAIL": "Clinic <no-reply@clinic.example>",
    "TRUSTED_PROXY_COUNT": "1",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_behind_a_proxy_that_no_trusted_proxy_is_counted():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TRUSTED_PROXY_COUNT"}
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode != 0
    assert "clinic.W001" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REDIS_URL"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr or "REDIS_URL" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "at least 50" in result.stderr


def test_seed_demo_refuses_production_settings():
    result = _manage("seed_demo", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "refuses to run with production settings" in result.stderr


def test_health_check_answers_any_host(client, db):
    response = client.get("/healthz/?check=live", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": {"ok": True}}}


def _production_python(code: str, static_root: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    env = {**clean, **PRODUCTION_ENV, "DJANGO_STATIC_ROOT": str(static_root)}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.slow
def test_production_serves_static_files_by_hashed_name_cached_for_a_year(tmp_path):
    # The project's own files only (the admin's and the API docs' take minutes to compress).
    ignore = [f"--ignore={p}" for p in ("admin", "rest_framework", "swagger-ui-dist", "redoc")]
    collected = _manage(
        "collectstatic",
        "--noinput",
        *ignore,
        env={**PRODUCTION_ENV, "DJANGO_STATIC_ROOT": str(tmp_path)},
    )
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "staticfiles.json").exists()
    result = _production_python(
        """
from django.templatetags.static import static
from django.test import Client
url = static("css/app.css")
print(url)
answer = Client().get(url, secure=True, HTTP_HOST="clinic.example", HTTP_ACCEPT_ENCODING="gzip")
print(answer.status_code, answer.headers.get("Content-Encoding"))
print(answer.headers.get("Cache-Control"))
""",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    url, answer, cache_control = result.stdout.split("\n")[:3]
    assert url.startswith("/static/css/app.") and url.endswith(".css")
    assert url != "/static/css/app.css"
    status, encoding = answer.split(" ")
    assert status == "200"
    max_age = int(cache_control.split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600
    assert "immutable" in cache_control
    assert encoding == "gzip"


@pytest.mark.slow
def test_production_compresses_pages_but_not_the_api(tmp_path):
    result = _production_python(
        """
from django.conf import settings
print(settings.MIDDLEWARE.index("common.middleware.PageGZipMiddleware"),
      settings.MIDDLEWARE.index("django.middleware.security.SecurityMiddleware"))
""",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    gzip_at, security_at = map(int, result.stdout.split())
    assert gzip_at == security_at + 1
