"""The staff pages for screening: intake form, result, review, client badge, rule sets."""

from __future__ import annotations

import copy
import re
from datetime import date
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.models import AuditEvent
from tests.screening.answers import all_no_answers, rule_set_with_isotretinoin_months
from treatments.screening import services
from treatments.screening.defaults import DEFAULT_RULE_SET, QUESTION_GROUPS
from treatments.screening.models import RuleSet, Screening, ScreeningReview

pytestmark = pytest.mark.django_db

# 10:00 in London on a Friday; a week later is the usual planned date.
NOW = "2026-11-20 10:00:00+00:00"
TODAY = date(2026, 11, 20)
PLANNED = "2026-11-27"
QUESTIONS = DEFAULT_RULE_SET["questions"]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(answers: dict, planned: str = PLANNED, version: int = 1) -> dict[str, str]:
    """What a browser posts for these API-shaped answers (unanswered: nothing posted)."""
    data = {"planned_date": planned, "rule_set_version": str(version)}
    types = {q["code"]: q["type"] for q in QUESTIONS}
    for code, value in answers.items():
        if types[code] == "boolean":
            data[f"q-{code}"] = "yes" if value else "no"
        elif types[code] == "date":
            if value is None:
                data[f"never-{code}"] = "on"
            else:
                data[f"q-{code}"] = value
        else:
            data[f"q-{code}"] = value
    return data


def new_url(client_record) -> str:
    return f"/clients/{client_record.pk}/screenings/new/"


def take(client_record, actor, planned: str = PLANNED, **overrides) -> Screening:
    return services.screening_take(
        client=client_record,
        actor=actor.user,
        planned_date=date.fromisoformat(planned),
        raw_answers=all_no_answers(**overrides),
    )


def badge(html: str) -> tuple[str, str]:
    """(kind, visible label) of the client page's screening badge."""
    match = re.search(
        r'data-screening-status="([a-z_]+)"><span class="visually-hidden">'
        r"Screening status: </span>([^<]+)</span>",
        html,
    )
    assert match, "the client page has no screening badge"
    return match.group(1), match.group(2).strip()


# --- the intake form ------------------------------------------------------------------


def test_form_asks_every_question_grouped_like_the_paper_form(web, reception, client_record):
    response = web(reception).get(new_url(client_record))
    html = response.content.decode()
    assert response.status_code == 200

    legends = re.findall(r'<fieldset class="qgroup"[^>]*>\s*<legend>([^<]+)</legend>', html)
    assert legends == list(QUESTION_GROUPS.values())
    for question in QUESTIONS:
        assert f'data-question="{question["code"]}"' in html
    # Questions sit inside their group, in the paper-form order.
    first_medication = html.index('data-question="isotretinoin_current"')
    first_history = html.index('data-question="pregnant_or_breastfeeding"')
    assert html.index("<legend>Medications</legend>") < first_medication < first_history
    assert html.index("<legend>Medical history</legend>") < first_history


def test_form_leaves_every_answer_open_and_offers_never_for_dates(web, reception, client_record):
    html = web(reception).get(new_url(client_record)).content.decode()
    # A missing answer is not a "no": nothing is pre-selected.
    assert not re.search(r"<input[^>]* checked", html)
    assert 'name="q-isotretinoin_current" value="yes"' in html
    assert 'name="q-isotretinoin_current" value="no"' in html
    date_codes = [q["code"] for q in QUESTIONS if q["type"] == "date"]
    for code in date_codes:
        assert f'type="date" name="q-{code}"' in html
        assert f'name="never-{code}"' in html
    assert html.count("Never / not applicable</span>") == len(date_codes)
    for value in ("none", "controlled", "uncontrolled"):
        assert f'name="q-diabetes" value="{value}"' in html
    # Help text is shown and linked to its question.
    assert "Tablets for severe acne prescribed by a dermatologist." in html
    assert 'aria-describedby="question-isotretinoin_current-help"' in html


def test_form_defaults_to_the_clinic_local_today_and_current_version(web, reception, client_record):
    # 23:30 UTC on 20 Nov is already 21 Nov in Auckland.
    client_record.clinic.timezone = "Pacific/Auckland"
    client_record.clinic.save()
    with time_machine.travel("2026-11-20 23:30:00+00:00", tick=False):
        html = web(reception).get(new_url(client_record)).content.decode()
    assert re.search(r'name="planned_date" value="2026-11-21"', html)
    assert re.search(r'name="rule_set_version" value="1"', html)


def test_all_no_answers_store_a_clear_screening_and_redirect_to_it(web, reception, client_record):
    response = web(reception).post(new_url(client_record), form_data(all_no_answers()))
    screening = Screening.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/screenings/{screening.pk}/"
    assert screening.outcome == "clear"
    assert screening.client == client_record
    assert screening.taken_by == reception.user
    assert screening.planned_date == date(2026, 11, 27)
    assert screening.answers == all_no_answers()  # "never" is stored as null, not dropped
    assert screening.rule_set.version == 1


def test_unanswered_questions_are_stored_as_incomplete(web, reception, client_record):
    answers = all_no_answers()
    del answers["anticoagulant_use"], answers["laser_or_peel_last"]
    response = web(reception).post(new_url(client_record), form_data(answers))
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert screening.outcome == "incomplete"
    assert screening.missing == ["anticoagulant_use", "laser_or_peel_last"]


def test_a_future_last_dose_is_a_form_error_with_400_and_nothing_is_stored(
    web, reception, client_record
):
    answers = all_no_answers(isotretinoin_last_dose="2026-12-01")
    response = web(reception).post(new_url(client_record), form_data(answers))
    html = response.content.decode()
    assert response.status_code == 400
    assert Screening.objects.count() == 0
    assert "This date cannot be in the future." in html
    # The message sits at the question and is linked to its date input.
    assert 'class="q q--date q--error" id="question-isotretinoin_last_dose"' in html
    assert re.search(
        r'<input type="date" name="q-isotretinoin_last_dose" value="2026-12-01"[^>]*'
        r'aria-describedby="question-isotretinoin_last_dose-help '
        r'question-isotretinoin_last_dose-error"',
        html,
    )
    # The other answers are kept for the correction.
    assert 'name="q-anticoagulant_use" value="no" id="id_q-anticoagulant_use_1" checked' in html


def test_a_date_and_never_together_is_refused(web, reception, client_record):
    data = form_data(all_no_answers(botulinum_toxin_last="2026-11-01"))
    data["never-botulinum_toxin_last"] = "on"
    response = web(reception).post(new_url(client_record), data)
    assert response.status_code == 400
    assert "not both" in response.content.decode()
    assert Screening.objects.count() == 0


def test_a_planned_date_in_the_past_is_refused(web, reception, client_record):
    response = web(reception).post(
        new_url(client_record), form_data(all_no_answers(), planned="2026-11-19")
    )
    assert response.status_code == 400
    assert "Choose today or a later date." in response.content.decode()
    assert Screening.objects.count() == 0


def test_answers_to_an_outdated_version_of_the_questions_are_not_stored(
    web, reception, manager, client_record
):
    data = form_data(all_no_answers())  # the form was opened under version 1
    services.rule_set_publish(
        clinic=client_record.clinic,
        actor=manager.user,
        data=rule_set_with_isotretinoin_months(3),
        note="Isotretinoin 3 months",
    )
    response = web(reception).post(new_url(client_record), data)
    assert response.status_code == 409
    assert "published version 2" in response.content.decode()
    assert Screening.objects.count() == 0


def test_another_clinics_client_is_not_found(web, reception, other_client_record):
    browser = web(reception)
    assert browser.get(new_url(other_client_record)).status_code == 404
    response = browser.post(new_url(other_client_record), form_data(all_no_answers()))
    assert response.status_code == 404
    assert Screening.objects.count() == 0


def test_screening_pages_need_a_login(client, client_record):
    response = client.get(new_url(client_record))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- the live outcome beside the form ---------------------------------------------------


def live_url(client_record) -> str:
    return f"/clients/{client_record.pk}/screenings/live/"


def live(web, persona, client_record, data: dict[str, str]) -> str:
    response = web(persona).post(live_url(client_record), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def outcome_title(html: str) -> str:
    match = re.search(r'<h[23] id="(?:live-)?outcome-title"[^>]*>([^<]+)</h[23]>', html)
    assert match, "no outcome heading"
    return match.group(1).strip()


def test_form_page_mounts_the_live_outcome_without_restating_rules(web, reception, client_record):
    html = web(reception).get(new_url(client_record)).content.decode()
    panel = html[html.index('id="live-result"') : html.index("</aside>")]
    assert f'hx-post="{live_url(client_record)}"' in panel
    assert 'hx-include="#screening-form"' in panel
    assert 'id="screening-form"' in html
    # Outcomes, severities and the evaluate API are the server's business, not the page's.
    assert "/api/screenings/evaluate/" not in html
    assert "screening-live-config" not in html
    assert "Contraindicated" not in html
    # Without JavaScript the panel says when the outcome is worked out.
    assert "The outcome is worked out when you save the screening." in panel


def test_live_outcome_of_all_no_answers_is_clear_and_nothing_is_stored(
    web, reception, client_record
):
    html = live(web, reception, client_record, form_data(all_no_answers()))
    assert outcome_title(html) == "Outcome: Clear"
    assert "Nothing found that stands in the way of treatment." in html
    assert "Still to answer" not in html
    assert Screening.objects.count() == 0
    # Screen readers hear the outcome in the page's status region.
    status = re.search(r'<p id="live-status" hx-swap-oob="innerHTML">([^<]*)</p>', html)
    assert status and status.group(1) == "Outcome: Clear."


def test_live_outcome_is_the_result_page_rendering_before_saving(web, reception, client_record):
    answers = all_no_answers(isotretinoin_last_dose="2026-09-20", anticoagulant_use=True)
    html = live(web, reception, client_record, form_data(answers))
    web(reception).post(new_url(client_record), form_data(answers))
    result_page = web(reception).get(f"/screenings/{Screening.objects.get().pk}/")

    assert outcome_title(html) == "Outcome: Defer until 20 March 2027"
    assert outcome_title(result_page.content.decode()) == outcome_title(html)
    for finding in ("Isotretinoin in the last 6 months", "Blood thinners"):
        assert finding in html
    assert re.search(r"<dt>Eligible from</dt><dd><strong>20 March 2027</strong></dd>", html)
    assert "Last isotretinoin dose on 2026-09-20." in html
    assert re.search(r'class="card finding finding--warn"[^>]*>\s*<header', html)
    assert "Findings (2)" in html


def test_live_outcome_lists_what_is_still_to_answer(web, reception, client_record):
    answers = all_no_answers()
    del answers["anticoagulant_use"], answers["laser_or_peel_last"]
    html = live(web, reception, client_record, form_data(answers))
    assert outcome_title(html) == "Outcome: Incomplete"
    assert "2 questions not answered." in html
    assert "Still to answer:" in html
    assert 'href="#question-anticoagulant_use"' in html
    assert 'href="#question-laser_or_peel_last"' in html


def test_live_outcome_of_an_empty_form_shows_six_questions_and_how_many_more(
    web, reception, client_record
):
    html = live(web, reception, client_record, form_data({}))
    assert outcome_title(html) == "Outcome: Incomplete"
    assert f"{len(QUESTIONS)} questions not answered." in html
    assert html.count('<li><a href="#question-') == 6
    assert f"and {len(QUESTIONS) - 6} more" in html


def test_live_outcome_of_a_minor_is_contraindicated_by_age(web, reception, client_record):
    client_record.date_of_birth = date(2010, 1, 1)
    client_record.save()
    html = live(web, reception, client_record, form_data(all_no_answers()))
    assert outcome_title(html) == "Outcome: Contraindicated"
    assert "Client is 16 on the planned date" in html


def test_a_future_date_is_to_be_corrected_in_the_live_outcome(web, reception, client_record):
    answers = all_no_answers(botulinum_toxin_last="2026-12-01")
    html = live(web, reception, client_record, form_data(answers))
    assert outcome_title(html) == "Check the answers"
    assert "This date cannot be in the future." in html
    assert 'href="#question-botulinum_toxin_last"' in html
    assert 'data-invalid-fields="botulinum_toxin_last"' in html
    assert Screening.objects.count() == 0


@pytest.mark.parametrize(
    ("planned", "message"),
    [("", "Enter the planned treatment date."), ("2026-11-19", "Choose today or a later date.")],
)
def test_the_planned_date_is_to_be_corrected_in_the_live_outcome(
    web, reception, client_record, planned, message
):
    html = live(web, reception, client_record, form_data(all_no_answers(), planned=planned))
    assert outcome_title(html) == "Check the answers"
    assert message in html
    assert 'href="#id_planned_date">Planned treatment date</a>' in html
    assert 'data-invalid-fields="planned_date"' in html


def test_live_outcome_uses_the_clinics_current_rules(web, reception, manager, client_record):
    services.rule_set_publish(
        clinic=client_record.clinic,
        actor=manager.user,
        data=rule_set_with_isotretinoin_months(3),
        note="Isotretinoin 3 months",
    )
    answers = all_no_answers(isotretinoin_last_dose="2026-09-20")
    html = live(web, reception, client_record, form_data(answers, version=2))
    assert outcome_title(html) == "Outcome: Defer until 20 December 2026"


def test_each_live_outcome_is_audited_as_an_evaluation(web, reception, client_record):
    live(web, reception, client_record, form_data(all_no_answers(metal_allergy=True)))
    event = AuditEvent.objects.get(object_type="screening_evaluation")
    assert event.action == "read"
    assert event.actor == reception.user
    assert event.client_id == client_record.pk
    assert event.detail == {"outcome": "contraindicated"}


def test_live_outcome_of_another_clinics_client_is_not_found(web, reception, other_client_record):
    response = web(reception).post(live_url(other_client_record), form_data(all_no_answers()))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(object_type="screening_evaluation").exists()


def test_live_outcome_needs_a_login_and_a_post(web, client, reception, client_record):
    response = client.post(live_url(client_record), form_data(all_no_answers()))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert web(reception).get(live_url(client_record)).status_code == 405


# --- the result page ------------------------------------------------------------------


def test_result_shows_each_finding_with_explanation_source_and_eligible_date(
    web, reception, client_record
):
    screening = take(client_record, reception, isotretinoin_last_dose="2026-09-20")
    html = web(reception).get(f"/screenings/{screening.pk}/").content.decode()

    assert screening.outcome == "defer"
    assert "Outcome: Defer until 20 March 2027" in html
    assert "Isotretinoin in the last 6 months" in html
    # The stored explanation, filled in for this client.
    assert "Last isotretinoin dose on 2026-09-20." in html
    assert "eligible from 2027-03-20" in html
    assert "isotretinoin prescribing information (6 months)" in html  # ISO1, in full
    assert re.search(r"<dt>Eligible from</dt><dd><strong>20 March 2027</strong></dd>", html)
    # Facts about the screening itself.
    assert "27 November 2026" in html  # planned date
    assert "Version 1" in html
    assert "19 December 2026" in html  # valid for booking until (30 days incl. today)
    assert reception.user.full_name in html


def test_result_lists_the_answers_never_and_not_answered_apart(web, reception, client_record):
    answers = all_no_answers(dermal_filler_last="2026-10-01")
    del answers["frequent_rashes"]
    screening = services.screening_take(
        client=client_record,
        actor=reception.user,
        planned_date=date(2026, 11, 27),
        raw_answers=answers,
    )
    html = web(reception).get(f"/screenings/{screening.pk}/").content.decode()
    row = r'<th scope="row">{}</th><td>{}</td>'
    assert "Incomplete" in html
    assert re.search(
        row.format(
            re.escape("When did you last have dermal filler injections?") + ".*?", "1 October 2026"
        ),
        html,
    )
    assert re.search(
        row.format(
            re.escape("When did you last have anti-wrinkle injections") + ".*?",
            "Never / not applicable",
        ),
        html,
    )
    assert re.search(
        r"Do you often get skin rashes\?</th><td><span class=\"badge badge--warn\">Not answered",
        html,
    )
    assert re.search(
        row.format(re.escape("Do you have diabetes? If so, is it well controlled?"), "No diabetes"),
        html,
    )


def test_viewing_a_result_is_audited(web, reception, client_record):
    screening = take(client_record, reception)
    web(reception).get(f"/screenings/{screening.pk}/")
    event = AuditEvent.objects.get(object_type="screening", action="read")
    assert event.object_id == str(screening.pk)
    assert event.actor == reception.user
    assert event.client_id == client_record.pk
    assert event.channel == "web"


def test_another_clinics_screening_is_not_found(web, reception, other_manager, client_record):
    screening = take(client_record, reception, anticoagulant_use=True)
    browser = web(other_manager)
    assert browser.get(f"/screenings/{screening.pk}/").status_code == 404
    assert browser.post(f"/screenings/{screening.pk}/review/", {"note": "x"}).status_code == 404
    assert not AuditEvent.objects.filter(
        object_type="screening", action="read", outcome="allowed"
    ).exists()
    denied = AuditEvent.objects.filter(outcome="denied", actor=other_manager.user)
    assert sorted(denied.values_list("action", flat=True)) == ["create", "read"]


# --- practitioner review --------------------------------------------------------------


def test_practitioner_reviews_a_caution_result(web, reception, practitioner, client_record):
    screening = take(client_record, reception, anticoagulant_use=True)
    browser = web(practitioner)
    page = browser.get(f"/screenings/{screening.pk}/").content.decode()
    assert screening.outcome == "caution"
    assert f'action="/screenings/{screening.pk}/review/"' in page

    response = browser.post(
        f"/screenings/{screening.pk}/review/", {"note": "Spoke to GP; treat gently."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/screenings/{screening.pk}/"
    review = ScreeningReview.objects.get(screening=screening)
    assert review.reviewed_by == practitioner.user
    assert review.note == "Spoke to GP; treat gently."

    after = browser.get(f"/screenings/{screening.pk}/").content.decode()
    assert "Review recorded." in after
    assert "Spoke to GP; treat gently." in after
    assert practitioner.user.full_name in after
    assert "20 November 2026, 10:00" in after  # when, in the clinic's time (GMT in November)
    assert 'action="/screenings/' not in after  # reviewed once only


def test_a_review_needs_a_note(web, reception, practitioner, client_record):
    screening = take(client_record, reception, anticoagulant_use=True)
    response = web(practitioner).post(f"/screenings/{screening.pk}/review/", {"note": "  "})
    assert response.status_code == 400
    assert "Write what you reviewed." in response.content.decode()
    assert not ScreeningReview.objects.exists()


def test_reception_sees_no_review_form_and_cannot_post_one(web, reception, manager, client_record):
    screening = take(client_record, reception, anticoagulant_use=True)
    browser = web(reception)
    page = browser.get(f"/screenings/{screening.pk}/").content.decode()
    assert "Awaiting a practitioner's review." in page
    assert "/review/" not in page
    assert browser.post(f"/screenings/{screening.pk}/review/", {"note": "ok"}).status_code == 403
    assert (
        web(manager).post(f"/screenings/{screening.pk}/review/", {"note": "ok"}).status_code == 403
    )
    assert not ScreeningReview.objects.exists()


def test_only_a_caution_result_is_reviewed(web, reception, practitioner, client_record):
    screening = take(client_record, reception)  # clear
    browser = web(practitioner)
    assert "/review/" not in browser.get(f"/screenings/{screening.pk}/").content.decode()
    response = browser.post(f"/screenings/{screening.pk}/review/", {"note": "fine"})
    assert response.status_code == 409
    assert not ScreeningReview.objects.exists()


# --- the client page ------------------------------------------------------------------


def client_page(web, persona, client_record) -> str:
    response = web(persona).get(f"/clients/{client_record.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_client_page_badge_when_never_screened(web, reception, client_record):
    html = client_page(web, reception, client_record)
    assert badge(html) == ("none", "Not screened")
    assert f'href="/clients/{client_record.pk}/screenings/new/"' in html
    assert "Screen client" in html


@pytest.mark.parametrize(
    ("overrides", "kind", "label", "css"),
    [
        ({}, "clear", r"Screening clear", "badge--ok"),
        (
            {"anticoagulant_use": True},
            "caution_pending",
            r"Caution\W+awaiting review",
            "badge--warn",
        ),
        (
            {"isotretinoin_last_dose": "2026-09-20"},
            "defer",
            r"Deferred until 20 Mar 2027",
            "badge--warn",
        ),
        ({"metal_allergy": True}, "contraindicated", r"Contraindicated", "badge--danger"),
    ],
)
def test_client_page_badge_shows_the_latest_screening(
    web, reception, client_record, overrides, kind, label, css
):
    take(client_record, reception, **overrides)
    html = client_page(web, reception, client_record)
    shown_kind, shown_label = badge(html)
    assert shown_kind == kind
    assert re.fullmatch(label, shown_label)
    assert re.search(rf'class="badge badge--status {css}" data-screening-status="{kind}"', html)


def test_client_page_badge_after_a_practitioners_review(
    web, reception, practitioner, client_record
):
    screening = take(client_record, reception, anticoagulant_use=True)
    services.screening_review(
        screening=screening, actor=practitioner.user, role="practitioner", note="ok"
    )
    kind, label = badge(client_page(web, reception, client_record))
    assert kind == "caution_reviewed"
    assert re.fullmatch(r"Caution\W+reviewed", label)


def test_client_page_badge_expires_after_30_days(web, reception, client_record):
    take(client_record, reception)
    with time_machine.travel("2026-12-21 10:00:00+00:00", tick=False):  # 31 days later
        kind, label = badge(client_page(web, reception, client_record))
    assert kind == "expired"
    assert label == "Screening expired 19 Dec 2026"


def test_client_page_lists_past_screenings_newest_first(web, reception, client_record):
    first = take(client_record, reception, metal_allergy=True)
    with time_machine.travel("2026-11-21 09:00:00+00:00", tick=False):
        second = take(client_record, reception, planned="2026-11-30")
    html = client_page(web, reception, client_record)
    section = html[html.index('id="screenings-title"') :]
    assert section.index(f'href="/screenings/{second.pk}/"') < section.index(
        f'href="/screenings/{first.pk}/"'
    )
    assert "30 Nov 2026" in section
    assert '<span class="badge badge--danger">Contraindicated</span>' in section
    assert '<span class="badge badge--ok">Clear</span>' in section


def test_client_page_queries_do_not_grow_with_screenings(
    web, reception, practitioner, client_record
):
    browser = web(reception)
    screening = take(client_record, reception, anticoagulant_use=True)
    services.screening_review(
        screening=screening, actor=practitioner.user, role="practitioner", note="ok"
    )
    browser.get(f"/clients/{client_record.pk}/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        browser.get(f"/clients/{client_record.pk}/")
    for _ in range(5):
        reviewed = take(client_record, reception, anticoagulant_use=True)
        services.screening_review(
            screening=reviewed, actor=practitioner.user, role="practitioner", note="ok"
        )
    with CaptureQueriesContext(connection) as six:
        html = browser.get(f"/clients/{client_record.pk}/").content.decode()
    assert html.count("Reviewed by") == 6
    assert len(six) == len(one)


def test_client_page_shows_ten_screenings_a_page_newest_first(web, reception, client_record):
    taken = [take(client_record, reception) for _ in range(11)]
    browser = web(reception)

    first = browser.get(f"/clients/{client_record.pk}/").content.decode()
    section = first[first.index('id="screenings-title"') :]
    shown = [int(pk) for pk in re.findall(r'href="/screenings/(\d+)/"', section)]
    assert shown == [s.pk for s in reversed(taken)][:10]
    assert "1–10 of 11 screenings" in section
    assert 'href="?screenings=2#screenings-title" rel="next"' in section

    second = browser.get(f"/clients/{client_record.pk}/?screenings=2").content.decode()
    section = second[second.index('id="screenings-title"') :]
    assert re.findall(r'href="/screenings/(\d+)/"', section) == [str(taken[0].pk)]
    assert 'href="?screenings=1#screenings-title" rel="prev"' in section
    # A page number that is not one shows the first page, never an error.
    assert browser.get(f"/clients/{client_record.pk}/?screenings=x").status_code == 200


# --- rule sets --------------------------------------------------------------------------


def publish_data(page: str, **changes: str) -> dict[str, str]:
    """Every field of the publish form as the page renders it, then ``changes``."""
    data: dict[str, str] = {}
    for name, value in re.findall(
        r'<input type="(?:number|hidden|text)" name="([^"]+)" value="([^"]*)"', page
    ):
        data[name] = unescape(value)
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        data[name] = re.search(r'<option value="([^"]+)" selected>', body).group(1)
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', page, re.S):
        data[name] = unescape(body)
    data.pop("csrfmiddlewaretoken", None)
    data.update(changes)
    return data


def test_every_role_reads_the_rules_in_words(web, reception, client_record):
    html = web(reception).get("/screening/rules/").content.decode()
    assert "Current rules: version 1" in html
    assert "isotretinoin_last_dose within 6 months" in html
    assert "cancer_treatment_ended 12 months or more ago" in html
    assert "skin_condition_history = yes and skin_condition_active_in_area = no" in html
    assert "age under 18 on the planned date" in html
    assert "Fitzpatrick skin type IV, V or VI" in html
    assert "isotretinoin prescribing information (6 months)" in html  # citations in full
    assert "/screening/rules/publish/" not in html  # reception cannot publish


@pytest.mark.parametrize(
    ("persona", "offered"), [("reception", False), ("practitioner", False), ("manager", True)]
)
def test_only_those_who_publish_are_offered_a_new_version(request, persona, offered, web):
    html = web(request.getfixturevalue(persona)).get("/screening/rules/").content.decode()
    assert ('href="/screening/rules/publish/"' in html) is offered


@pytest.mark.parametrize(
    ("persona", "offered"), [("reception", False), ("practitioner", True), ("manager", False)]
)
def test_only_a_practitioner_is_offered_the_review_form(
    request, persona, offered, web, reception, client_record
):
    screening = take(client_record, reception, anticoagulant_use=True)
    page = web(request.getfixturevalue(persona)).get(f"/screenings/{screening.pk}/")
    html = page.content.decode()
    assert (f'action="/screenings/{screening.pk}/review/"' in html) is offered
    assert ("Awaiting a practitioner's review." in html) is not offered


def test_manager_publishes_isotretinoin_three_months_and_old_screenings_keep_version_1(
    web, reception, manager, client_record
):
    old = take(client_record, reception, isotretinoin_last_dose="2026-07-01")
    assert old.outcome == "defer"
    browser = web(manager)
    page = browser.get("/screening/rules/publish/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="ISO_RECENT-period-amount"' in html
    assert 'name="SKIN_CONDITION_HISTORY-severity"' in html

    response = browser.post(
        "/screening/rules/publish/",
        publish_data(
            html,
            **{"ISO_RECENT-period-amount": "3", "note": "Isotretinoin: 3 months (Dr Shah)"},
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/screening/rules/"
    new = RuleSet.objects.get(clinic=client_record.clinic, version=2)
    iso = next(r for r in new.data["rules"] if r["code"] == "ISO_RECENT")
    assert iso["condition"] == {
        "type": "date_within",
        "question": "isotretinoin_last_dose",
        "months": 3,
    }
    assert new.note == "Isotretinoin: 3 months (Dr Shah)"
    assert new.published_by == manager.user
    # Only that number changed.
    assert [r for r in new.data["rules"] if r["code"] != "ISO_RECENT"] == [
        r for r in DEFAULT_RULE_SET["rules"] if r["code"] != "ISO_RECENT"
    ]
    assert RuleSet.objects.get(clinic=client_record.clinic, version=1).data == DEFAULT_RULE_SET

    listing = browser.get("/screening/rules/").content.decode()
    assert "Version 2 published." in listing
    assert "isotretinoin_last_dose within 3 months" in listing

    # The old screening still reads as it was taken, with version 1.
    old_page = browser.get(f"/screenings/{old.pk}/").content.decode()
    assert "Version 1" in old_page
    assert "Outcome: Defer until 1 January 2027" in old_page
    # The same answers today, under version 2, are clear.
    new_screening = take(client_record, reception, isotretinoin_last_dose="2026-07-01")
    assert new_screening.rule_set.version == 2
    assert new_screening.outcome == "clear"

    # Version 1 stays readable, read-only.
    v1 = browser.get("/screening/rules/1/").content.decode()
    assert "isotretinoin_last_dose within 6 months" in v1
    assert "<form" not in v1.split('<main id="main"')[1]


def test_a_period_nested_in_an_all_condition_is_editable(web, manager, client_record):
    data = copy.deepcopy(DEFAULT_RULE_SET)
    data["rules"].append(
        {
            "code": "TOXIN_WITH_FILLER",
            "title": "Toxin and filler together",
            "severity": "defer",
            "condition": {
                "type": "all",
                "conditions": [
                    {"type": "date_within", "question": "botulinum_toxin_last", "days": 14},
                    {"type": "date_within", "question": "dermal_filler_last", "days": 28},
                ],
            },
            "explanation": "Both recently; eligible from {eligible_from}.",
            "sources": ["C9"],
        }
    )
    services.rule_set_publish(
        clinic=manager.clinic, actor=manager.user, data=data, note="Combined rule"
    )
    browser = web(manager)
    form_page = browser.get("/screening/rules/publish/").content.decode()
    assert 'name="TOXIN_WITH_FILLER-period-0-amount" value="14"' in form_page
    assert 'name="TOXIN_WITH_FILLER-period-1-amount" value="28"' in form_page
    response = browser.post(
        "/screening/rules/publish/",
        publish_data(
            form_page,
            **{
                "TOXIN_WITH_FILLER-period-1-amount": "2",
                "TOXIN_WITH_FILLER-period-1-unit": "months",
                "note": "Filler: 2 months",
            },
        ),
    )
    assert response.status_code == 302
    published = RuleSet.objects.get(clinic=manager.clinic, version=3)
    rule = next(r for r in published.data["rules"] if r["code"] == "TOXIN_WITH_FILLER")
    assert rule["condition"]["conditions"] == [
        {"type": "date_within", "question": "botulinum_toxin_last", "days": 14},
        {"type": "date_within", "question": "dermal_filler_last", "months": 2},
    ]


def test_only_managers_may_publish(web, reception, practitioner):
    for persona in (reception, practitioner):
        browser = web(persona)
        assert browser.get("/screening/rules/publish/").status_code == 403
        response = browser.post("/screening/rules/publish/", {"note": "x", "base_version": "1"})
        assert response.status_code == 403
    assert RuleSet.objects.filter(version__gt=1).count() == 0


def test_an_invalid_period_is_shown_at_its_rule_and_nothing_is_published(
    web, manager, client_record
):
    browser = web(manager)
    form_page = browser.get("/screening/rules/publish/").content.decode()
    response = browser.post(
        "/screening/rules/publish/",
        publish_data(form_page, **{"ISO_RECENT-period-amount": "0", "note": "Try zero"}),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "nothing was published" in page
    row = page[page.index('id="rule-ISO_RECENT"') : page.index('id="rule-BLEEDING_DISORDER"')]
    assert '<tr id="rule-ISO_RECENT" class="publish-table__row--error">' in page
    assert "The period must be a positive whole number of months." in row
    assert 'aria-invalid="true"' in row
    assert RuleSet.objects.filter(clinic=manager.clinic).count() == 1


def test_publishing_needs_a_note_and_a_change(web, manager, client_record):
    browser = web(manager)
    form_page = browser.get("/screening/rules/publish/").content.decode()
    no_note = browser.post(
        "/screening/rules/publish/",
        publish_data(form_page, **{"ISO_RECENT-period-amount": "3"}),
    )
    assert no_note.status_code == 400
    assert "Say what changed." in no_note.content.decode()
    unchanged = browser.post("/screening/rules/publish/", publish_data(form_page, note="No change"))
    assert unchanged.status_code == 409
    assert "Nothing changed" in unchanged.content.decode()
    assert RuleSet.objects.filter(clinic=manager.clinic).count() == 1


def test_an_unknown_or_other_clinics_version_is_not_found(web, reception, other_manager):
    services.rule_set_publish(
        clinic=other_manager.clinic,
        actor=other_manager.user,
        data=rule_set_with_isotretinoin_months(3),
        note="Theirs",
    )
    browser = web(reception)
    assert browser.get("/screening/rules/1/").status_code == 200  # our own version 1
    assert browser.get("/screening/rules/2/").status_code == 404  # theirs only
