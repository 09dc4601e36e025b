"""Reliability tests (QUALITY.md "Reliability", PRODUCT.md "Teams").

    uv run pytest -q tests/reliability                 # default run, PostgreSQL included
    RISK_TRACKER_NO_PG=1 uv run pytest tests/reliability   # explicitly without PostgreSQL
    uv run python -m tests.perf.reliability_full       # R1 at full size: 200,000 rows, 20 kills

test_backends (R7, both backends through ``any_register``), test_postgres (R7),
test_concurrency (R2, Teams), test_crash (R1), test_bad_files (R4), test_tamper (R8),
test_backup (backup/restore).  The PostgreSQL server comes from ``tests/pgserver.py``.
"""
