"""One benchmark's result and the line it prints.

Every benchmark measures two things in the same run, alternating between them, and
reports their ratio against a target:

    BENCH availability_1m_vs_10k ratio=1.4 target<=2.0 ok (10k: 3.1 ms, 1M: 4.3 ms, median of 15)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    op: str  # "<=" or ">="
    target: float
    detail: str
    metric: str = "ratio"

    @property
    def ok(self) -> bool:
        return self.value <= self.target if self.op == "<=" else self.value >= self.target

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAIL"
        return (
            f"BENCH {self.name} {self.metric}={self.value:.2f} "
            f"target{self.op}{self.target:g} {verdict} ({self.detail})"
        )


def fmt_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def alternate(
    a: Callable[[], object], b: Callable[[], object], repeats: int, warmup: int = 2
) -> tuple[float, float]:
    """Time `a` and `b` alternately (a, b, a, b, ...); return the median seconds of each."""
    for _ in range(warmup):
        a()
        b()
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        a()
        times_a.append(time.perf_counter() - started)
        started = time.perf_counter()
        b()
        times_b.append(time.perf_counter() - started)
    return statistics.median(times_a), statistics.median(times_b)


def ratio_result(
    name: str,
    base_label: str,
    base_seconds: float,
    other_label: str,
    other_seconds: float,
    op: str,
    target: float,
    repeats: int,
) -> Result:
    """`other / base` as a ratio result, with both medians in the detail."""
    ratio = other_seconds / base_seconds if base_seconds else float("inf")
    detail = (
        f"{base_label}: {fmt_seconds(base_seconds)}, {other_label}: {fmt_seconds(other_seconds)}, "
        f"median of {repeats}"
    )
    return Result(name=name, value=ratio, op=op, target=target, detail=detail)
