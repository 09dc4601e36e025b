"""The benchmark suite (QUALITY.md "Benchmarks"); not part of the default test run.

    uv run python -m tests.perf --workdir ~/.cache/risk-perf     # full sizes, registers kept
    uv run python -m tests.perf --quick                          # small sizes (harness check)
    uv run python -m tests.perf --only P2,P5                     # some scenarios

Prints one table: scenario, size, our wall time and CPU time, the baseline measured
in the same run, the ratio, the target and pass/fail.  A first full run generates
its registers (a million events, a million audit entries: a few minutes); with
``--workdir`` later runs reuse them and take about a minute and a half.
``tests/test_perf_harness.py`` runs the ``--tiny`` size in the default test run.
"""
