"""Every page of the product, as every role, keeps the Content-Security-Policy (decision 0011).

The pages come from the URL conf, not from a list: a new page is visited as soon as it is
routed. Routes with arguments get the ids of a course under way (a client with a
screening, a plan, a consent, a signed session with its aftercare and today's session in
progress); a route whose arguments this walk cannot fill fails the test, so nothing is
skipped silently. The ``page`` fixture fails the test on any violation the browser
reports (``tests/e2e/conftest.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from aftercare import links as aftercare_links
from aftercare.schedules import aftercare_schedule_session
from clinic import services as clinic_services
from clinic.booking import links as booking_links
from clinic.messaging import links as messaging_links
from clinic.models import Invitation
from precare import readiness
from tests.factories import (
    PASSWORD,
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    consent_text_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from treatments.screening import intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONVERTER = re.compile(r"<(?:(?P<kind>[^>:]+):)?(?P<name>[^>]+)>")

# Not pages: the JSON API (its header is checked in tests/test_csp.py). The admin is for
# superusers: staff roles only reach its index and login page; a superuser walks its lists
# (test_the_admin_keeps_the_policy_for_a_superuser).
SKIP_PREFIXES = ("api/", "__debug__/")


def routes() -> list[str]:
    """Every route of the URL conf, as its pattern text (``clients/<int:pk>/``)."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return found


def walked(route: str) -> bool:
    if route.startswith(SKIP_PREFIXES) and route != "api/docs/":
        return False
    if route.startswith("admin/") or "^" in route or "(?P" in route:
        # The admin: index and login only (its other pages need a superuser).
        return route in ("admin/", "admin/login/")
    return True


@dataclass
class Course:
    """Values for route arguments, keyed by (the literal segment before it, its name)."""

    values: dict[tuple[str, str], object] = field(default_factory=dict)

    def path(self, route: str) -> str:
        segments = route.split("/")
        out = []
        literal = ""
        for segment in segments:
            match = CONVERTER.fullmatch(segment)
            if match is None:
                out.append(segment)
                literal = segment or literal
                continue
            key = (literal, match["name"])
            assert key in self.values, (
                f"The CSP walk cannot fill {segment} in {route!r}: add a value for {key} "
                "to the course in tests/e2e/test_csp_ui.py."
            )
            out.append(str(self.values[key]))
        return "/" + "/".join(out)


@pytest.fixture
def course(clinic, reception, practitioner, manager, client_record) -> Course:
    now = timezone.now()
    performer = practitioner_for(practitioner.membership, hours=((0, 7), "00:00", "23:59"))
    room = RoomFactory(clinic=clinic, name="Room 1")
    device = DeviceFactory(clinic=clinic, name="SkinPen")
    plan = plan_for(client_record)
    screening = screening_for(client_record, actor=practitioner.user)
    consent = consent_for(
        client_record, witnessed_by=practitioner.user, text=consent_text_for(clinic)
    )
    before = appointment_for(
        client_record,
        practitioner=performer,
        room=room,
        device=device,
        start=now - timedelta(days=28),
        treatment_plan=plan,
        status="completed",
    )
    signed = treatment_session_for(
        before, plan=plan, screening=screening, consent=consent, signed=True
    )
    schedule = aftercare_schedule_session(session=signed)
    today = appointment_for(
        client_record,
        practitioner=performer,
        room=room,
        device=device,
        start=now - timedelta(minutes=30),
        treatment_plan=plan,
        status="checked_in",
    )
    current = treatment_session_for(
        today, plan=plan, screening=screening, consent=consent, ended_at=None
    )
    tomorrow = appointment_for(
        client_record,
        practitioner=performer,
        room=room,
        device=device,
        start=now + timedelta(days=1),
        treatment_plan=plan,
        status="booked",
    )
    readiness_token = readiness.token_for(readiness.readiness_link_for(tomorrow))
    intake_link = intake.intake_link_send(client=client_record, actor=reception.user).link
    clinic.slug = "harbour"
    clinic.portal_enabled = True
    clinic.save()
    booking_token = booking_links.token_for(booking_links.link_for_appointment(tomorrow))
    from clinic.booking.portal import course_link_for
    from waitlist import links as waitlist_links
    from waitlist.services import waitlist_join

    clinic.portal_treatments = True
    clinic.save()
    entry = waitlist_join(
        clinic=clinic,
        client=client_record,
        kind="consultation",
        date_from=clinic.local_today(),
        date_to=clinic.local_today() + timedelta(days=7),
    )
    invitation = clinic_services.invitation_create(
        clinic=clinic, actor=manager.user, email="new.colleague@example.com", role="reception"
    )
    invitation = Invitation.objects.get(pk=invitation.pk)
    user = reception.user
    return Course(
        {
            ("clients", "pk"): client_record.pk,
            ("staff", "pk"): reception.membership.pk,
            ("invitations", "pk"): invitation.pk,
            ("invitations", "token"): clinic_services.invitation_token(invitation),
            ("appointments", "pk"): today.pk,
            ("rooms", "pk"): room.pk,
            ("devices", "pk"): device.pk,
            ("practitioners", "pk"): performer.pk,
            ("screenings", "pk"): screening.pk,
            ("rules", "version"): 1,
            ("plans", "pk"): plan.pk,
            ("protocols", "version"): 1,
            ("sessions", "pk"): current.pk,
            ("consents", "pk"): consent.pk,
            ("unsubscribe", "token"): messaging_links.unsubscribe_token(
                client_record.pk, "aftercare"
            ),
            ("aftercare", "token"): aftercare_links.page_token(schedule.pk),
            ("readiness", "token"): readiness_token,
            ("intake", "token"): intake.token_for(intake_link),
            ("intake-link", "link_pk"): intake_link.pk,
            ("book", "slug"): clinic.slug,
            ("manage", "token"): booking_token,
            ("waitlist", "pk"): entry.pk,
            ("waitlist", "token"): waitlist_links.token_for(entry),
            ("course", "token"): booking_links.token_for(course_link_for(plan=plan)),
            ("set-password", "uidb64"): urlsafe_base64_encode(force_bytes(user.pk)),
            ("set-password", "token"): default_token_generator.make_token(user),
        }
    )


def sign_in(page, who) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail").fill(who.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def visit_every_page(page, course: Course) -> list[str]:
    """Open every routed page that answers HTML; returns the paths opened."""
    opened: list[str] = []
    seen_final: set[str] = set()
    for route in routes():
        if not walked(route):
            continue
        path = course.path(route)
        answer = page.request.get(path, max_redirects=5)
        if answer.status == 405 or "text/html" not in answer.headers.get("content-type", ""):
            continue  # a form's POST-only address; a PDF, a CSV or JSON (/healthz/)
        assert answer.status < 500, (path, answer.status, answer.text()[:500])
        if answer.url in seen_final:
            continue  # another route that lands on a page already opened (the login page)
        seen_final.add(answer.url)
        page.goto(path, wait_until="load")
        # The page's own requests (htmx panels that load or post on arrival) finish
        # before the next probe: on SQLite the live server shares one connection.
        if page.locator('[hx-trigger*="load"]').count():
            page.wait_for_load_state("networkidle")
        opened.append(path)
    return opened


@pytest.mark.parametrize("role", ["reception", "practitioner", "manager"])
def test_every_page_keeps_the_policy_for_every_role(page, course, csp_violations, role, request):
    who = request.getfixturevalue(role)
    sign_in(page, who)
    opened = visit_every_page(page, course)
    # The walk reached the real pages, not only redirects to the sign-in page.
    session = course.values[("sessions", "pk")]
    assert "/calendar/" in opened and f"/sessions/{session}/record/" in opened
    assert len(opened) > 40, opened
    assert not csp_violations


def test_every_page_keeps_the_policy_for_visitors_who_are_not_signed_in(
    page, course, csp_violations
):
    opened = visit_every_page(page, course)
    token = course.values[("aftercare", "token")]
    assert "/login/" in opened and f"/aftercare/{token}/" in opened
    assert not csp_violations


def test_the_admin_keeps_the_policy_for_a_superuser(page, course, csp_violations):
    """The admin's pages without arguments (index, every model's list), as a superuser."""
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    page.goto("/admin/login/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    opened = []
    for route in routes():
        if not route.startswith("admin/") or "<" in route or "(?P" in route or "^" in route:
            continue
        if route == "admin/logout/":
            continue
        answer = page.request.get("/" + route)
        if answer.status == 200 and "text/html" in answer.headers.get("content-type", ""):
            page.goto("/" + route)
            opened.append(route)
    assert len(opened) > 10, opened
    assert not csp_violations


def test_the_guard_sees_a_violation(page, live_server, csp_violations):
    """The check above would notice: an inline style and an inline script are reported."""
    page.goto("/login/")
    page.evaluate(
        """() => {
        document.body.setAttribute("style", "color: red");
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
    }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injected") is None
    kinds = " ".join(csp_violations)
    assert "style-src" in kinds and "script-src" in kinds
    csp_violations.clear()  # seen: the fixture must not fail this test
