"""Run the benchmarks against a fresh PostgreSQL database, then drop it.

    make bench              # the full suite (docs/performance.md)
    make bench-quick        # smaller data, same code paths (CI)
    .venv/bin/python -m bench.run --only availability_1m_vs_10k

The database is ``needlework_bench_<pid>`` on the server of ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/``); it is created here and dropped at the end, also
on an error or Ctrl-C. ``DATABASE_URL`` is pointed at it before Django starts, so any
process a benchmark starts (a Celery worker) uses it too. Redis is database 14 of the
``REDIS_URL`` server (``BENCH_REDIS_URL`` names another), flushed at the start and end.

Each module in ``MODULES`` has ``benchmarks(quick: bool) -> Iterator[Result]``. A module
may list its benchmark names in ``NAMES`` (the progress lines show them) and accept an
``only`` keyword (``--only <benchmark>`` then builds only what that one needs).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import signal
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from bench.result import Result

MODULES = ("bench.db", "bench.sweep", "bench.pdf")
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def bench_redis_url() -> str:
    """Database 14 of the configured Redis server, never the database the app uses."""
    explicit = os.environ.get("BENCH_REDIS_URL")
    if explicit:
        return explicit
    configured = os.environ.get("REDIS_URL")
    if not configured:
        return DEFAULT_REDIS
    return urlunsplit(urlsplit(configured)._replace(path="/14", query=""))


def bench_database_url(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}", query=""))


def _admin_connection(server_url: str):  # type: ignore[no-untyped-def]
    import psycopg2

    parts = urlsplit(server_url)
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection


def _create_database(server_url: str, name: str) -> None:
    connection = _admin_connection(server_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def _drop_database(server_url: str, name: str) -> None:
    connection = _admin_connection(server_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def _flush_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as exc:
        progress(f"Redis at {url} not flushed ({exc})")


def _selected(only: str | None) -> list[tuple[ModuleType, str | None]]:
    """The modules to run, each with the one benchmark to run in it (None: all)."""
    chosen: list[tuple[ModuleType, str | None]] = []
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            progress(f"{module_name} is not there; skipped")
            continue
        names = tuple(getattr(module, "NAMES", ()))
        if only is None or only in (module_name, module_name.removeprefix("bench.")):
            chosen.append((module, None))
        elif only in names or not names:
            chosen.append((module, only))
    return chosen


def _results(module: ModuleType, quick: bool, only: str | None) -> Iterator[Result]:
    benchmarks = module.benchmarks
    accepts_only = "only" in inspect.signature(benchmarks).parameters
    if only is not None and accepts_only:
        results = benchmarks(quick, only=only)
    else:
        results = benchmarks(quick)
    names = [n for n in getattr(module, "NAMES", ()) if only is None or n == only]
    index = 0
    while True:
        upcoming = names[index] if index < len(names) else f"{module.__name__} (next)"
        progress(f"{upcoming} ...")
        started = time.monotonic()
        try:
            result = next(results)
        except StopIteration:
            return
        index += 1
        if only is not None and result.name != only:
            continue
        progress(f"{result.name} took {time.monotonic() - started:.0f} s")
        yield result


def run(*, quick: bool, only: str | None) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    progress("migrating the benchmark database ...")
    call_command("migrate", verbosity=0, interactive=False)

    results: list[Result] = []
    raised = False
    for module, name in _selected(only):
        try:
            for result in _results(module, quick, name):
                print(result.line(), flush=True)
                results.append(result)
        except Exception as exc:
            raised = True
            progress(f"{module.__name__} raised {type(exc).__name__}: {exc}")
            import traceback

            traceback.print_exc()
    if only is not None and not results and not raised:
        progress(f"no benchmark or module is named {only!r}")
    ok = sum(r.ok for r in results)
    print(f"BENCH summary: {ok} of {len(results)} ok", flush=True)
    if raised or not results:
        return 1
    if quick:
        # Small data on a busy CI machine: the ratios are reported, not enforced.
        return 0
    return 0 if ok == len(results) else 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller data sets (CI)")
    parser.add_argument("--only", metavar="NAME", help="one module (db, sweep, pdf) or benchmark")
    args = parser.parse_args(argv)

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    if urlsplit(server_url).scheme not in POSTGRES_SCHEMES:
        progress(
            "the benchmarks measure PostgreSQL only; set DATABASE_URL=postgres://… "
            "(a server the benchmark may create a database on)"
        )
        return 2
    name = f"needlework_bench_{os.getpid()}"
    redis_url = bench_redis_url()
    os.environ["DATABASE_URL"] = bench_database_url(server_url, name)
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")

    # A ``kill`` (SIGTERM) stops the run as Ctrl-C does: the Celery workers the sweep
    # module started are stopped and the database is dropped.
    signal.signal(signal.SIGTERM, _interrupt)
    progress(f"creating database {name}; Redis {redis_url}")
    _create_database(server_url, name)
    _flush_redis(redis_url)
    started = time.monotonic()
    try:
        return run(quick=args.quick, only=args.only)
    except KeyboardInterrupt:
        progress("interrupted")
        return 130
    finally:
        from django.db import connections

        connections.close_all()
        _drop_database(server_url, name)
        _flush_redis(redis_url)
        progress(f"dropped {name} after {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
