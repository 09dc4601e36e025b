"""R1 at full size: kill -9 a 200,000-row import at random moments, 20 times.

    uv run python -m tests.perf.reliability_full              # 200,000 rows, 20 trials
    uv run python -m tests.perf.reliability_full --rows 20000 --trials 5 --seed 7
    uv run python -m tests.perf.reliability_full --backend postgresql   # the same on a server
    uv run python -m tests.perf.reliability_full --backend postgresql --member  # as a team editor

Every trial must leave a file that passes ``PRAGMA integrity_check``, holds all of
the import or none of it, has an intact audit chain, and opens again.  Prints one
line per trial and a summary; exit status 1 if any trial failed.  On PostgreSQL
(``tests.reliability.crash_pg``) the register is a database of a throwaway server,
and every third trial crashes the server itself instead of the importer.  The default test
run has a small version of this (tests/reliability/test_crash.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tests.reliability.crash import run_crash_trials


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.reliability_full")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--member",
        action="store_true",
        help="PostgreSQL: import as a team editor under row-level security, not the owner",
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="risk-tracker-r1-"))
    try:
        trials = run_crash_trials
        extra: dict[str, bool] = {}
        if args.backend == "postgresql":
            from tests.reliability.crash_pg import run_pg_crash_trials

            trials = run_pg_crash_trials  # type: ignore[assignment]
            extra["member"] = args.member
        elif args.member:
            parser.error("--member needs --backend postgresql")
        report = trials(
            workdir,
            rows=args.rows,
            trials=args.trials,
            seed=args.seed,
            log=lambda m: print(m, flush=True),
            **extra,  # type: ignore[arg-type]
        )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report.summary())
    for problem in report.problems:
        print(f"  PROBLEM {problem}")
    return 1 if report.problems or report.survived != args.trials else 0


if __name__ == "__main__":
    sys.exit(main())
