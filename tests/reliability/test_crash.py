"""R1 crash safety: an import killed with SIGKILL leaves all of it or none of it."""

from __future__ import annotations

import os

import pytest

from tests.reliability.crash import run_crash_trials

ROWS = int(os.environ.get("RISK_TRACKER_CRASH_ROWS", "20000"))
TRIALS = int(os.environ.get("RISK_TRACKER_CRASH_TRIALS", "6"))


@pytest.mark.slow
def test_import_killed_at_random_moments_is_all_or_nothing(tmp_path):
    report = run_crash_trials(tmp_path, rows=ROWS, trials=TRIALS, log=print)
    print(report.summary())
    assert report.problems == [], f"seed {report.seed}: {report.problems}"
    assert len(report.trials) == TRIALS
    assert report.survived == TRIALS
    # The kills must land mid-import for the test to mean anything.
    assert sum(t.killed for t in report.trials) >= TRIALS // 2, report.summary()
