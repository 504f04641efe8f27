"""The manager's audit page ``/audit/`` and its CSV."""

from __future__ import annotations

import csv
import io

import pytest

from common.audit import audit_record
from common.models import AuditEvent

pytestmark = pytest.mark.django_db


def event(persona, *, client=None, action="read", outcome="allowed"):
    return audit_record(
        actor=persona.user,
        action=action,
        object_type="client",
        object_id=client.pk if client else "",
        clinic_id=persona.clinic.pk,
        client_id=client.pk if client else None,
        outcome=outcome,
    )


def test_the_page_lists_the_clinics_events_with_names(
    web, manager, reception, client_record, other_manager, other_client_record
):
    ours = event(reception, client=client_record, action="update")
    theirs = event(other_manager, client=other_client_record)

    response = web(manager).get("/audit/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-event="{ours.pk}"' in page
    assert f'data-event="{theirs.pk}"' not in page
    assert "Hughes, Amelia" in page
    assert reception.user.email in page
    assert "Kim" not in page


def test_the_navigation_offers_the_audit_page_to_managers_only(web, manager, reception):
    assert 'href="/audit/"' in web(manager).get("/").content.decode()
    assert 'href="/audit/"' not in web(reception).get("/").content.decode()


@pytest.mark.parametrize("persona", ["reception", "practitioner"])
def test_only_managers_open_the_audit_page(web, request, persona):
    who = request.getfixturevalue(persona)
    browser = web(who)
    assert browser.get("/audit/").status_code == 403
    assert browser.get("/audit/export.csv").status_code == 403
    assert AuditEvent.objects.filter(actor=who.user, outcome="denied").count() == 2


def test_filters_narrow_the_list_and_survive_paging(web, manager, reception, client_record):
    for _ in range(55):
        event(reception, client=client_record, action="update")
    event(reception, client=client_record, action="read")
    browser = web(manager)

    first = browser.get(f"/audit/?action=update&client={client_record.pk}").content.decode()
    assert "55 events for Hughes, Amelia" in first
    assert f"client={client_record.pk}&amp;action=update&amp;page=2" in first
    second = browser.get(f"/audit/?action=update&client={client_record.pk}&page=2")
    assert second.content.decode().count("data-event=") == 5


def test_a_bad_filter_is_a_form_error_not_a_500(web, manager, other_client_record):
    response = web(manager).get(
        f"/audit/?client={other_client_record.pk}&date_from=2026-02-30&outcome=maybe"
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "No client of this clinic has that number." in page
    assert 'id="id_date_from_error"' in page
    assert 'id="id_outcome_error"' in page
    assert "data-event=" not in page
    assert not AuditEvent.objects.filter(object_type="audit_event").exists()


def test_nul_bytes_in_a_filter_are_a_form_error(web, manager):
    response = web(manager).get("/audit/?client=1%00&outcome=denied%00")
    assert response.status_code == 400


def test_opening_the_page_is_audited_once(web, manager, reception, client_record):
    for _ in range(3):
        event(reception, client=client_record)
    web(manager).get("/audit/?outcome=allowed")

    read = AuditEvent.objects.get(object_type="audit_event")
    assert (read.action, read.channel) == ("list", "web")
    assert read.detail == {"filters": {"outcome": "allowed"}, "results": 3}


def test_the_csv_holds_the_filtered_events_and_its_download_is_audited(
    web, manager, reception, client_record
):
    event(reception, client=client_record, action="update", outcome="denied")
    event(reception, client=client_record, action="read")

    response = web(manager).get("/audit/export.csv?outcome=denied")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["action"], row["outcome"], row["client"]) for row in rows] == [
        ("update", "denied", "Hughes, Amelia")
    ]
    assert AuditEvent.objects.get(object_type="audit_event").action == "export"


def test_a_managers_client_page_links_to_that_clients_trail(web, manager, reception, client_record):
    link = f'href="/audit/?client={client_record.pk}"'
    assert link in web(manager).get(f"/clients/{client_record.pk}/").content.decode()
    assert link not in web(reception).get(f"/clients/{client_record.pk}/").content.decode()
