"""The aftercare sweep: against a hand-written sender, with one and two workers, a burst.

- ``sweep_vs_raw``: the product's sweep and send path, run in this process, against raw
  SQL plus ``smtplib`` sending the same due messages (same bodies, the same cached PDF
  attached, one UPDATE per sent row, one SMTP connection) to a local SMTP sink.
  The ratio is the sweep's throughput over the raw sender's (target >= 0.5).
- ``sweep_2_vs_1``: real Celery workers (Redis broker) started as processes; beat is
  played by this process publishing the sweep task on the beat schedule's interval.
  Two workers' throughput over one worker's (target >= 1.5).
- ``sweep_burst_20k``: seconds until 20,000 due messages have gone out through two
  workers (target <= 600); the quick run sends fewer.

The messages are aftercare e-mails of every kind (the next-session invitation, whose
send-time check reads the most, included), for signed sessions whose PDFs were
rendered ahead, as the ``pdf`` queue leaves them.
"""

from __future__ import annotations

import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from bench.result import Result, fmt_seconds
from bench.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "bench-sweep"
NAMES = ("sweep_vs_raw", "sweep_2_vs_1", "sweep_burst_20k")
# sweep_vs_raw's first round warms both senders up (templates, fonts, connections); it
# is not timed, so it need not be as long as a timed one.
WARMUP_MESSAGES = 50
# One pool process per worker, on every queue, as deployed but for the concurrency.
WORKER_COMMAND = [
    sys.executable, "-m", "celery", "-A", "config", "worker",
    "-Q", "default,email,pdf", "--concurrency=1", "-P", "prefork", "--loglevel=WARNING",
    "--without-gossip", "--without-mingle", "--without-heartbeat",
]  # fmt: skip


@dataclass
class SweepData:
    clinic_id: int
    schedule_ids: list[int]
    entries: list[tuple[str, str]]  # (kind, entry code): one entry of every kind
    body: tuple[str, str, str]  # subject, text, html of one real e-mail (the raw sender's)


# --- data ------------------------------------------------------------------------------------


def _build(sessions: int) -> SweepData:
    """A clinic with ``sessions`` signed sessions, their schedules and their PDFs."""
    from aftercare.models import AftercareSchedule
    from aftercare.pdf import aftercare_pdf
    from bench.fixtures import signed_sessions
    from clinic.messaging.kinds import get as kind_get
    from clinic.messaging.models import OutgoingMessage

    built = signed_sessions("sweep", sessions)
    clinic, schedule_ids = built.clinic, built.schedule_ids
    for schedule_id in schedule_ids:
        aftercare_pdf(schedule_id=schedule_id)  # rendered ahead, as the pdf queue does

    first = AftercareSchedule.objects.get(pk=schedule_ids[0])
    entries: dict[str, str] = {}
    for entry in first.entries():
        entries.setdefault(entry.item.kind, entry.code)
    pairs = sorted(entries.items())
    # One real e-mail, rendered by the product: the raw sender sends the same bodies.
    message = OutgoingMessage(
        clinic=clinic,
        client=first.client,
        kind="aftercare_day3",
        context={"schedule_id": first.pk, "entry": entries["aftercare_day3"]},
    )
    content = kind_get("aftercare_day3").render(message)
    return SweepData(clinic.pk, schedule_ids, pairs, (content.subject, content.text, content.html))


def _insert_due(data: SweepData, count: int, tag: str) -> None:
    """``count`` pending aftercare messages due a minute ago, spread over sessions and kinds."""
    from django.db import connection

    kinds = [kind for kind, _ in data.entries]
    codes = [code for _, code in data.entries]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO aftercare_outgoingmessage
                (created_at, updated_at, clinic_id, client_id, kind, channel, dedupe_key,
                 due_at, status, context, appointment_id, session_id, attempts,
                 smtp_message_id, last_error, cancelled_reason)
            SELECT now(), now(), s.clinic_id, s.client_id, e.kind, 'email',
                   %(prefix)s || g, now() - interval '1 minute', 'pending',
                   jsonb_build_object('schedule_id', s.id, 'session_id', s.session_id,
                                      'entry', e.code),
                   ts.appointment_id, s.session_id, 0, '', '', ''
            FROM generate_series(0, %(count)s - 1) AS g
            JOIN unnest(%(schedules)s::bigint[]) WITH ORDINALITY AS sid(id, i)
                ON sid.i = 1 + g %% %(nschedules)s
            JOIN aftercare_aftercareschedule s ON s.id = sid.id
            JOIN treatments_treatmentsession ts ON ts.id = s.session_id
            JOIN unnest(%(kinds)s::text[], %(codes)s::text[]) WITH ORDINALITY AS e(kind, code, j)
                ON e.j = 1 + (g / %(nschedules)s) %% %(nkinds)s
            """,
            {
                "prefix": f"{PREFIX}:{tag}:",
                "count": count,
                "schedules": data.schedule_ids,
                "nschedules": len(data.schedule_ids),
                "kinds": kinds,
                "codes": codes,
                "nkinds": len(kinds),
            },
        )


def _clear(data: SweepData) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM aftercare_messageattempt WHERE message_id IN "
            "(SELECT id FROM aftercare_outgoingmessage WHERE clinic_id = %s)",
            [data.clinic_id],
        )
        cursor.execute(
            "DELETE FROM aftercare_outgoingmessage WHERE clinic_id = %s",
            [data.clinic_id],
        )


def _statuses(data: SweepData) -> dict[str, int]:
    from django.db.models import Count

    from clinic.messaging.models import OutgoingMessage

    rows = (
        OutgoingMessage.objects.filter(clinic_id=data.clinic_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def _check_all_sent(data: SweepData, count: int, what: str) -> None:
    statuses = _statuses(data)
    if statuses != {"sent": count}:
        raise RuntimeError(f"{what}: expected {count} sent, found {statuses}")


# --- the raw sender ----------------------------------------------------------------------------


def _raw_send(data: SweepData, port: int) -> int:
    """What a hand-written script would do: one query, one connection, one UPDATE per send."""
    from django.conf import settings
    from django.db import connection

    subject, text, html = data.body
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.id, m.dedupe_key, c.email, s.pdf_file
            FROM aftercare_outgoingmessage m
            JOIN clinic_client c ON c.id = m.client_id
            JOIN aftercare_aftercareschedule s ON s.id = (m.context->>'schedule_id')::bigint
            WHERE m.clinic_id = %s AND m.status = 'pending' AND m.due_at <= now()
            ORDER BY m.due_at, m.id
            """,
            [data.clinic_id],
        )
        rows = cursor.fetchall()
        media = Path(settings.MEDIA_ROOT)
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
            for message_id, key, to, pdf_file in rows:
                email = EmailMessage()
                email["Subject"] = subject
                email["From"] = settings.DEFAULT_FROM_EMAIL
                email["To"] = to
                email["Message-ID"] = f"<{key}@sweep.bench.invalid>"
                email.set_content(text)
                email.add_alternative(html, subtype="html")
                email.add_attachment(
                    (media / pdf_file).read_bytes(),
                    maintype="application",
                    subtype="pdf",
                    filename="aftercare.pdf",
                )
                smtp.send_message(email)
                cursor.execute(
                    "UPDATE aftercare_outgoingmessage "
                    "SET status = 'sent', sent_at = now(), attempts = attempts + 1 WHERE id = %s",
                    [message_id],
                )
    return len(rows)


# --- the product's sweep, in this process -------------------------------------------------------


def _sweep_in_process(data: SweepData) -> int:
    """Beat's sweep task, its send tasks run inline, until nothing of the clinic is due."""
    from clinic.messaging import tasks
    from clinic.messaging.models import OutgoingMessage

    def due() -> bool:
        return OutgoingMessage.objects.filter(
            clinic_id=data.clinic_id, status="pending", due_at__lte=_now()
        ).exists()

    rounds = 0
    while due():
        tasks.sweep_due_messages.apply()
        rounds += 1
        if rounds > 1000:
            raise RuntimeError("The sweep stopped making progress.")
    return rounds


def _now():
    from django.utils import timezone

    return timezone.now()


def sweep_vs_raw(data: SweepData, sink: SmtpSink, count: int, repeats: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.celery_app import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    sweep_times: list[float] = []
    raw_times: list[float] = []
    queries: list[int] = []
    try:
        for round_ in range(repeats + 1):  # the first round, smaller, warms up both
            size = count if round_ else WARMUP_MESSAGES
            _clear(data)
            _insert_due(data, size, f"sweep{round_}")
            before = sink.counts()[0]
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                _sweep_in_process(data)
            elapsed = time.perf_counter() - started
            _check_all_sent(data, size, "sweep_vs_raw (sweep)")
            if sink.counts()[0] - before != size:
                raise RuntimeError("sweep_vs_raw: the sink did not receive every message")
            if round_:
                sweep_times.append(elapsed)
                queries.append(len(captured.captured_queries))

            _clear(data)
            _insert_due(data, size, f"raw{round_}")
            started = time.perf_counter()
            sent = _raw_send(data, sink.port)
            elapsed = time.perf_counter() - started
            if sent != size:
                raise RuntimeError(f"sweep_vs_raw: the raw sender sent {sent} of {size}")
            if round_:
                raw_times.append(elapsed)
    finally:
        app.conf.task_always_eager = was_eager
        _clear(data)
    sweep, raw = statistics.median(sweep_times), statistics.median(raw_times)
    per_send = statistics.median(queries) / count
    return Result(
        name="sweep_vs_raw",
        value=(count / sweep) / (count / raw),
        op=">=",
        target=0.5,
        detail=(
            f"{count} messages; raw: {fmt_seconds(raw)} ({count / raw:.0f}/s), "
            f"sweep: {fmt_seconds(sweep)} ({count / sweep:.0f}/s, "
            f"{per_send:.1f} queries per send), median of {repeats}"
        ),
    )


# --- real workers ---------------------------------------------------------------------------------


@contextmanager
def _workers(n: int, env: dict[str, str], logdir: Path) -> Iterator[list[str]]:
    """``n`` Celery worker processes (one pool process each) on every queue."""
    from config.celery_app import app

    processes: list[subprocess.Popen[bytes]] = []
    names = [f"bench-sweep-{i}-{os.getpid()}@localhost" for i in range(n)]
    try:
        for name in names:
            log = (logdir / f"{name}.log").open("ab")
            processes.append(
                subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
                    [*WORKER_COMMAND, "-n", name],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while True:
            replies = app.control.ping(destination=names, timeout=0.5)
            if len(replies) == n:
                break
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError(f"Celery workers did not start; see {logdir}")
        yield names
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def _through_workers(data: SweepData, count: int, budget: float) -> tuple[float, int]:
    """Seconds until ``count`` due messages are sent, beat played by this process.

    Gives up after ``budget`` seconds; returns (elapsed, how many were sent).
    """
    from django.conf import settings

    from clinic.messaging import tasks

    interval = float(settings.CELERY_BEAT_SCHEDULE["sweep-due-messages"]["schedule"])
    started = time.perf_counter()
    next_beat = started
    while True:
        now = time.perf_counter()
        if now >= next_beat:
            tasks.sweep_due_messages.apply_async(expires=interval - 5)
            next_beat += interval
        if not _unfinished(data) or now - started > budget:
            break
        # The poll shares the two cores with the workers: two index probes, at most 1 %
        # of the time so far apart (at least 20 ms, at most a quarter of a second).
        # Counting every status ten times a second took a share of the 20,000-message
        # burst's CPU.
        time.sleep(min(0.25, max(0.02, (now - started) / 100)))
    elapsed = time.perf_counter() - started
    return elapsed, _statuses(data).get("sent", 0)


def _unfinished(data: SweepData) -> bool:
    """Any message still pending or sending: two probes of the partial indexes."""
    from clinic.messaging.models import OutgoingMessage

    mine = OutgoingMessage.objects.filter(clinic_id=data.clinic_id)
    return mine.filter(status="pending").exists() or mine.filter(status="sending").exists()


def _worker_env(sink: SmtpSink) -> dict[str, str]:
    """The workers' environment: this process's settings, mail to the sink."""
    backend = "django.core.mail.backends.smtp.EmailBackend"
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_EMAIL_BACKEND": backend,
        "TEST_EMAIL_BACKEND": backend,  # config.settings.test reads this one
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "EMAIL_USE_TLS": "false",
    }


def _remove_pdfs(data: SweepData) -> None:
    """The PDFs this module rendered (MEDIA_ROOT is shared with the workers)."""
    from django.conf import settings
    from django.core.files.storage import default_storage

    from aftercare.models import AftercareSchedule

    names = AftercareSchedule.objects.filter(pk__in=data.schedule_ids).values_list(
        "pdf_file", flat=True
    )
    for name in names:
        if name:
            default_storage.delete(name)
    with suppress(OSError):  # the clinic's folder, if nothing else is in it
        (Path(settings.MEDIA_ROOT) / "aftercare" / str(data.clinic_id)).rmdir()


def sweep_2_vs_1(
    data: SweepData, sink: SmtpSink, env: dict[str, str], logdir: Path, count: int, repeats: int
) -> Result:
    times: dict[int, list[float]] = {1: [], 2: []}
    for round_ in range(repeats):
        for n in (1, 2):
            _clear(data)
            _insert_due(data, count, f"w{n}r{round_}")
            with _workers(n, env, logdir):
                elapsed, sent = _through_workers(data, count, budget=900)
            if sent != count:
                raise RuntimeError(f"sweep_2_vs_1: {n} worker(s) sent {sent} of {count}")
            _check_all_sent(data, count, f"sweep_2_vs_1 ({n} workers)")
            times[n].append(elapsed)
    _clear(data)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    return Result(
        name="sweep_2_vs_1",
        value=one / two,
        op=">=",
        target=1.5,
        detail=(
            f"{count} messages; 1 worker: {fmt_seconds(one)} ({count / one:.0f}/s), "
            f"2 workers: {fmt_seconds(two)} ({count / two:.0f}/s), median of {repeats}"
        ),
    )


def sweep_burst(
    data: SweepData, sink: SmtpSink, env: dict[str, str], logdir: Path, count: int
) -> Result:
    target = 600.0
    _clear(data)
    _insert_due(data, count, "burst")
    received_before, duplicates_before = sink.counts()
    with _workers(2, env, logdir):
        elapsed, sent = _through_workers(data, count, budget=target * 1.5)
    received, duplicates = sink.counts()
    received -= received_before
    duplicates -= duplicates_before
    if sent == count:
        _check_all_sent(data, count, "sweep_burst")
        value = elapsed
        how = f"{count} sent in {fmt_seconds(elapsed)} ({count / elapsed:.0f}/s)"
    else:  # stopped at the budget: what the rate so far would take
        value = elapsed * count / max(sent, 1)
        how = f"stopped after {fmt_seconds(elapsed)} with {sent} of {count} sent, extrapolated"
    _clear(data)
    if received != sent or duplicates:
        raise RuntimeError(
            f"sweep_burst: the sink received {received} ({duplicates} repeated) for {sent} sent"
        )
    return Result(
        name="sweep_burst_20k",
        value=value,
        op="<=",
        target=target * count / 20_000,
        detail=f"{how}, 2 workers, 1 SMTP sink",
        metric="seconds",
    )


# --- the module's entry point ------------------------------------------------------------------


def benchmarks(quick: bool, only: str | None = None) -> Iterator[Result]:
    from django.test.utils import override_settings

    from config.celery_app import app

    def wanted(name: str) -> bool:
        return only is None or only == name

    sessions = 4 if quick else 12
    raw_count, raw_repeats = (150, 2) if quick else (400, 3)
    workers_count, workers_repeats = (300, 1) if quick else (1000, 2)
    burst = 1_000 if quick else 20_000

    with (
        tempfile.TemporaryDirectory(prefix="bench-sweep-") as logdir,
        SmtpSink() as sink,
        override_settings(
            DEBUG=False,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink.port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
        ),
    ):
        was_eager = app.conf.task_always_eager
        app.conf.task_always_eager = True  # building data enqueues nothing for real
        try:
            data = _build(sessions)
        finally:
            app.conf.task_always_eager = was_eager
        try:
            if wanted("sweep_vs_raw"):
                yield sweep_vs_raw(data, sink, raw_count, raw_repeats)
            env = _worker_env(sink)
            app.conf.task_always_eager = False
            if wanted("sweep_2_vs_1"):
                yield sweep_2_vs_1(data, sink, env, Path(logdir), workers_count, workers_repeats)
            if wanted("sweep_burst_20k"):
                yield sweep_burst(data, sink, env, Path(logdir), burst)
        finally:
            app.conf.task_always_eager = was_eager
            _clear(data)
            _remove_pdfs(data)
