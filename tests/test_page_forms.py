"""Every form on every staff page, sent with bad values (decision 0009).

The pages come from the URL configuration, the forms and their fields from the pages
themselves (what a browser would send), so a new page or field is walked without being
listed. Each field in turn gets a NUL character, an oversized value and, where the page
asks for a number, NaN, sNaN and infinities. No answer may be a 5xx, and no table may
shrink. The data is the demo's clinics; we act as Harbour's manager, then practitioner.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from clinic.booking.models import Appointment, Device, Practitioner, Room
from clinic.models import Client, Invitation, Membership, User
from treatments.consent.models import Consent
from treatments.plans.models import TreatmentPlan
from treatments.records.models import TreatmentSession
from treatments.screening.models import IntakeLink, Screening
from waitlist.models import WaitlistEntry

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

#: The model behind the path segment before an ``<int:pk>``.
PAGE_RESOURCES: dict[str, type] = {
    "clients": Client,
    "staff": Membership,
    "invitations": Invitation,
    "appointments": Appointment,
    "rooms": Room,
    "devices": Device,
    "practitioners": Practitioner,
    "screenings": Screening,
    "plans": TreatmentPlan,
    "sessions": TreatmentSession,
    "consents": Consent,
    "intake-link": IntakeLink,
    "waitlist": WaitlistEntry,
}
#: Forms that end the walk's own sign-in.
SKIP_ACTIONS = ("/logout/", "/clinic/switch/")
BAD_TEXT = ["x\x00y", "x" * 100_000]
BAD_NUMBERS = ["NaN", "sNaN", "Infinity", "-Infinity", "1e999"]


def page_routes() -> list[str]:
    def walk(patterns: list[Any], prefix: str = "") -> list[str]:
        out = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                out += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                out.append(prefix + str(pattern.pattern))
        return out

    return [
        route
        for route in walk(get_resolver().url_patterns)
        if not route.startswith(("api/", "admin/", "healthz/"))
        and "<str:" not in route
        and "<uidb64>" not in route
        and not route.endswith((".csv", "pdf/"))
    ]


class _Forms(HTMLParser):
    """The post forms of a page: action and fields (name, type, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": []}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file", "image"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append((a["name"], kind, a.get("value", "on"), a))
        elif tag == "textarea":
            self._form["fields"].append((a["name"], "textarea", "", a))
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"].append((a["name"], "select", "", a))
        elif tag == "option" and self._select and self._form["fields"]:
            name, kind, value, attrs_ = self._form["fields"][-1]
            if name == self._select and (not value or "selected" in a):
                self._form["fields"][-1] = (name, kind, a.get("value", ""), attrs_)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in ("clinic", "treatments", "aftercare", "waitlist")
    }


def _path(route: str, clinic: Any) -> str | None:
    parts = route.strip("/").split("/")
    out = []
    for index, part in enumerate(parts):
        if part.startswith("<int:version>"):
            out.append("1")
        elif part == "<slug:slug>":  # the clinic's public booking page (decision 0021)
            out.append(clinic.slug or "no-such-clinic")
        elif part.startswith("<int:"):
            model = PAGE_RESOURCES.get(parts[index - 1])
            if model is None:
                return None
            lookup = "clinic" if any(f.name == "clinic" for f in model._meta.get_fields()) else None
            rows = (
                model._default_manager.filter(**{lookup: clinic})
                if lookup
                else model._default_manager.none()
            )
            pk = rows.order_by("-pk").values_list("pk", flat=True).first()
            out.append(str(pk or 1))
        else:
            out.append(part)
    return "/" + "/".join(out) + ("/" if route.endswith("/") or not route else "")


@pytest.mark.parametrize("route", page_routes())
@pytest.mark.parametrize("email", ["manager@harbour.example", "practitioner@harbour.example"])
def test_every_page_form_survives_bad_values(client, route, email):
    call_command("seed_demo", verbosity=0)
    user = User.objects.get(email=email)
    clinic = Membership.objects.get(user=user).clinic
    client.raise_request_exception = False
    client.force_login(user)
    path = _path(route, clinic)
    if path is None:
        pytest.fail(f"Add the resource of {route} to PAGE_RESOURCES")
    page = client.get(path)
    assert page.status_code < 500, f"GET {path}: {page.status_code}"
    if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
        return
    parser = _Forms()
    parser.feed(page.content.decode())
    failures = []
    for form in parser.forms:
        action = form["action"] or path
        if action.startswith(SKIP_ACTIONS) or not action.startswith("/"):
            continue
        base = {name: value for name, _kind, value, _ in form["fields"]}
        for name, kind, _value, attrs in form["fields"]:
            if kind == "hidden" and name == "csrfmiddlewaretoken":
                continue
            numeric = kind == "number" or attrs.get("inputmode") in ("decimal", "numeric")
            for bad in BAD_TEXT + (BAD_NUMBERS if numeric else []):
                before = _counts()
                client.force_login(user)
                response = client.post(action, {**base, name: bad})
                said = f"POST {action} ({path}) with {name}={bad[:12]!r}"
                if response.status_code >= 500:
                    failures.append(f"{said}: {response.status_code}")
                after = _counts()
                shrunk = [k for k in before if after[k] < before[k]]
                if shrunk:
                    failures.append(f"{said}: tables lost rows: {shrunk}")
    assert not failures, "\n".join(failures)
