"""Database-side benchmarks: lists, queries per request, availability, booking, search, inserts.

Every data set is generated in the database (``INSERT … SELECT generate_series``); each
benchmark uses its own clinics, and the module truncates what it created when it is done
so that the next module starts clean. ``quick`` uses smaller data sets and fewer repeats
along the same code paths (CI).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings

from bench.result import Result, alternate, ratio_result

NAMES = (
    "api_list_vs_bare",
    "queries_200_vs_10",
    "availability_1m_vs_10k",
    "booking_1m_vs_10k",
    "search_100k_vs_2k",
    "exclusion_insert_vs_none",
)

#: Practitioners (each with a room and a device) in a clinic with a long history.
STAFF = 20
HOST = {"SERVER_NAME": "127.0.0.1"}


@dataclass(frozen=True)
class Sizes:
    big_history: int
    small_history: int
    big_clients: int
    small_clients: int
    prefill: int
    insert_batch: int
    repeats: int
    booking_repeats: int
    big_label: str
    small_label: str
    big_search_label: str
    small_search_label: str


FULL = Sizes(
    big_history=1_000_000,
    small_history=10_000,
    big_clients=100_000,
    small_clients=2_000,
    prefill=50_000,
    insert_batch=200,
    repeats=15,
    booking_repeats=25,
    big_label="1M",
    small_label="10k",
    big_search_label="100k",
    small_search_label="2k",
)
QUICK = Sizes(
    big_history=50_000,
    small_history=1_000,
    big_clients=20_000,
    small_clients=400,
    prefill=10_000,
    insert_batch=50,
    repeats=5,
    booking_repeats=8,
    big_label="50k",
    small_label="1k",
    big_search_label="20k",
    small_search_label="400",
)


def benchmarks(quick: bool, only: str | None = None) -> Iterator[Result]:
    sizes = QUICK if quick else FULL
    steps: dict[str, Callable[[Sizes], Result]] = {
        "api_list_vs_bare": api_list_vs_bare,
        "queries_200_vs_10": queries_200_vs_10,
        "availability_1m_vs_10k": availability_1m_vs_10k,
        "booking_1m_vs_10k": booking_1m_vs_10k,
        "search_100k_vs_2k": search_100k_vs_2k,
        "exclusion_insert_vs_none": exclusion_insert_vs_none,
    }
    try:
        with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["127.0.0.1"]):
            for name, step in steps.items():
                if only is None or only == name:
                    yield step(sizes)
    finally:
        _truncate()


# --- data -------------------------------------------------------------------------


def _sql(statement: str, params: dict[str, Any] | list[Any] | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@dataclass
class BenchClinic:
    clinic: Any
    user: Any
    practitioners: list[Any]
    rooms: list[Any]
    devices: list[Any]


def _clinic(label: str, *, staff: int = STAFF) -> BenchClinic:
    """A clinic (UTC) with a manager and ``staff`` practitioners, rooms and devices."""
    from clinic.booking.models import Device, Practitioner, Room, WorkingHours
    from clinic.models import Clinic, Membership, Role, User

    clinic = Clinic.objects.create(
        name=f"Bench {label}", timezone="UTC", email=f"{label}@bench.example", phone="+44 1"
    )
    user = User.objects.create_user(
        email=f"manager-{label}@bench.example", password=None, full_name=f"Manager {label}"
    )
    Membership.objects.create(user=user, clinic=clinic, role=Role.MANAGER)
    practitioners, rooms, devices = [], [], []
    for n in range(staff):
        person = User.objects.create_user(
            email=f"p{n}-{label}@bench.example", password=None, full_name=f"Practitioner {n}"
        )
        membership = Membership.objects.create(user=person, clinic=clinic, role=Role.PRACTITIONER)
        practitioner = Practitioner.objects.create(
            clinic=clinic, membership=membership, display_name=f"Practitioner {n} {label}"
        )
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, weekday=d, start=clock(0), end=clock(23, 59))
            for d in range(7)
        )
        practitioners.append(practitioner)
        rooms.append(Room.objects.create(clinic=clinic, name=f"Room {n}"))
        devices.append(
            Device.objects.create(
                clinic=clinic, name=f"Pen {n}", serial_number=f"{label}-{n}", cleanup_minutes=15
            )
        )
    return BenchClinic(clinic, user, practitioners, rooms, devices)


TRIGRAM_INDEXES = [f"client_{c}_trgm" for c in ("first_name", "last_name", "email", "phone")]


def _trigram_pending_list(on: bool) -> None:
    """A bulk load goes faster through the indexes' pending list; the product runs with
    it off (migration 0009), so it is flushed and switched off again afterwards."""
    for index in TRIGRAM_INDEXES:
        _sql(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = {'on' if on else 'off'})")
    if not on:
        _sql("VACUUM ANALYZE clinic_client")


def _clients(clinic_id: int, count: int, *, name: str = "") -> None:
    """``count`` clients with letters-only random names (and ``name`` thrice, if given)."""
    _trigram_pending_list(True)
    _sql(
        """
        INSERT INTO clinic_client (created_at, updated_at, clinic_id, first_name, last_name,
            date_of_birth, email, phone, fitzpatrick_type, skin_concerns, timezone,
            email_consent, notes)
        SELECT now(), now(), %(clinic)s,
            initcap(translate(substr(md5(g::text || 'f'), 1, 7), '0123456789', 'ghijklmnor')),
            initcap(translate(substr(md5(g::text || 'l'), 1, 9), '0123456789', 'ghijklmnor')),
            date '1970-01-01' + (g %% 15000),
            translate(substr(md5(g::text || 'e'), 1, 10), '0123456789', 'ghijklmnor')
                || '@mail.example',
            '+44 7700 ' || lpad((g %% 1000000)::text, 6, '0'),
            1 + g %% 6, '["acne_scarring"]'::jsonb, '', true, ''
        FROM generate_series(1, %(count)s) AS g
        """,
        {"clinic": clinic_id, "count": count},
    )
    if name:
        first, last = name.split()
        _sql(
            """
            INSERT INTO clinic_client (created_at, updated_at, clinic_id, first_name, last_name,
                date_of_birth, email, phone, fitzpatrick_type, skin_concerns, timezone,
                email_consent, notes)
            SELECT now(), now(), %(clinic)s, %(first)s, %(last)s, date '1985-03-01' + g,
                lower(%(first)s) || g || '@mail.example', '+44 7700 90012' || g, 2,
                '[]'::jsonb, '', true, ''
            FROM generate_series(1, 3) AS g
            """,
            {"clinic": clinic_id, "first": first, "last": last},
        )
    _trigram_pending_list(False)


def _history(bench: BenchClinic, count: int, *, before: datetime) -> None:
    """``count`` past appointments, ``STAFF`` at a time, hour after hour back from ``before``.

    Practitioner, room and device n work together, so no two rows overlap; one in ten
    is cancelled, the rest completed. A large history is loaded by ``LOADERS``
    connections at once, each a disjoint range of hours: every row's cost is its three
    exclusion constraints' GiST probes and inserts (CPU), which two cores share out.
    """
    staff = len(bench.practitioners)
    hours = -(-count // staff)
    loaders = LOADERS if count >= 100_000 else 1
    per_loader = -(-hours // loaders) * staff  # whole hours each: the ranges never meet
    ranges = [(first, min(first + per_loader, count)) for first in range(0, count, per_loader)]
    if len(ranges) == 1:
        _history_rows(bench, *ranges[0], before=before)
    else:
        with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
            for done in [
                pool.submit(_in_own_connection, _history_rows, bench, first, last, before=before)
                for first, last in ranges
            ]:
                done.result()
    _sql("VACUUM ANALYZE clinic_appointment")


#: Connections loading a large history at once (the machine's two cores).
LOADERS = 2


def _in_own_connection(work: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """``work`` in this thread's own database connection, closed afterwards."""
    try:
        work(*args, **kwargs)
    finally:
        connection.close()


def _history_rows(bench: BenchClinic, first: int, last: int, *, before: datetime) -> None:
    """Rows ``first`` to ``last - 1`` of :func:`_history`."""
    staff = len(bench.practitioners)
    # The rows refer to the clinic's own clients, practitioners, rooms and devices: skip
    # the foreign-key triggers while loading (the exclusion constraints still apply).
    _sql("SET session_replication_role = replica")
    _sql(
        """
        WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM clinic_client
                   WHERE clinic_id = %(clinic)s)
        INSERT INTO clinic_appointment (created_at, updated_at, clinic_id, client_id,
            practitioner_id, room_id, device_id, start, "end", device_free_at, kind, status,
            notes, cancel_reason, uid, sequence, source)
        SELECT now(), now(), %(clinic)s,
            c.ids[1 + g %% array_length(c.ids, 1)],
            (%(practitioners)s::bigint[])[1 + g %% %(staff)s],
            (%(rooms)s::bigint[])[1 + g %% %(staff)s],
            (%(devices)s::bigint[])[1 + g %% %(staff)s],
            %(before)s - (1 + g / %(staff)s) * interval '1 hour',
            %(before)s - (1 + g / %(staff)s) * interval '1 hour' + interval '45 minutes',
            %(before)s - (1 + g / %(staff)s) * interval '1 hour' + interval '60 minutes',
            'treatment', CASE WHEN g %% 10 = 0 THEN 'cancelled' ELSE 'completed' END,
            '', '', gen_random_uuid(), 0, 'staff'
        FROM generate_series(%(first)s, %(last)s - 1) AS g, c
        """,
        {
            "clinic": bench.clinic.pk,
            "practitioners": [p.pk for p in bench.practitioners],
            "rooms": [r.pk for r in bench.rooms],
            "devices": [d.pk for d in bench.devices],
            "staff": staff,
            "before": before,
            "first": first,
            "last": last,
        },
    )
    _sql("SET session_replication_role = DEFAULT")


def _truncate() -> None:
    """Empty every table this module filled, so the next module starts as migrated.

    Migrations seed data per clinic only, and the benchmark database had no clinic when
    it was migrated, so every application table starts empty.
    """
    from django.apps import apps

    keep = {"django_migrations", "django_content_type", "auth_permission"}
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        - keep
    )
    existing = {name for (name,) in _sql("SELECT tablename FROM pg_tables")}
    _sql("DROP TABLE IF EXISTS bench_appointment_with, bench_appointment_without")
    _sql(f"TRUNCATE {', '.join(t for t in tables if t in existing)} CASCADE")
    _HISTORY.clear()


def _http(bench: BenchClinic) -> HttpClient:
    client = HttpClient(**HOST)
    client.force_login(bench.user)
    return client


def _get(http: HttpClient, url: str) -> Any:
    response = http.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


# --- api_list_vs_bare ---------------------------------------------------------------


def api_list_vs_bare(sizes: Sizes) -> Result:
    """DRF lists (clients 50, appointments 200) vs a bare JsonResponse of the same rows."""
    bench = _clinic("api", staff=4)
    _clients(bench.clinic.pk, 300)
    day = _tomorrow()
    _day_of_appointments(bench, day, 200)
    http = _http(bench)
    worst: tuple[float, str] | None = None
    details = []
    for label, api, bare in (
        ("clients 50", "/api/clients/?page_size=50", f"/bench/bare/clients/{bench.clinic.pk}/50/"),
        (
            "appointments 200",
            f"/api/appointments/?date={day.isoformat()}&page_size=200",
            f"/bench/bare/appointments/{bench.clinic.pk}/{day.isoformat()}/200/",
        ),
    ):
        api_rows = _get(http, api).json()["results"]
        bare_rows = _get(http, bare).json()["results"]
        if len(api_rows) != len(bare_rows):
            raise RuntimeError(f"{label}: API {len(api_rows)} rows, bare {len(bare_rows)}")
        t_bare, t_api = alternate(
            lambda u=bare: _get(http, u), lambda u=api: _get(http, u), sizes.repeats * 2
        )
        ratio = t_bare / t_api
        details.append(f"{label}: bare {t_bare * 1e3:.1f} ms, DRF {t_api * 1e3:.1f} ms")
        if worst is None or ratio < worst[0]:
            worst = (ratio, label)
    assert worst is not None
    return Result(
        name="api_list_vs_bare",
        value=worst[0],
        op=">=",
        target=0.5,
        detail=f"{'; '.join(details)}; median of {sizes.repeats * 2}",
    )


def _tomorrow() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


def _day_of_appointments(bench: BenchClinic, day: date, count: int) -> None:
    """``count`` booked appointments on ``day``, spread over the clinic's practitioners."""
    staff = len(bench.practitioners)
    _sql(
        """
        WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM clinic_client
                   WHERE clinic_id = %(clinic)s)
        INSERT INTO clinic_appointment (created_at, updated_at, clinic_id, client_id,
            practitioner_id, room_id, device_id, start, "end", device_free_at, kind, status,
            notes, cancel_reason, uid, sequence, source)
        SELECT now(), now(), %(clinic)s, c.ids[1 + g %% array_length(c.ids, 1)],
            (%(practitioners)s::bigint[])[1 + g %% %(staff)s],
            (%(rooms)s::bigint[])[1 + g %% %(staff)s],
            (%(devices)s::bigint[])[1 + g %% %(staff)s],
            %(day)s::timestamptz + (g / %(staff)s) * interval '5 minutes',
            %(day)s::timestamptz + (g / %(staff)s) * interval '5 minutes' + interval '4 minutes',
            %(day)s::timestamptz + (g / %(staff)s) * interval '5 minutes' + interval '5 minutes',
            'consultation', 'booked', '', '', gen_random_uuid(), 0, 'staff'
        FROM generate_series(0, %(count)s - 1) AS g, c
        """,
        {
            "clinic": bench.clinic.pk,
            "practitioners": [p.pk for p in bench.practitioners],
            "rooms": [r.pk for r in bench.rooms],
            "devices": [d.pk for d in bench.devices],
            "staff": staff,
            "day": datetime.combine(day, clock(0), tzinfo=UTC),
            "count": count,
        },
    )


# --- queries_200_vs_10 --------------------------------------------------------------


def queries_200_vs_10(sizes: Sizes) -> Result:
    """Queries per request with 200 rows vs 10, for every list endpoint and page."""
    from bench import lists

    small, large = lists.build(10, "q10"), lists.build(200, "q200")
    worst: tuple[float, str, int, int] | None = None
    for label in lists.URLS:
        counts = []
        for data in (small, large):
            http = HttpClient(**HOST)
            http.force_login(data.user)
            url = lists.URLS[label](data)
            _get(http, url)  # caches (versions, content types) warm, as in a running server
            with CaptureQueriesContext(connection) as queries:
                _get(http, url)
            counts.append(len(queries))
        ratio = counts[1] / counts[0]
        _progress(f"{label}: {counts[0]} queries at 10 rows, {counts[1]} at 200")
        if worst is None or ratio > worst[0]:
            worst = (ratio, label, counts[0], counts[1])
    assert worst is not None
    ratio, label, at_10, at_200 = worst
    return Result(
        name="queries_200_vs_10",
        value=ratio,
        op="<=",
        target=1.0,
        detail=f"worst of {len(lists.URLS)}: {label}, {at_10} queries at 10 rows, {at_200} at 200",
    )


# --- availability_1m_vs_10k and booking_1m_vs_10k -------------------------------------

_HISTORY: dict[str, BenchClinic] = {}


def _histories(sizes: Sizes) -> tuple[BenchClinic, BenchClinic]:
    """The two clinics with a long and a short history (built once, for both benchmarks)."""
    if not _HISTORY:
        before = datetime.combine(datetime.now(UTC).date(), clock(0), tzinfo=UTC)
        for key, count in (("small", sizes.small_history), ("big", sizes.big_history)):
            bench = _clinic(f"history-{key}")
            _clients(bench.clinic.pk, 1_000)
            started = time.monotonic()
            _history(bench, count, before=before)
            _progress(f"{count:,} appointments in {time.monotonic() - started:.0f} s")
            _HISTORY[key] = bench
    return _HISTORY["small"], _HISTORY["big"]


def _progress(message: str) -> None:
    from bench.run import progress

    progress(f"  {message}")


def availability_1m_vs_10k(sizes: Sizes) -> Result:
    from clinic.booking.selectors import availability_search

    small, big = _histories(sizes)
    day = _tomorrow() + timedelta(days=40)

    def search(bench: BenchClinic) -> Callable[[], object]:
        def run() -> object:
            slots = availability_search(
                clinic=bench.clinic,
                practitioner=bench.practitioners[0],
                date_from=day,
                date_to=day,
                duration=timedelta(minutes=45),
                device=bench.devices[0],
            )
            if not slots:
                raise RuntimeError("no free slot found")
            return slots

        return run

    t_small, t_big = alternate(search(small), search(big), sizes.repeats)
    return ratio_result(
        "availability_1m_vs_10k",
        sizes.small_label,
        t_small,
        sizes.big_label,
        t_big,
        "<=",
        2.0,
        sizes.repeats,
    )


def booking_1m_vs_10k(sizes: Sizes) -> Result:
    from clinic.booking import services as booking
    from clinic.models import Client

    small, big = _histories(sizes)
    first_day = _tomorrow() + timedelta(days=1)
    counters = {"small": 0, "big": 0}

    def book(key: str, bench: BenchClinic) -> Callable[[], object]:
        client = Client.objects.filter(clinic=bench.clinic).order_by("id").first()
        practitioner = bench.practitioners[1]
        practitioner = (
            type(practitioner).objects.prefetch_related("working_hours").get(pk=practitioner.pk)
        )

        def run() -> object:
            n = counters[key]
            counters[key] += 1
            start = datetime.combine(
                first_day + timedelta(days=n // 20), clock(1 + n % 20), tzinfo=UTC
            )
            return booking.appointment_book(
                clinic=bench.clinic,
                actor=bench.user,
                request=booking.BookingRequest(
                    client=client,
                    practitioner=practitioner,
                    room=bench.rooms[1],
                    device=bench.devices[1],
                    start=start,
                    end=start + timedelta(minutes=45),
                    kind="consultation",
                ),
            )

        return run

    t_small, t_big = alternate(
        book("small", small), book("big", big), sizes.booking_repeats, warmup=2
    )
    return ratio_result(
        "booking_1m_vs_10k",
        sizes.small_label,
        t_small,
        sizes.big_label,
        t_big,
        "<=",
        2.0,
        sizes.booking_repeats,
    )


# --- search_100k_vs_2k --------------------------------------------------------------


#: The surname searched for: three clients of each clinic have it, and nobody else in the
#: table. (The demo client "Amelia Hughes", which ``queries_200_vs_10`` copies 210
#: times into other clinics, made the planner's table-wide estimate for "hughes" 200
#: rows, and in the quick run's 25,000 clients it read the large clinic in name order
#: instead of using the trigram indexes: 3.6 there, 0.98 in the full run.)
SEARCHED = ("Amelia", "Thistlewood")


def search_100k_vs_2k(sizes: Sizes) -> Result:
    """The quick search (client list page) for one surname in a large vs a small clinic."""
    small = _clinic("search-small", staff=0)
    big = _clinic("search-big", staff=0)
    _clients(small.clinic.pk, sizes.small_clients, name=" ".join(SEARCHED))
    _clients(big.clinic.pk, sizes.big_clients, name=" ".join(SEARCHED))
    http_small, http_big = _http(small), _http(big)
    url = f"/clients/?q={SEARCHED[1].lower()}"
    for http in (http_small, http_big):
        if SEARCHED[1].encode() not in _get(http, url).content:
            raise RuntimeError("the search did not find the client")
    t_small, t_big = alternate(
        lambda: _get(http_small, url), lambda: _get(http_big, url), sizes.repeats
    )
    return ratio_result(
        "search_100k_vs_2k",
        sizes.small_search_label,
        t_small,
        sizes.big_search_label,
        t_big,
        "<=",
        2.0,
        sizes.repeats,
    )


# --- exclusion_insert_vs_none -------------------------------------------------------


def exclusion_insert_vs_none(sizes: Sizes) -> Result:
    """Inserting appointments into a copy of the table with the three exclusion
    constraints vs an identical copy without them (same indexes and checks otherwise)."""
    for table in ("bench_appointment_with", "bench_appointment_without"):
        _sql(f"DROP TABLE IF EXISTS {table}")
        _sql(f"CREATE TABLE {table} (LIKE clinic_appointment INCLUDING ALL)")
    for (name,) in _sql(
        "SELECT conname FROM pg_constraint WHERE contype = 'x' "
        "AND conrelid = 'bench_appointment_without'::regclass"
    ):
        _sql(f'ALTER TABLE bench_appointment_without DROP CONSTRAINT "{name}"')
    if not _sql(
        "SELECT 1 FROM pg_constraint WHERE contype = 'x' "
        "AND conrelid = 'bench_appointment_with'::regclass"
    ):
        raise RuntimeError("the copy has no exclusion constraints")
    offset = {"bench_appointment_with": 0, "bench_appointment_without": 0}

    def insert(table: str, rows: int) -> None:
        first = offset[table]
        offset[table] += rows
        with transaction.atomic():
            _sql(
                f"""
                INSERT INTO {table} (created_at, updated_at, clinic_id, client_id,
                    practitioner_id, room_id, device_id, start, "end", device_free_at, kind,
                    status, notes, cancel_reason, uid, sequence, source)
                SELECT now(), now(), 1, 1 + g %% 1000, 1 + g %% 20, 1 + g %% 20, 1 + g %% 20,
                    timestamptz '2020-01-01' + (g / 20) * interval '1 hour',
                    timestamptz '2020-01-01' + (g / 20) * interval '1 hour'
                        + interval '45 minutes',
                    timestamptz '2020-01-01' + (g / 20) * interval '1 hour'
                        + interval '60 minutes',
                    'treatment', 'completed', '', '', gen_random_uuid(), 0, 'staff'
                FROM generate_series(%(first)s, %(last)s) AS g
                """,  # noqa: S608 - the table is one of the two copies named here
                {"first": first, "last": first + rows - 1},
            )

    def one_by_one(table: str) -> Callable[[], None]:
        # As bookings arrive: one row per statement, each in its own transaction.
        def run() -> None:
            for _ in range(sizes.insert_batch):
                insert(table, 1)

        return run

    for table in offset:
        insert(table, sizes.prefill)
        _sql(f"VACUUM ANALYZE {table}")
    # The commit's wait for the disk is the same on both sides and, on a slow disk, all
    # one would see; without it the figure is the indexes' and constraints' own cost.
    _sql("SET synchronous_commit = off")
    try:
        t_with, t_without = alternate(
            one_by_one("bench_appointment_with"),
            one_by_one("bench_appointment_without"),
            sizes.repeats,
        )
    finally:
        _sql("SET synchronous_commit = on")
    ratio = t_without / t_with
    rows = sizes.insert_batch
    return Result(
        name="exclusion_insert_vs_none",
        value=ratio,
        op=">=",
        target=0.5,
        detail=(
            f"{rows} one-row transactions onto {sizes.prefill:,} rows, no wait for the disk: "
            f"with {rows / t_with:,.0f} rows/s, without {rows / t_without:,.0f} rows/s, "
            f"median of {sizes.repeats}"
        ),
    )
