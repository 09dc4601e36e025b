"""The benchmark suite (QUALITY.md "Benchmarks"); not part of the default test run.

Run it with ``uv run python -m tests.perf`` (``--quick`` for small sizes).
"""
