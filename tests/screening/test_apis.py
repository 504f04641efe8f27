"""Screening API, per the API contract and the screening issue."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from common.models import AuditEvent
from tests.screening.answers import all_no_answers, rule_set_with_isotretinoin_months
from treatments.screening.models import RuleSet, Screening, ScreeningReview

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        yield


def evaluate(client, client_id, answers, planned="2026-11-27"):
    return client.post(
        "/api/screenings/evaluate/",
        {"client": client_id, "planned_date": planned, "answers": answers},
    )


# --- questions --------------------------------------------------------------


def test_questions_list_the_current_rule_sets_questions(api, reception):
    body = api(reception).get("/api/screening/questions/").json()
    assert body["count"] == len(body["results"]) == 26
    assert body["rule_set_version"] == 1
    by_code = {q["code"]: q for q in body["results"]}
    assert by_code["isotretinoin_current"]["type"] == "boolean"
    assert by_code["isotretinoin_last_dose"]["type"] == "date"
    assert [c["value"] for c in by_code["diabetes"]["choices"]] == [
        "none",
        "controlled",
        "uncontrolled",
    ]
    assert all(q["text"] for q in body["results"])


# --- evaluate (dry run) -----------------------------------------------------


def test_evaluate_all_no_is_clear_and_stores_nothing(api, reception, client_record):
    response = evaluate(api(reception), client_record.pk, all_no_answers())
    assert response.status_code == 200
    assert response.json() == {
        "outcome": "clear",
        "eligible_from": None,
        "rule_set_version": 1,
        "missing": [],
        "findings": [],
    }
    assert not Screening.objects.exists()


def test_evaluate_isotretinoin_recent_defers_with_its_date_and_source(
    api, reception, client_record
):
    answers = all_no_answers(isotretinoin_last_dose="2026-08-31")
    body = evaluate(api(reception), client_record.pk, answers).json()
    assert body["outcome"] == "defer"
    assert body["eligible_from"] == "2027-02-28"  # 31 Aug + 6 months clamps to 28 Feb
    (finding,) = body["findings"]
    assert finding["rule"] == "ISO_RECENT"
    assert finding["severity"] == "defer"
    assert finding["eligible_from"] == "2027-02-28"
    assert "ISO1" in finding["sources"]
    assert finding["explanation"]


def test_evaluate_missing_answers_is_incomplete_listing_codes(api, reception, client_record):
    answers = all_no_answers()
    del answers["bleeding_disorder"]
    del answers["diabetes"]
    body = evaluate(api(reception), client_record.pk, answers).json()
    assert body["outcome"] == "incomplete"
    assert set(body["missing"]) == {"bleeding_disorder", "diabetes"}


def test_minor_is_contraindicated_from_the_client_record(api, reception, clinic):
    from tests.factories import ClientFactory

    teen = ClientFactory(clinic=clinic, date_of_birth=date(2008, 11, 28))
    body = evaluate(api(reception), teen.pk, all_no_answers(), planned="2026-11-27").json()
    assert body["outcome"] == "contraindicated"
    assert [f["rule"] for f in body["findings"]] == ["MINOR"]
    on_birthday = evaluate(api(reception), teen.pk, all_no_answers(), planned="2026-11-28")
    assert on_birthday.json()["outcome"] == "clear"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"no_such_question": True}, "answers.no_such_question"),
        ({"bleeding_disorder": "yes"}, "answers.bleeding_disorder"),
        ({"isotretinoin_last_dose": "31/08/2026"}, "answers.isotretinoin_last_dose"),
        ({"isotretinoin_last_dose": "2026-11-21"}, "answers.isotretinoin_last_dose"),
        ({"diabetes": "sometimes"}, "answers.diabetes"),
    ],
)
def test_invalid_answers_are_400_naming_the_question(api, reception, client_record, answers, field):
    response = evaluate(api(reception), client_record.pk, all_no_answers(**answers))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"], body


def test_future_last_dose_message_says_why(api, reception, client_record):
    body = evaluate(
        api(reception), client_record.pk, all_no_answers(isotretinoin_last_dose="2026-12-01")
    ).json()
    assert body["fields"]["answers.isotretinoin_last_dose"] == [
        "This date cannot be in the future."
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"planned_date": "2026-11-27", "answers": {}}, "client"),
        ({"client": 1, "answers": {}}, "planned_date"),
        ({"client": 1, "planned_date": "tomorrow", "answers": {}}, "planned_date"),
        ({"client": 1, "planned_date": "2026-11-27", "answers": [1, 2]}, "answers"),
        ({"client": 1, "planned_date": "2026-11-27"}, "answers"),
    ],
)
def test_malformed_evaluate_requests_are_400(api, reception, client_record, payload, field):
    if "client" in payload:
        payload["client"] = client_record.pk
    response = api(reception).post("/api/screenings/evaluate/", payload)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_planned_date_in_the_past_is_refused(api, reception, client_record):
    response = evaluate(api(reception), client_record.pk, all_no_answers(), planned="2026-11-19")
    assert response.status_code == 400
    assert "planned_date" in response.json()["fields"]


def test_evaluate_for_another_clinics_client_is_404(api, reception, other_client_record):
    response = evaluate(api(reception), other_client_record.pk, all_no_answers())
    assert response.status_code == 404


# --- stored screenings ------------------------------------------------------


def take(client, client_id, answers, planned="2026-11-27"):
    return client.post(
        f"/api/clients/{client_id}/screenings/", {"planned_date": planned, "answers": answers}
    )


def test_taking_a_screening_stores_answers_version_result_and_who(api, reception, client_record):
    response = take(api(reception), client_record.pk, all_no_answers(anticoagulant_use=True))
    assert response.status_code == 201
    body = response.json()
    assert body["outcome"] == "caution"
    assert body["rule_set_version"] == 1
    assert body["review"] is None
    assert body["taken_by"] == reception.user.full_name
    assert body["valid_until"] == "2026-12-19"  # valid 30 days counting the day it was taken
    screening = Screening.objects.get(pk=body["id"])
    assert screening.answers["anticoagulant_use"] is True
    assert screening.taken_by == reception.user
    assert AuditEvent.objects.filter(
        action="create", object_type="screening", client_id=client_record.pk
    ).exists()


def test_stored_screenings_are_immutable(api, reception, client_record):
    body = take(api(reception), client_record.pk, all_no_answers()).json()
    client = api(reception)
    assert client.patch(f"/api/screenings/{body['id']}/", {"outcome": "clear"}).status_code == 405
    assert client.put(f"/api/screenings/{body['id']}/", {}).status_code == 405
    assert client.delete(f"/api/screenings/{body['id']}/").status_code == 405
    screening = Screening.objects.get(pk=body["id"])
    screening.outcome = "contraindicated"
    with pytest.raises(RuntimeError, match="immutable"):
        screening.save()


def test_screening_list_and_detail_are_audited_reads(api, reception, client_record):
    client = api(reception)
    created = take(client, client_record.pk, all_no_answers()).json()
    listed = client.get(f"/api/clients/{client_record.pk}/screenings/").json()
    assert [s["id"] for s in listed["results"]] == [created["id"]]
    assert client.get(f"/api/screenings/{created['id']}/").status_code == 200
    reads = AuditEvent.objects.filter(object_type="screening", object_id=str(created["id"]))
    assert sorted(reads.values_list("action", flat=True)) == ["create", "list", "read"]


def test_other_clinics_screenings_are_404(api, reception, other_manager, other_client_record):
    theirs = take(api(other_manager), other_client_record.pk, all_no_answers()).json()
    client = api(reception)
    assert client.get(f"/api/screenings/{theirs['id']}/").status_code == 404
    assert client.get(f"/api/clients/{other_client_record.pk}/screenings/").status_code == 404
    assert take(client, other_client_record.pk, all_no_answers()).status_code == 404
    assert client.post(f"/api/screenings/{theirs['id']}/review/", {"note": "x"}).status_code in (
        403,
        404,
    )


# --- reviews ----------------------------------------------------------------


def test_practitioner_reviews_a_caution_screening(api, reception, practitioner, client_record):
    caution = take(api(reception), client_record.pk, all_no_answers(anticoagulant_use=True)).json()
    response = api(practitioner).post(
        f"/api/screenings/{caution['id']}/review/", {"note": "Aspirin 75 mg; GP agrees."}
    )
    assert response.status_code == 201
    review = response.json()["review"]
    assert review["reviewed_by"] == practitioner.user.full_name
    assert review["note"] == "Aspirin 75 mg; GP agrees."
    assert review["reviewed_at"].startswith("2026-11-20T10:00:00")
    again = api(practitioner).post(f"/api/screenings/{caution['id']}/review/", {"note": "again"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_reviewed"


@pytest.mark.parametrize("persona", ["reception", "manager"])
def test_only_practitioners_review(api, request, practitioner, client_record, persona):
    who = request.getfixturevalue(persona)
    caution = take(api(who), client_record.pk, all_no_answers(anticoagulant_use=True)).json()
    response = api(who).post(f"/api/screenings/{caution['id']}/review/", {"note": "ok"})
    assert response.status_code == 403
    assert not ScreeningReview.objects.exists()


def test_only_caution_results_are_reviewed(api, reception, practitioner, client_record):
    clear = take(api(reception), client_record.pk, all_no_answers()).json()
    response = api(practitioner).post(f"/api/screenings/{clear['id']}/review/", {"note": "fine"})
    assert response.status_code == 409
    assert response.json()["code"] == "review_not_applicable"


def test_review_needs_a_note(api, reception, practitioner, client_record):
    caution = take(api(reception), client_record.pk, all_no_answers(anticoagulant_use=True)).json()
    response = api(practitioner).post(f"/api/screenings/{caution['id']}/review/", {"note": ""})
    assert response.status_code == 400
    assert "note" in response.json()["fields"]


# --- rule-set versions ------------------------------------------------------


def test_publishing_a_changed_rule_set_changes_new_results_only(
    api, manager, reception, client_record
):
    dose = "2026-07-01"  # 4 months and 3 weeks before the planned date
    before = take(api(reception), client_record.pk, all_no_answers(isotretinoin_last_dose=dose))
    assert before.json()["outcome"] == "defer"

    published = api(manager).post(
        "/api/screening/rule-sets/",
        {"data": rule_set_with_isotretinoin_months(3), "note": "Isotretinoin wait 3 months"},
    )
    assert published.status_code == 201, published.json()
    assert published.json()["version"] == 2

    after = take(api(reception), client_record.pk, all_no_answers(isotretinoin_last_dose=dose))
    assert after.json()["outcome"] == "clear"
    assert after.json()["rule_set_version"] == 2

    old = api(reception).get(f"/api/screenings/{before.json()['id']}/").json()
    assert old["outcome"] == "defer"
    assert old["rule_set_version"] == 1
    assert old["eligible_from"] == "2027-01-01"
    assert (
        RuleSet.objects.get(clinic=client_record.clinic, version=1).data["rules"]
        != RuleSet.objects.get(clinic=client_record.clinic, version=2).data["rules"]
    )


def test_only_managers_publish_rule_sets(api, reception, practitioner):
    for who in (reception, practitioner):
        response = api(who).post(
            "/api/screening/rule-sets/",
            {"data": rule_set_with_isotretinoin_months(3), "note": "x"},
        )
        assert response.status_code == 403
    assert api(reception).get("/api/screening/rule-sets/").status_code == 200


def test_an_invalid_rule_set_is_refused_with_field_messages(api, manager):
    data = rule_set_with_isotretinoin_months(0)
    response = api(manager).post("/api/screening/rule-sets/", {"data": data, "note": "oops"})
    assert response.status_code == 400
    assert any(k.startswith("data.rules.ISO_RECENT") for k in response.json()["fields"])
    assert not RuleSet.objects.filter(version=2).exists()


def test_publishing_the_same_rules_again_is_a_409(api, manager):
    from treatments.screening.defaults import DEFAULT_RULE_SET

    response = api(manager).post(
        "/api/screening/rule-sets/", {"data": DEFAULT_RULE_SET, "note": "no change"}
    )
    assert response.status_code == 409


def test_rule_sets_cannot_be_edited_in_place(manager, clinic):
    from treatments.screening.services import rule_set_current

    rule_set = rule_set_current(clinic=clinic)
    rule_set.note = "edited"
    with pytest.raises(RuntimeError, match="immutable"):
        rule_set.save()


# --- eligibility ------------------------------------------------------------


def test_eligibility_endpoint_refuses_contraindicated_and_explains(api, reception, client_record):
    take(api(reception), client_record.pk, all_no_answers(bleeding_disorder=True))
    body = api(reception).get(f"/api/clients/{client_record.pk}/eligibility/?date=2026-11-27")
    assert body.status_code == 200
    data = body.json()
    assert data["allowed"] is False
    assert data["outcome"] == "contraindicated"
    assert data["findings"][0]["rule"] == "BLEEDING_DISORDER"


def test_eligibility_needs_a_valid_date(api, reception, client_record):
    response = api(reception).get(f"/api/clients/{client_record.pk}/eligibility/?date=soon")
    assert response.status_code == 400
    assert "date" in response.json()["fields"]


def test_a_screening_pinned_to_an_old_version_is_refused(manager, reception, client_record):
    from common.errors import Conflict
    from treatments.screening import services

    old = services.rule_set_current(clinic=client_record.clinic)
    services.rule_set_publish(
        clinic=client_record.clinic,
        actor=manager.user,
        data=rule_set_with_isotretinoin_months(3),
        note="3 months",
    )
    with pytest.raises(Conflict, match="version 2"):
        services.screening_take(
            client=client_record,
            actor=reception.user,
            planned_date=TODAY,
            raw_answers=all_no_answers(),
            rule_set=old,
        )
    assert not Screening.objects.exists()
