"""The benchmark runner: PostgreSQL only, a database of its own, never the app's Redis db."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import run

ROOT = Path(__file__).resolve().parent.parent


def test_it_refuses_sqlite_and_says_why():
    env = {**os.environ, "DATABASE_URL": "sqlite:///var/db.sqlite3"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "PostgreSQL only" in result.stderr
    assert "BENCH" not in result.stdout


def test_its_database_lives_on_the_configured_server():
    url = run.bench_database_url("postgres://ci:pw@db.example:5433/needlework?x=1", "nb_1")
    assert url == "postgres://ci:pw@db.example:5433/nb_1"
    assert run.bench_database_url(run.DEFAULT_SERVER, "nb_2").endswith("127.0.0.1:5432/nb_2")


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "redis://127.0.0.1:6379/14"),
        ({"REDIS_URL": "redis://cache.example:6380/0"}, "redis://cache.example:6380/14"),
        (
            {"REDIS_URL": "redis://cache.example/0", "BENCH_REDIS_URL": "redis://other/3"},
            "redis://other/3",
        ),
    ],
)
def test_it_flushes_database_14_of_the_redis_server_never_the_apps(
    monkeypatch, environment, expected
):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("BENCH_REDIS_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert run.bench_redis_url() == expected


def test_every_database_benchmark_is_named_for_its_progress_line():
    from bench import db

    assert db.NAMES == (
        "api_list_vs_bare",
        "queries_200_vs_10",
        "availability_1m_vs_10k",
        "booking_1m_vs_10k",
        "search_100k_vs_2k",
        "exclusion_insert_vs_none",
    )


@pytest.mark.parametrize(
    ("only", "module", "name"),
    [
        ("queries_200_vs_10", "bench.db", "queries_200_vs_10"),
        ("sweep_vs_raw", "bench.sweep", "sweep_vs_raw"),
        ("sweep_burst_20k", "bench.sweep", "sweep_burst_20k"),
        ("pdf_rss_500_vs_20", "bench.pdf", "pdf_rss_500_vs_20"),
        ("sweep", "bench.sweep", None),
    ],
)
def test_only_runs_the_one_module_that_has_the_benchmark(only, module, name):
    # A name from one module must not start the others (the sweep's burst alone is
    # minutes long).
    chosen = [(m.__name__, n) for m, n in run._selected(only)]
    assert chosen == [(module, name)]


def test_every_benchmark_of_the_issue_has_a_module():
    from bench import db, pdf, sweep

    assert sweep.NAMES == ("sweep_vs_raw", "sweep_2_vs_1", "sweep_burst_20k")
    assert pdf.NAMES == ("pdf_warm_vs_cold", "pdf_rss_500_vs_20")
    assert len({*db.NAMES, *sweep.NAMES, *pdf.NAMES}) == 11
