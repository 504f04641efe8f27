"""Every write endpoint of the API, walked with bad input (decision 0009).

The endpoints come from the published OpenAPI schema, so a new one is walked without
anyone adding it here. Each gets a plausible body built from its request schema, then
one variant per field: a NUL character, an oversized value, NaN and infinities, a
number too large for the database; the plausible body twice (duplicates); and, for a
PATCH, another object's values (a name or serial already used). No answer may be a
5xx; a refused request changes nothing; no request loses a row already saved.

Run on PostgreSQL as well as SQLite: NUL characters fail only on PostgreSQL. The demo's
two clinics are the data; the walk acts as Harbour's manager (a practitioner where only
a practitioner may act).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client as DjangoClient
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken

from clinic.booking.models import Appointment, Device, Practitioner, Room
from clinic.messaging.models import OutgoingMessage
from clinic.models import Client, Clinic, Membership, User
from treatments.consent.models import Consent
from treatments.plans.models import TreatmentPlan
from treatments.records.models import SessionPhoto, TreatmentSession
from treatments.screening.models import Screening
from waitlist.models import WaitlistEntry

# About six minutes in one process: with the whole-process tests, out of the quick run.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

WRITE_METHODS = ("post", "put", "patch", "delete")

#: The model behind each resource segment of a path (``/api/<segment>/{id}/...``) and
#: behind each id field of a body. An endpoint naming a resource missing here fails the
#: walk (add it), so nothing is skipped silently.
RESOURCES: dict[str, type] = {
    "appointments": Appointment,
    "clients": Client,
    "devices": Device,
    "practitioners": Practitioner,
    "reminders": OutgoingMessage,
    "rooms": Room,
    "screenings": Screening,
    "sessions": TreatmentSession,
    "staff": Membership,
    "treatment-plans": TreatmentPlan,
    "consents": Consent,
    "photos": SessionPhoto,
    "waitlist": WaitlistEntry,
}
ID_FIELDS: dict[str, type] = {
    "client": Client,
    "practitioner": Practitioner,
    "room": Room,
    "device": Device,
    "treatment_plan": TreatmentPlan,
    "plan": TreatmentPlan,
    "membership": Membership,
    "appointment": Appointment,
    "screening": Screening,
    "session": TreatmentSession,
}

#: Rows that a refused request may still write: the audit trail of the attempt, sign-in
#: bookkeeping and the tokens this test makes.
UNWATCHED = {
    "common.auditevent",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "knox.authtoken",
    "sessions.session",
    "admin.logentry",
}

#: The product's own tables (not Django's or the libraries'), minus those above.
WATCHED = [
    model
    for model in apps.get_models()
    if model._meta.app_label in ("clinic", "treatments", "aftercare", "common", "waitlist")
    and model._meta.label_lower not in UNWATCHED
    and not model._meta.proxy
]
FIELDS = {model: [f.attname for f in model._meta.concrete_fields] for model in WATCHED}

NUMBER_VARIANTS = ["NaN", "sNaN", "Infinity", "-Infinity", "1e999", 2**80]


def _schema() -> dict[str, Any]:
    """The schema as published (no database needed: read once, at collection)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def write_operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = _schema()
    return [
        (method, path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
    ]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return {
            **_resolve(schema, node["allOf"][0]),
            **{k: v for k, v in node.items() if k != "allOf"},
        }
    return node


def _clinic_lookup(model: type) -> str:
    """How a model's rows are filtered by clinic (``clinic``, or through its session)."""
    names = {f.name for f in model._meta.get_fields()}
    if "clinic" in names:
        return "clinic"
    for name in ("session", "appointment", "client", "practitioner"):
        if name in names:
            return f"{name}__clinic"
    raise AssertionError(f"Say how {model.__name__} belongs to a clinic")


class World:
    """The demo's two clinics; we act as Harbour's manager."""

    def __init__(self) -> None:
        call_command("seed_demo", verbosity=0)
        self.user = User.objects.get(email="manager@harbour.example")
        self.clinic = Membership.objects.get(user=self.user).clinic
        self.schema = _schema()
        # A weekday next week, when the demo's practitioners work and nothing is booked.
        today = timezone.localdate()
        self.day = today + timedelta(days=7 - today.weekday() + 1)

    def act_as(self, email: str) -> None:
        self.user = User.objects.get(email=email)

    def client(self) -> DjangoClient:
        """A client with a fresh token (the walk includes logging out)."""
        _, token = AuthToken.objects.create(user=self.user)
        client = DjangoClient(HTTP_AUTHORIZATION=f"Token {token}")
        client.raise_request_exception = False
        return client

    def ids(self, model: type) -> list[int]:
        return list(
            model._default_manager.filter(**{_clinic_lookup(model): self.clinic})
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def path(self, template: str) -> str:
        parts = template.strip("/").split("/")
        out = []
        for index, part in enumerate(parts):
            if part.startswith("{"):
                if part == "{token}":
                    out.append("not-a-valid-token")
                    continue
                if part == "{clinic_slug}":  # the public booking page (decision 0021)
                    out.append(getattr(self.clinic, "slug", "") or "no-such-clinic")
                    continue
                segment = parts[index - 1]
                model = RESOURCES.get(segment) or ID_FIELDS.get(
                    part.strip("{}").removesuffix("_id")
                )
                assert model is not None, f"Add the resource of {template} to RESOURCES"
                ids = self.ids(model) or [1]  # none in the demo: walked as a missing one
                out.append(str(ids[-1]))  # the newest: the demo's open course, not history
            else:
                out.append(part)
        return "/" + "/".join(out) + "/"

    def sample(self, node: dict[str, Any], name: str = "") -> Any:
        node = _resolve(self.schema, node)
        if "enum" in node:
            return next(v for v in node["enum"] if v is not None)
        if "example" in node:
            return node["example"]
        kind = node.get("type")
        if kind == "object":
            props = node.get("properties", {})
            return {k: self.sample(v, k) for k, v in props.items() if not v.get("readOnly")}
        if kind == "array":
            return [self.sample(node.get("items", {}), name)]
        if kind == "integer":
            model = ID_FIELDS.get(name)
            if model is not None:
                ids = self.ids(model)
                return ids[0] if ids else 1
            return max(node.get("minimum", 1), 1)
        if kind == "number":
            return node.get("minimum", 1)
        if kind == "boolean":
            return True
        fmt = node.get("format")
        later = name in ("end", "date_to") or name.endswith(("ended_at", "removed_at"))
        return {
            "date": (self.day + timedelta(days=1 if later else 0)).isoformat(),
            "date-time": f"{self.day.isoformat()}T{'11' if later else '10'}:00:00Z",
            "email": "someone@example.com",
            "uri": "https://example.com/",
            "binary": "",
        }.get(fmt, "walk")

    def plausible(self, path: str, body_schema: dict[str, Any]) -> Any:
        """A body the endpoint may accept: what the API answers for the newest object
        there (its collection's first entry, or the object itself), else a sample."""
        body = self.sample(body_schema)
        response = self.client().get(path)
        if response.status_code != 200 or not isinstance(body, dict):
            return body
        data = response.json()
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"][0] if data["results"] else {}
        if isinstance(data, list):
            data = data[0] if data else {}
        if isinstance(data, dict):
            props = body_schema.get("properties", {})
            body.update({k: v for k, v in data.items() if k in props and v is not None})
        return body

    def body_schema(self, operation: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        content = operation.get("requestBody", {}).get("content", {})
        for media in ("application/json", "multipart/form-data"):
            if media in content:
                return media, _resolve(self.schema, content[media]["schema"])
        return None, None

    def snapshot(self) -> dict[str, tuple[frozenset[Any], str]]:
        """Every watched table: its primary keys and a fingerprint of its rows' values."""
        out = {}
        for model in WATCHED:
            digest = hashlib.sha256()
            keys = []
            for row in model._default_manager.order_by("pk").values_list("pk", *FIELDS[model]):
                keys.append(row[0])
                digest.update(repr([_plain(v) for v in row]).encode())
            out[model._meta.label_lower] = (frozenset(keys), digest.hexdigest())
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview | bytes | bytearray):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def _leaf_variants(
    value: Any, node: dict[str, Any], world: World, path: tuple = ()
) -> Iterator[tuple[tuple, Any, str]]:
    """(path to a leaf, bad value, what it tries) for every leaf of a sample body."""
    node = _resolve(world.schema, node)
    kind = node.get("type")
    if kind == "object" and isinstance(value, dict):
        props = node.get("properties", {})
        for key, item in value.items():
            yield from _leaf_variants(item, props.get(key, {}), world, (*path, key))
        return
    if kind == "array" and isinstance(value, list) and value:
        yield from _leaf_variants(value[0], node.get("items", {}), world, (*path, 0))
        yield (path, [value[0]] * 500, "a long list")
        return
    yield (path, "x\x00y", "a NUL character")
    yield (path, "x" * 100_000, "an oversized value")
    if kind in ("number", "integer") or node.get("format") in ("decimal", "double", "float"):
        for number in NUMBER_VARIANTS:
            yield (path, number, f"the number {number!r}")


def _replace(body: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = list(body) if isinstance(body, list) else dict(body)
    copy[head] = _replace(body[head], tuple(rest), value)
    return copy


def _operation_id(op: tuple[str, str, dict[str, Any]]) -> str:
    return f"{op[0].upper()} {op[1]}"


@pytest.fixture
def world() -> World:
    return World()


def _send(client: DjangoClient, method: str, path: str, media: str | None, body: Any):
    if media == "multipart/form-data":
        flat = {k: (v if isinstance(v, str) else str(v)) for k, v in (body or {}).items()}
        return getattr(client, method)(path, flat)
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, content_type="application/json")


OPERATIONS = write_operations()


def test_the_walk_finds_the_write_endpoints():
    found = {f"{method.upper()} {path}" for method, path, _ in OPERATIONS}
    assert {"POST /api/clients/", "PATCH /api/rooms/{id}/", "POST /api/sessions/"} <= found


@pytest.mark.parametrize("operation", OPERATIONS, ids=_operation_id)
def test_every_write_endpoint_survives_bad_input(world, operation):
    method, template, spec = operation
    path = world.path(template)
    media, body_schema = world.body_schema(spec)
    base = world.plausible(path, body_schema) if body_schema else None

    attempts: list[tuple[str, Any]] = [
        ("the plausible body", base),
        ("the plausible body again", base),
    ]
    if body_schema is not None:
        attempts += [
            (f"{what} at {'.'.join(map(str, p)) or 'the body'}", _replace(base, p, v))
            for p, v, what in _leaf_variants(base, body_schema, world)
        ]
    if method == "patch":
        attempts += [("another object's values", _sibling_values(world, template, body_schema))]

    # A manager may do most things; what only a practitioner may do, a practitioner walks.
    for email in ("manager@harbour.example", "practitioner@harbour.example"):
        world.act_as(email)
        if world.client().options(path).status_code != 403:
            break

    failures = []
    after = world.snapshot()
    for what, body in attempts:
        before = after
        response = _send(world.client(), method, path, media, body)
        after = world.snapshot()
        said = f"{method.upper()} {path} with {what}"
        if response.status_code >= 500:
            failures.append(f"{said}: {response.status_code}")
        elif response.status_code == 401:
            failures.append(f"{said}: 401; the walk must be signed in")
        elif response.status_code >= 400 and after != before:
            changed = sorted(k for k in after if after[k] != before[k])
            failures.append(f"{said}: refused but changed {changed}")
        # Accepted: a PATCH may replace rows (a practitioner's working hours), never shrink a
        # table. (Refused: nothing changed at all, checked above.)
        lost = {k: len(before[k][0]) - len(after[k][0]) for k in before}
        lost = {k: n for k, n in lost.items() if n > 0}
        if lost and method != "delete":
            failures.append(f"{said}: lost rows {lost}")
    assert not failures, "\n".join(failures)


def _sibling_values(world: World, template: str, body_schema: dict[str, Any] | None) -> Any:
    """The writable values of another object of the same kind (to collide with it)."""
    segment = template.strip("/").split("/")[1]
    if body_schema is None:
        return None
    if segment == "clinic":  # the acting clinic's own settings: collide with another clinic
        other_clinic = Clinic.objects.exclude(pk=world.clinic.pk).order_by("pk").first()
        if other_clinic is None:
            return world.sample(body_schema)
        other: Any = other_clinic
    else:
        model = RESOURCES[segment]
        ids = world.ids(model)
        if len(ids) < 2:
            return world.sample(body_schema)
        other = model._default_manager.get(pk=ids[1])
    names = [k for k, v in body_schema.get("properties", {}).items() if not v.get("readOnly")]
    values = {}
    for name in names:
        value = getattr(other, name, None)
        if isinstance(value, str | int | bool):
            values[name] = value
    return values


def read_operations() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, operations["get"])
        for path, operations in _schema()["paths"].items()
        if "get" in operations and not path.startswith(("/api/schema", "/api/docs"))
    ]


@pytest.mark.parametrize("operation", read_operations(), ids=lambda op: f"GET {op[0]}")
def test_every_query_parameter_survives_bad_input(world, operation):
    """Searches and filters: NUL, NaN, infinities and oversized values are a 4xx."""
    template, spec = operation
    path = world.path(template)
    names = [p["name"] for p in spec.get("parameters", []) if p.get("in") == "query"]
    failures = []
    for name in [*names, "q", "search"]:
        for value in ["x\x00y", "x" * 10_000, *map(str, NUMBER_VARIANTS)]:
            response = world.client().get(path, {name: value})
            if response.status_code >= 500:
                failures.append(f"GET {path}?{name}={value[:20]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


# --- Another clinic's id answers exactly as an id that does not exist ------------------


def _other_and_missing(world: World, model: type) -> tuple[int, int] | None:
    """An id of the other demo clinic's object, and an id no object has."""
    other = (
        model._default_manager.exclude(**{_clinic_lookup(model): world.clinic})
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if other is None:
        return None
    top = model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    return other, top + 1000


def _answer(response, used: int) -> tuple[int, str]:
    return response.status_code, response.content.decode().replace(str(used), "<id>")


@pytest.mark.parametrize("operation", OPERATIONS, ids=_operation_id)
def test_another_clinics_id_answers_like_a_missing_one(world, operation):
    """In the path and in every id field of the body (a plan on an appointment, …)."""
    method, template, spec = operation
    media, body_schema = world.body_schema(spec)
    path = world.path(template)
    base = world.plausible(path, body_schema) if body_schema else None
    checked, failures = [], []

    def compare(what: str, model: type, send) -> None:
        pair = _other_and_missing(world, model)
        if pair is None:
            return
        other, missing = pair
        theirs, nobodys = _answer(send(other), other), _answer(send(missing), missing)
        checked.append(what)
        if theirs != nobodys:
            failures.append(f"{method.upper()} {template}, {what}: {theirs} vs missing {nobodys}")
        if theirs[0] < 400:
            failures.append(f"{method.upper()} {template}, {what}: another clinic's id accepted")

    parts = template.strip("/").split("/")
    for index, part in enumerate(parts):
        if part.startswith("{") and part not in ("{token}", "{clinic_slug}"):
            model = (
                RESOURCES.get(parts[index - 1]) or ID_FIELDS[part.strip("{}").removesuffix("_id")]
            )

            def send_path(value: int, index: int = index) -> Any:
                own = world.path(template).strip("/").split("/")
                own[index] = str(value)
                return _send(world.client(), method, "/" + "/".join(own) + "/", media, base)

            compare(f"the path's {part}", model, send_path)
    for name, model in ID_FIELDS.items():
        if isinstance(base, dict) and name in base:
            compare(
                f"the body's {name}",
                model,
                lambda value, name=name: _send(
                    world.client(), method, path, media, {**base, name: value}
                ),
            )
    assert not failures, "\n".join(failures)
