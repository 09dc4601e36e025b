"""The PostgreSQL fixture fails loudly without binaries, and skips only when asked to."""

from __future__ import annotations

import pytest

from tests import pgserver


def test_missing_binaries_fail_instead_of_skipping(monkeypatch):
    monkeypatch.delenv(pgserver.NO_PG_ENV, raising=False)
    monkeypatch.setattr(pgserver.PgServer, "_shared", None)
    monkeypatch.setattr(pgserver, "find_bin_dir", lambda: None)
    with pytest.raises(pytest.fail.Exception, match="RISK_TRACKER_NO_PG=1 to skip"):
        pgserver.shared_server_or_fail()


def test_an_explicit_opt_out_skips_with_its_reason(monkeypatch):
    monkeypatch.setenv(pgserver.NO_PG_ENV, "1")
    monkeypatch.setattr(pgserver, "find_bin_dir", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="RISK_TRACKER_NO_PG=1 is set"):
        pgserver.shared_server_or_fail()


@pytest.mark.postgres
def test_the_server_runs_postgresql_15_or_later_on_loopback(pg_server, pg_url):
    import psycopg

    assert pg_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    with psycopg.connect(
        host="127.0.0.1", port=pg_server.port, user="postgres", dbname="risk_test"
    ) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
    assert int(version) >= 150000
    assert str(pg_server.socket_dir).startswith(str(pg_server.root))
