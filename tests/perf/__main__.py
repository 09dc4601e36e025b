"""Run the benchmark suite: ``uv run python -m tests.perf [--quick | --tiny] [--only P1,P3] [--workdir DIR] [--backend postgresql]``.

Prints one table: scenario, size, our time (and CPU time), the baseline measured in
the same run, the ratio, the target and pass/fail (QUALITY.md "Benchmarks").
``--quick`` uses small sizes and ``--tiny`` smaller still (the default test run's
smoke test): they check the harness, not the targets, and always exit 0 when the
scenarios ran.  Generated registers are kept in ``--workdir`` between runs (a
million events take minutes to generate); without it a temporary folder is used.
``--backend postgresql`` runs the scenarios that are not SQLite-only on a throwaway
PostgreSQL server (its cluster kept in the work folder), baselines on the same server.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.perf import backends, scenarios
from tests.perf.harness import Table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument(
        "--quick", action="store_true", help="small sizes: checks the harness, not the targets"
    )
    sizes.add_argument(
        "--tiny", action="store_true", help="smallest sizes (the default test run's smoke test)"
    )
    parser.add_argument("--only", help="comma-separated scenario ids, e.g. P1,P3")
    parser.add_argument(
        "--workdir", help="keep generated registers here between runs (default: a temp folder)"
    )
    parser.add_argument(
        "--backend", choices=backends.NAMES, default="sqlite", help="the database measured"
    )
    args = parser.parse_args(argv)
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    wanted = {s.strip().upper() for s in args.only.split(",")} if args.only else None
    unknown = (wanted or set()) - {sid for sid, _fn in scenarios.ALL}
    if unknown:
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}")
    table = Table()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="risk-perf-") as tmp:
        work = Path(args.workdir or tmp).absolute()
        work.mkdir(parents=True, exist_ok=True)
        backend = backends.make(args.backend, work)
        try:
            engine = backend.describe()
            for sid, fn in scenarios.ALL:
                if (wanted and sid not in wanted) or (
                    backend.name != "sqlite" and sid in scenarios.SQLITE_ONLY
                ):
                    continue
                print(f"{sid} ...", flush=True)
                fn(table, work, size=size, backend=backend)
        finally:
            backend.close()
    print()
    print(table.render())
    print()
    print(
        f"backend: {engine}; size: {size}; {time.perf_counter() - started:.0f} s; load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} CPUs; times are best-of-n wall seconds, "
        "'ours cpu' is our process's CPU time"
    )
    if size != "full":
        return 0
    return 0 if all(r.passed for r in table.results) else 1


if __name__ == "__main__":
    sys.exit(main())
