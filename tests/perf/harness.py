"""Timing helpers and the one results table the benchmark suite prints.

Every scenario is measured against a baseline in the same run on the same data, and
reported as a ratio: the machines here are shared and noisy, so absolute seconds are
for reference only.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    scenario: str
    size: str
    ours: float
    baseline: float | None
    target: str
    passed: bool
    note: str = ""
    cpu: float | None = (
        None  # our CPU seconds (the machine is shared: CPU says what wall time cannot)
    )
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.ours / self.baseline


@dataclass
class Table:
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        line = f"  {result.scenario}: {result.ours:.3f} {result.unit}"
        if result.baseline is not None:
            line += f" vs {result.baseline:.3f} {result.unit}"
        if result.cpu is not None:
            line += f" (cpu {result.cpu:.3f} s)"
        print(line + f"  {'pass' if result.passed else 'FAIL'}", flush=True)
        return result

    def render(self) -> str:
        head = ("scenario", "size", "ours", "ours cpu", "baseline", "ratio", "target", "result")
        rows = [head]
        for r in self.results:
            unit = "" if r.unit == "s" else f" {r.unit}"
            rows.append(
                (
                    r.scenario,
                    r.size,
                    _seconds(r.ours) if r.unit == "s" else f"{r.ours:.0f}{unit}",
                    _seconds(r.cpu) if r.cpu is not None else "-",
                    (_seconds(r.baseline) if r.unit == "s" else f"{r.baseline:.0f}{unit}")
                    if r.baseline is not None
                    else "-",
                    f"{r.ratio:.2f}x" if r.ratio is not None else "-",
                    r.target,
                    ("pass" if r.passed else "FAIL") + (f" ({r.note})" if r.note else ""),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = []
        for n, row in enumerate(rows):
            lines.append(
                "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
            )
            if n == 0:
                lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)


def _seconds(value: float) -> str:
    """Seconds with three decimals; a few milliseconds keep a fourth (0.0003, not 0.000)."""
    return f"{value:.3f}" if value >= 0.01 else f"{value:.4f}"


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs (the least disturbed by the noisy machine)."""
    return timed(fn, repeat)[0]


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(best wall time, best CPU time) of ``repeat`` runs of ``fn`` in this process."""
    walls, cpus = [], []
    for _ in range(max(1, repeat)):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def median_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
