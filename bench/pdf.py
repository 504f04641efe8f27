"""Aftercare PDFs: a warm render against a cold command-line render, and memory over time.

- ``pdf_warm_vs_cold``: one aftercare PDF rendered in this (warm) process, as a worker
  renders it, against the ``weasyprint`` command rendering a trivial HTML page from a
  cold start; alternating (target <= 0.33).
- ``pdf_rss_500_vs_20``: a fresh process renders the same aftercare PDF again and again
  through the product's render path; its resident memory after 500 renders over that
  after 20 (target <= 1.25). The quick run stops at 60.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.result import Result, alternate, ratio_result

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("pdf_warm_vs_cold", "pdf_rss_500_vs_20")
TRIVIAL_HTML = "<!doctype html><html><body><h1>Hello</h1><p>A trivial page.</p></body></html>"


def _build() -> int:
    """One signed session with its aftercare schedule; the schedule's id."""
    from bench.fixtures import signed_sessions

    return signed_sessions("pdf", 1).schedule_ids[0]


def render_once(schedule_id: int) -> bytes:
    """The product's render of one aftercare PDF (no cache: the render itself)."""
    from django.template.loader import render_to_string

    from aftercare.models import AftercareSchedule
    from aftercare.pdf import TEMPLATE, pdf_context
    from common.pdf import html_to_pdf

    schedule = AftercareSchedule.objects.select_related(
        "template", "clinic", "client", "session__plan__protocol_set"
    ).get(pk=schedule_id)
    return html_to_pdf(render_to_string(TEMPLATE, pdf_context(schedule)))


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _rss_child(schedule_id: int, early: int, late: int) -> None:
    """Run in a fresh process: render ``late`` times; print the RSS after ``early`` and ``late``."""
    import django

    django.setup()
    rss: dict[str, int] = {}
    for n in range(1, late + 1):
        data = render_once(schedule_id)
        if not data.startswith(b"%PDF"):
            raise RuntimeError("not a PDF")
        if n in (early, late):
            rss[str(n)] = _rss_bytes()
    print(json.dumps(rss), flush=True)


def pdf_warm_vs_cold(schedule_id: int, repeats: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as scratch:
        page = Path(scratch) / "trivial.html"
        page.write_text(TRIVIAL_HTML)
        out = Path(scratch) / "trivial.pdf"
        command = [str(Path(sys.executable).with_name("weasyprint")), str(page), str(out)]

        def cold() -> None:
            subprocess.run(command, check=True, capture_output=True)  # noqa: S603

        def warm() -> None:
            render_once(schedule_id)

        cold_seconds, warm_seconds = alternate(cold, warm, repeats, warmup=1)
    return ratio_result(
        "pdf_warm_vs_cold", "cold CLI", cold_seconds, "warm aftercare", warm_seconds,
        "<=", 0.33, repeats,
    )  # fmt: skip


def pdf_rss(schedule_id: int, early: int, late: int) -> Result:
    completed = subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "bench.pdf", str(schedule_id), str(early), str(late)],
        cwd=ROOT,
        env=os.environ.copy(),
        check=True,
        capture_output=True,
        text=True,
    )
    rss = json.loads(completed.stdout.strip().splitlines()[-1])
    first, last = rss[str(early)], rss[str(late)]
    return Result(
        name="pdf_rss_500_vs_20",
        value=last / first,
        op="<=",
        target=1.25,
        detail=(
            f"after {early} renders: {first / 2**20:.0f} MiB, after {late}: {last / 2**20:.0f} MiB"
        ),
    )


def benchmarks(quick: bool, only: str | None = None) -> Iterator[Result]:
    from django.test.utils import override_settings

    with override_settings(DEBUG=False):
        schedule_id = _build()
        render_once(schedule_id)  # warm: templates, fonts, WeasyPrint's imports
        if only in (None, "pdf_warm_vs_cold"):
            yield pdf_warm_vs_cold(schedule_id, 3 if quick else 9)
        if only in (None, "pdf_rss_500_vs_20"):
            yield pdf_rss(schedule_id, 20, 60 if quick else 500)


if __name__ == "__main__":
    _rss_child(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
