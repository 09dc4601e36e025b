"""Quick timing check for QUALITY.md P3 (not a test; the benchmark suite has the final word).

    uv run python -m tests.services.p3_timing [--risks 100000] [--updates 900000] [--db PATH]

Builds (or reuses, with --db pointing at an existing file) a synthetic register of
100,000 risks whose audit trail holds 1,000,000 risk entries (100,000 creates and
900,000 score changes spread over the past year, through ``db.synthetic``), then
measures, best of several runs:

* the current matrix (counts only) against raw SQL ``GROUP BY`` on the same rows;
* the current matrix with the points of every cell against raw SQL fetching the
  same columns;
* the matrix "as of" 182 days back (auto replay direction, and forced forward and
  reverse for reference).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CPU: dict[str, float] = {}


def best_of(fn: Callable[[], object], repeat: int, name: str = "") -> float:
    """Best wall time of ``repeat`` runs; the best CPU time is kept in ``CPU[name]``
    (on a shared, loaded machine the CPU time says more than the wall time)."""
    times, cpu = [], []
    for _ in range(repeat):
        start, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - c0)
    if name:
        CPU[name] = min(cpu)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risks", type=int, default=100_000)
    parser.add_argument("--updates", type=int, default=900_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from db.engine import open_register
    from db.synthetic import generate
    from desktop.services import history
    from desktop.services.matrix import risk_matrix

    path = args.db or Path(tempfile.mkdtemp(prefix="p3-")) / "p3.db"
    fresh = not path.exists()
    reg = open_register(path)
    today = history.today_utc()
    if fresh:
        start = time.perf_counter()
        counts = generate(
            reg,
            stakeholders=100,
            partnerships=40,
            risks=args.risks,
            events=0,
            risk_updates=args.updates,
            seed=3,
            today=today,
        )
        print(
            f"generated {counts} in {time.perf_counter() - start:.1f} s at {path}", file=sys.stderr
        )
    con = sqlite3.connect(path)
    n_audit = con.execute("SELECT count(*) FROM audit_entry WHERE entity_kind = 'risk'").fetchone()[
        0
    ]
    n_risks = con.execute("SELECT count(*) FROM risk").fetchone()[0]

    def raw_counts() -> object:
        return con.execute(
            "SELECT likelihood, impact, count(*) FROM risk WHERE status != 'closed' "
            "GROUP BY likelihood, impact"
        ).fetchall()

    def raw_points() -> object:
        return con.execute(
            "SELECT id, ref, title, classification, status, likelihood, impact FROM risk "
            "WHERE status != 'closed'"
        ).fetchall()

    as_of = today - dt.timedelta(days=182)
    rows = []
    with reg.session() as session:
        name = "current matrix, counts"
        ours_counts = best_of(lambda: risk_matrix(session, with_points=False), args.repeat, name)
        base_counts = best_of(raw_counts, args.repeat, name + " (raw)")
        rows.append((name, ours_counts, base_counts, "<= 1.5x raw"))
        name = "current matrix, with points"
        ours_points = best_of(lambda: risk_matrix(session), args.repeat, name)
        base_points = best_of(raw_points, args.repeat, name + " (raw)")
        rows.append((name, ours_points, base_points, "(reference)"))
        method = history.choose_method(session, kind="risk", cutoffs=[history.end_of_day(as_of)])
        for label, kwargs in (
            ("counts", {"with_points": False}),
            ("residual counts", {"with_points": False, "residual": True}),
            ("with points", {}),
        ):
            name = f"as of {as_of} ({method}), {label}"
            t = best_of(lambda kwargs=kwargs: risk_matrix(session, as_of=as_of, **kwargs), 3, name)
            rows.append((name, t, None, "<= 1 s"))
        for forced in ("forward", "reverse"):
            name = f"as of, counts, replay forced {forced}"
            t = best_of(
                lambda forced=forced: history.states_at(
                    session,
                    kind="risk",
                    cutoffs=[history.end_of_day(as_of)],
                    fields=["likelihood", "impact", "status"],
                    levels=None,
                    method=forced,
                    read=["likelihood", "impact", "status"],
                ),
                2,
                name,
            )
            rows.append((name, t, None, "(reference)"))
        check = risk_matrix(session, with_points=False).counts()
        assert [[n for n in r] for r in check] == _grid(raw_counts())
    reg.dispose()
    print(f"risks: {n_risks:,}; risk audit entries: {n_audit:,}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average during the run: {load:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'scenario':46} {'ours s':>8} {'raw s':>8} {'ratio':>7} {'ours cpu':>9} {'raw cpu':>8}  target"
    )
    for name, ours, base, target in rows:
        ratio = f"{ours / base:.2f}x" if base else "-"
        base_s = f"{base:.4f}" if base else "-"
        raw_cpu = CPU.get(name + " (raw)")
        raw_cpu_s = f"{raw_cpu:.4f}" if raw_cpu is not None else "-"
        print(
            f"{name:46} {ours:8.4f} {base_s:>8} {ratio:>7} {CPU.get(name, 0):9.4f} {raw_cpu_s:>8}  {target}"
        )
    return 0


def _grid(rows: object) -> list[list[int]]:
    grid = [[0] * 5 for _ in range(5)]
    for lk, im, n in rows:  # type: ignore[attr-defined]
        grid[lk - 1][im - 1] = n
    return grid


if __name__ == "__main__":
    raise SystemExit(main())
