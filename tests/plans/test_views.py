"""Staff pages for plans and protocols: they render, refuse politely, and stay in the clinic."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from common.models import AuditEvent
from tests.factories import plan_for
from treatments.plans.models import ProtocolSet, TreatmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False) as traveller:
        yield traveller


def form_data(**overrides):
    return {
        "indication": "fine_lines_wrinkles",
        "areas": ["forehead", "cheeks_chin"],
        "planned_sessions": "4",
        "interval_days": "28",
        "notes": "",
        **overrides,
    }


def test_new_plan_form_is_prefilled_from_the_clients_concern(web, practitioner, client_record):
    client_record.skin_concerns = ["hyperpigmentation_melasma"]
    client_record.fitzpatrick_type = 5
    client_record.save()
    response = web(practitioner).get(reverse("plan-new", args=[client_record.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    form = response.context["form"]
    assert form.initial["indication"] == "hyperpigmentation_melasma"
    assert form.initial["interval_days"] == 14
    assert form.initial["areas"] == ["cheekbones", "cheeks_chin", "forehead", "upper_lip"]
    assert "post-inflammatory hyperpigmentation" in page  # the PIH note where it is decided
    assert "up to 0.5 mm" in page  # a depth limit next to an area
    assert "At least 14 days" in page


def test_indication_switch_shows_that_protocol(web, practitioner, client_record):
    response = web(practitioner).get(
        reverse("plan-new", args=[client_record.pk]) + "?indication=hair_loss"
    )
    assert response.status_code == 200
    assert response.context["form"].initial["planned_sessions"] == 12
    # An unknown indication falls back to the client's concern, not a 500.
    fallback = web(practitioner).get(
        reverse("plan-new", args=[client_record.pk]) + "?indication=<script>"
    )
    assert fallback.status_code == 200
    assert fallback.context["form"].initial["indication"] == "fine_lines_wrinkles"


def test_saving_a_plan_redirects_to_it(web, practitioner, client_record):
    response = web(practitioner).post(reverse("plan-new", args=[client_record.pk]), form_data())
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plan-detail", args=[plan.pk])
    assert plan.areas == ["forehead", "cheeks_chin"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"interval_days": "14"}, "interval_days", "At least 28 days"),
        ({"interval_days": "abc"}, "interval_days", "Enter a whole number"),
        ({"areas": []}, "areas", "Choose at least one area"),
        ({"areas": ["elbow"]}, "areas", "valid choice"),
        ({"planned_sessions": "99"}, "planned_sessions", "less than or equal to 24"),
    ],
)
def test_form_errors_are_shown_not_500(web, practitioner, client_record, overrides, field, message):
    response = web(practitioner).post(
        reverse("plan-new", args=[client_record.pk]), form_data(**overrides)
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert not TreatmentPlan.objects.exists()


def test_a_tampered_indication_is_a_form_error(web, practitioner, client_record):
    response = web(practitioner).post(
        reverse("plan-new", args=[client_record.pk]), form_data(indication="tattoos")
    )
    assert response.status_code == 400
    assert "Not an indication" in response.content.decode()


def test_reception_cannot_plan(web, reception, client_record):
    response = web(reception).get(reverse("plan-new", args=[client_record.pk]))
    assert response.status_code == 403
    response = web(reception).post(reverse("plan-new", args=[client_record.pk]), form_data())
    assert response.status_code == 403


def test_plan_detail_shows_progress_limits_and_a_booking_link(web, reception, client_record):
    plan = plan_for(client_record, areas=["forehead"])
    response = web(reception).get(reverse("plan-detail", args=[plan.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Session 1 of 4" in page
    assert "Forehead" in page and "0.75 mm" in page
    assert f"{reverse('appointment-new')}?client={client_record.pk}&amp;kind=treatment" in page
    assert AuditEvent.objects.filter(
        object_type="treatment_plan", action="read", object_id=str(plan.pk)
    ).exists()


@pytest.mark.parametrize(
    ("persona", "may_plan"), [("reception", False), ("practitioner", True), ("manager", True)]
)
def test_only_practitioners_and_managers_are_offered_to_change_a_plan(
    web, request, client_record, persona, may_plan
):
    plan = plan_for(client_record)
    who = web(request.getfixturevalue(persona))
    page = who.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert (reverse("plan-edit", args=[plan.pk]) in page) is may_plan
    assert who.get(reverse("plan-edit", args=[plan.pk])).status_code == (200 if may_plan else 403)


def test_other_clinics_plan_and_client_are_404(web, other_manager, client_record):
    plan = plan_for(client_record)
    who = web(other_manager)
    assert who.get(reverse("plan-detail", args=[plan.pk])).status_code == 404
    assert who.get(reverse("plan-edit", args=[plan.pk])).status_code == 404
    assert who.get(reverse("plan-new", args=[client_record.pk])).status_code == 404


def test_edit_plan_saves_and_refuses_bad_intervals(web, practitioner, client_record):
    plan = plan_for(client_record)
    url = reverse("plan-edit", args=[plan.pk])
    assert web(practitioner).get(url).status_code == 200
    data = {
        "areas": ["forehead"],
        "planned_sessions": "3",
        "interval_days": "10",
        "status": "active",
        "notes": "",
    }
    refused = web(practitioner).post(url, data)
    assert refused.status_code == 400
    assert "At least 28 days" in refused.content.decode()
    saved = web(practitioner).post(url, {**data, "interval_days": "30", "status": "completed"})
    assert saved.status_code == 302
    plan.refresh_from_db()
    assert (plan.interval_days, plan.status, plan.areas) == (30, "completed", ["forehead"])


def test_client_page_lists_plans_with_progress(web, practitioner, client_record):
    plan_for(client_record, indication="acne_scars", pih_risk=True)
    response = web(practitioner).get(reverse("client-detail", args=[client_record.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Treatment plans" in page
    assert "Acne scars" in page
    assert "Session 1 of 3" in page
    assert "PIH risk" in page
    assert reverse("plan-new", args=[client_record.pk]) in page


def test_client_page_hides_the_plan_button_from_reception(web, reception, client_record):
    page = web(reception).get(reverse("client-detail", args=[client_record.pk])).content.decode()
    assert "No treatment plans yet." in page
    assert reverse("plan-new", args=[client_record.pk]) not in page


# --- protocols -------------------------------------------------------------------------


def test_protocol_pages_render(web, reception):
    who = web(reception)
    listing = who.get(reverse("protocol-list"))
    assert listing.status_code == 200
    assert "Cheeks and chin" in listing.content.decode()
    assert who.get(reverse("protocol-detail", args=[1])).status_code == 200
    assert who.get(reverse("protocol-detail", args=[7])).status_code == 404
    assert who.get(reverse("protocol-publish")).status_code == 403


@pytest.mark.parametrize(
    ("persona", "may_publish"), [("reception", False), ("practitioner", False), ("manager", True)]
)
def test_only_managers_are_offered_to_publish_protocols(web, request, persona, may_publish):
    who = web(request.getfixturevalue(persona))
    page = who.get(reverse("protocol-list")).content.decode()
    assert (reverse("protocol-publish") in page) is may_publish
    assert who.get(reverse("protocol-publish")).status_code == (200 if may_publish else 403)


def test_manager_publishes_from_the_row_form(web, manager, clinic):
    who = web(manager)
    page = who.get(reverse("protocol-publish"))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["ind-acne_scars-sessions_max"] = "5"
    data["note"] = "Acne scars: at most 5 sessions"
    response = who.post(reverse("protocol-publish"), data)
    assert response.status_code == 302, response.context["form"].errors
    v2 = ProtocolSet.objects.get(clinic=clinic, version=2)
    assert v2.data["indications"]["acne_scars"]["sessions_max"] == 5
    # Nothing else changed: untouched values keep their text.
    v1 = ProtocolSet.objects.get(clinic=clinic, version=1)
    assert v2.data["areas"] == v1.data["areas"]
    assert "sessions_min" not in v2.data["indications"]["fine_lines_wrinkles"]


def test_publish_form_errors_are_shown_not_500(web, manager):
    who = web(manager)
    form = who.get(reverse("protocol-publish")).context["form"]
    data = {k: ("" if v is None else v) for k, v in ((n, form[n].value()) for n in form.fields)}
    data["ind-acne_scars-depth_min_mm"] = "1.9"
    data["ind-acne_scars-depth_max_mm"] = "1.5"
    data["area-nose-thin_max_mm"] = "abc"
    data["note"] = "broken"
    response = who.post(reverse("protocol-publish"), data)
    assert response.status_code == 400
    # The browser-side number problem first; the service's ordering check after fixing it.
    data["area-nose-thin_max_mm"] = "0.25"
    response = who.post(reverse("protocol-publish"), data)
    assert response.status_code == 400
    assert "The minimum depth is above the maximum." in response.content.decode()
