"""Importing clients from a CSV file (decision 0019): map, preview, duplicates against the
clinic and within the file, all or nothing, a report with line and reason; the formats
clinics' old systems and Excel save; managers only; audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clinic import client_import
from clinic.models import Client
from common.errors import ApplicationError
from common.models import AuditEvent
from tests.factories import ClientFactory, ClinicFactory

pytestmark = pytest.mark.django_db

THREE = (
    "Name,Date of birth,Email,Phone,Email consent,Notes\n"
    "Aoife Byrne,14/02/1988,aoife@mail.example,+353 87 111 2222,yes,Prefers mornings\n"
    "Ciara Walsh,1991-07-30,ciara@mail.example,,no,\n"
    "Niamh Kelly,03/11/1979,,+353 86 333 4444,,Sensitive skin\n"
)


def upload(browser, content: bytes, name: str = "clients.csv"):
    return browser.post(
        "/clients/import/",
        {"step": "upload", "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def mapping_of(content: str) -> dict[str, int | None]:
    return client_import.guess_mapping(client_import.read_csv(content.encode()).headers)


def form_mapping(mapping: dict[str, int | None]) -> dict[str, str]:
    return {f"map_{k}": "" if v is None else str(v) for k, v in mapping.items()}


def test_a_manager_uploads_previews_and_imports_three_clients(web, manager, clinic):
    browser = web(manager)
    assert browser.get("/clients/import/").status_code == 200
    page = upload(browser, THREE.encode())
    content = page.content.decode()
    assert page.status_code == 200
    assert "Aoife" in content and "14 Feb 1988" in content  # day first, the preview
    assert "<strong>3</strong> clients will be created" in content
    assert not Client.objects.exists()  # nothing before the import
    done = browser.post("/clients/import/", {"step": "import", **form_mapping(mapping_of(THREE))})
    assert done.status_code == 200
    assert "<strong>3</strong> clients created" in done.content.decode()
    aoife = Client.objects.get(first_name="Aoife")
    assert (aoife.last_name, aoife.date_of_birth, aoife.email_consent) == (
        "Byrne",
        date(1988, 2, 14),
        True,
    )
    assert aoife.notes == "Prefers mornings"
    assert not aoife.screenings.exists()
    niamh = Client.objects.get(first_name="Niamh")
    assert niamh.date_of_birth == date(1979, 11, 3) and niamh.email_consent is False
    events = AuditEvent.objects.filter(object_type="client", action="create")
    assert events.count() == 3
    assert AuditEvent.objects.filter(object_type="client_import").get().detail["created"] == 3


def test_excel_semicolons_with_a_bom_and_separate_name_columns():
    text = (
        "\ufeffFirst name;Surname;DOB;E-mail\r\nMáire;Ó Súilleabháin;02.05.1990;maire@x.example\r\n"
    )
    csv_file = client_import.read_csv(text.encode("utf-8"))
    assert csv_file.delimiter == ";"
    clinic = ClinicFactory(country="IE")
    check = client_import.import_check(
        clinic=clinic, csv_file=csv_file, mapping=client_import.guess_mapping(csv_file.headers)
    )
    (row,) = check.accepted
    assert row.data["first_name"] == "Máire"
    assert row.data["last_name"] == "Ó Súilleabháin"
    assert row.data["date_of_birth"] == date(1990, 5, 2)


def test_a_us_clinic_reads_slashed_dates_month_first():
    assert client_import.parse_date("03/11/1979", month_first=True) == date(1979, 3, 11)
    assert client_import.parse_date("03/11/1979", month_first=False) == date(1979, 11, 3)
    assert client_import.parse_date("1979-11-03", month_first=True) == date(1979, 11, 3)
    assert client_import.parse_date("31/02/1979", month_first=False) is None
    assert client_import.parse_date("yesterday", month_first=False) is None


def test_duplicates_of_existing_clients_and_within_the_file_are_skipped(clinic, manager):
    ClientFactory(
        clinic=clinic, first_name="Aoife", last_name="Byrne", date_of_birth=date(1988, 2, 14)
    )
    text = THREE + "ciara walsh,30/07/1991,other@mail.example,,,\n"
    csv_file = client_import.read_csv(text.encode())
    report = client_import.clients_import(
        clinic=clinic, actor=manager.user, csv_file=csv_file, mapping=mapping_of(text)
    )
    assert report.created == 2
    assert [(r.line, r.reason) for r in report.duplicates] == [
        (2, "Already a client: Aoife Byrne (same name and date of birth)."),
        (5, "The same person as line 3."),
    ]
    assert Client.objects.filter(clinic=clinic).count() == 3


def test_bad_rows_are_rejected_with_their_line_and_reason(clinic, manager):
    text = (
        "Name,Date of birth,Email,Email consent\n"
        "Aoife Byrne,14/02/1988,aoife@mail.example,yes\n"
        "Madonna,01/01/1970,,no\n"
        "Ciara Walsh,30/02/1991,,no\n"
        "Niamh Kelly,03/11/1979,not-an-address,no\n"
        "Sinead Ryan,03/11/1979,,perhaps\n"
    )
    report = client_import.clients_import(
        clinic=clinic,
        actor=manager.user,
        csv_file=client_import.read_csv(text.encode()),
        mapping=mapping_of(text),
    )
    assert report.created == 1
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {3, 4, 5, 6}
    assert "first and a last name" in reasons[3]
    assert "not a date" in reasons[4]
    assert "e-mail" in reasons[5].lower()
    assert "yes or no" in reasons[6]


def test_nothing_is_imported_when_the_import_fails_midway(clinic, manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(client_import, "audit_record", broken)
    with pytest.raises(RuntimeError):
        client_import.clients_import(
            clinic=clinic,
            actor=manager.user,
            csv_file=client_import.read_csv(THREE.encode()),
            mapping=mapping_of(THREE),
        )
    assert not Client.objects.exists()


def test_files_over_the_limits_are_refused_with_a_clear_error(web, manager):
    with pytest.raises(ApplicationError) as too_big:
        client_import.read_csv(b"Name\n" + b"x" * client_import.MAX_BYTES)
    assert "larger than 2 MB" in too_big.value.detail
    many = "Name,Date of birth\n" + "A B,01/01/1990\n" * (client_import.MAX_ROWS + 1)
    with pytest.raises(ApplicationError) as too_many:
        client_import.read_csv(many.encode())
    assert "at most 5,000" in too_many.value.detail
    page = upload(web(manager), many.encode())
    assert page.status_code == 400
    assert "at most 5,000" in page.content.decode()


def test_an_empty_or_missing_file_is_a_form_error(web, manager):
    browser = web(manager)
    assert upload(browser, b"").status_code == 400
    assert browser.post("/clients/import/", {"step": "upload"}).status_code == 400
    assert browser.post("/clients/import/", {"step": "import"}).status_code == 400


def test_without_name_or_birth_columns_the_page_asks_for_them(web, manager):
    browser = web(manager)
    upload(browser, THREE.encode())
    response = browser.post(
        "/clients/import/",
        {"step": "import", **form_mapping({**mapping_of(THREE), "date_of_birth": None})},
    )
    assert response.status_code == 400
    assert "date of birth" in response.content.decode()
    assert not Client.objects.exists()


def test_windows_1252_files_are_read_too():
    text = "Name,Date of birth\nZoë Brennan,01/01/1990\n".encode("cp1252")
    assert client_import.read_csv(text).rows == [["Zoë Brennan", "01/01/1990"]]


@pytest.mark.parametrize("role", ["reception", "practitioner"])
def test_only_managers_import(web, clinic, role, reception, practitioner):
    who = reception if role == "reception" else practitioner
    assert web(who).get("/clients/import/").status_code == 403
    assert upload(web(who), THREE.encode()).status_code == 403
    assert not Client.objects.exists()
