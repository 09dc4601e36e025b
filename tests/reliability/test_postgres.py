"""R7 on a real PostgreSQL server: schema by the same migrations, the same CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from db import migrations
from db.engine import open_register
from db.errors import RegisterError
from db.register_file import APP_MARKER
from desktop.cli import main as cli_main
from tests.pgserver import free_port
from tests.reliability.conftest import assert_clean_refusal, run_cli

pytestmark = pytest.mark.postgres


def test_migrations_build_the_schema_on_an_empty_database_and_mark_it_ours(pg_empty_url):
    reg = open_register(pg_empty_url)
    try:
        names = set(inspect(reg.engine).get_table_names())
        assert {
            "stakeholder",
            "partnership",
            "risk",
            "event",
            "audit_entry",
            "audit_head",
            "app_meta",
            "alembic_version",
        } <= names
        assert migrations.current_revision(reg.engine) == migrations.head_revision()
        with reg.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT value FROM app_meta WHERE key = 'application'")).scalar()
                == APP_MARKER
            )
            assert conn.execute(text("SELECT count(*) FROM audit_head")).scalar() == 1
            # Timestamps keep their time zone on PostgreSQL.
            kinds = dict(
                conn.execute(
                    text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = 'audit_entry'"
                    )
                ).all()
            )
            assert kinds["at"] == "timestamp with time zone"
    finally:
        reg.dispose()
    again = open_register(pg_empty_url)  # reopening is a no-op
    assert again.upgraded_from is None
    again.dispose()


def test_a_foreign_postgresql_database_is_refused_untouched(pg_empty_url):
    engine = create_engine(pg_empty_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id serial PRIMARY KEY, amount numeric)"))
        conn.execute(text("INSERT INTO invoices (amount) VALUES (12.5)"))
    with pytest.raises(
        RegisterError, match="not a Stakeholder Risk Tracker register; it was left untouched"
    ):
        open_register(pg_empty_url)
    assert set(inspect(engine).get_table_names()) == {"invoices"}
    engine.dispose()


def test_the_command_line_works_against_a_postgresql_url(pg_register, tmp_path: Path, capsys):
    url = pg_register.url

    def cli(*args: str) -> tuple[int, str, str]:
        code = cli_main([*args, "--db", url])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out, captured.err

    assert cli("demo")[0] == 0
    code, out, _ = cli("matrix")
    assert code == 0 and "5" in out
    csv_path = tmp_path / "events.csv"
    csv_path.write_text(
        "occurred_on,title,kind,severity,channel\n"
        "2026-03-01,Union statement against the deal,criticism,4,press\n"
        "2026-03-02,Ministry clarification,statement,2,official_statement\n"
    )
    assert cli("export", "events", "--out", str(tmp_path / "before.csv"))[0] == 0
    assert cli("import", "events", str(csv_path))[0] == 0
    assert cli("export", "events", "--out", str(tmp_path / "after.csv"))[0] == 0
    before_rows = (tmp_path / "before.csv").read_text().count("\n")
    after_text = (tmp_path / "after.csv").read_text()
    assert after_text.count("\n") == before_rows + 2
    assert "Union statement against the deal" in after_text
    bad = tmp_path / "bad.csv"
    bad.write_text("occurred_on,title,severity\n2026-03-01,OK row,3\nnot-a-date,x,9\n")
    code, _, err = cli("import", "events", str(bad))
    assert code == 1 and "row 3" in err
    code, _, err = cli("backup", "--out", str(tmp_path / "b.db"))
    assert code == 1 and "PostgreSQL" in err and len(err.strip().splitlines()) == 1
    # And once as a separate process, as a user types it.
    check = run_cli("db", "check", "--db", url)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "audit chain: ok" in check.stdout


def test_an_unreachable_server_is_one_clear_message():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/risk_test"
    proc = run_cli("matrix", "--db", url)
    line = assert_clean_refusal(proc)
    assert "cannot open" in line and "127.0.0.1" in line
