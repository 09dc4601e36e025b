"""The command line end to end, as a user runs it: ``python -m desktop ...`` in a subprocess,
with RISK_TRACKER_DB unset, ``--db`` before and after the command."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_COUNTS = {"stakeholder": 14, "partnership": 5, "risk": 11, "event": 34, "action": 6}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RISK_TRACKER_DB"}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def sql(path: Path, query: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def counts_in(path: Path) -> dict[str, int]:
    return {k: sql(path, f"SELECT count(*) FROM {k}")[0][0] for k in DEMO_COUNTS}  # noqa: S608


def parse_grid(text: str) -> dict[tuple[int, int], int]:
    """The cells of the printed 5x5 grid: {(likelihood, impact): count}."""
    cells: dict[tuple[int, int], int] = {}
    for line in text.splitlines():
        m = re.match(
            r"^([1-5]) [A-Z][a-z]+(?: [a-z]+)?\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", line
        )
        if m:
            for impact, n in enumerate(m.groups()[1:], start=1):
                cells[(int(m.group(1)), impact)] = int(n)
    return cells


def expected_grid(path: Path, residual: bool) -> dict[tuple[int, int], int]:
    cols = (
        "coalesce(residual_likelihood, likelihood), coalesce(residual_impact, impact)"
        if residual
        else "likelihood, impact"
    )
    grid = {(lk, im): 0 for lk in range(1, 6) for im in range(1, 6)}
    for lk, im, n in sql(
        path,
        f"SELECT {cols}, count(*) FROM risk WHERE status != 'closed' GROUP BY 1, 2",  # noqa: S608
    ):
        grid[(lk, im)] = n
    return grid


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    result = run("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "14 stakeholders, 5 partnerships, 11 risks, 34 events" in result.stdout
    assert "illustrative" in result.stdout
    return path


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"risk-tracker \d+\.\d+\.\d+\s*", result.stdout)


def test_demo_loads_the_counts_it_prints(demo_db):
    assert counts_in(demo_db) == DEMO_COUNTS
    assert (demo_db.stat().st_mode & 0o777) == 0o600


def test_demo_refuses_a_non_empty_register_with_db_before_the_command(demo_db):
    digest_counts = counts_in(demo_db)
    result = run("--db", str(demo_db), "demo")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not empty" in lines[0] and "--force" in lines[0]
    assert "Traceback" not in result.stderr
    assert counts_in(demo_db) == digest_counts


def test_matrix_prints_the_open_risks_of_the_demo(demo_db):
    result = run("matrix", "--db", str(demo_db))
    assert result.returncode == 0, result.stderr
    grid = parse_grid(result.stdout)
    assert len(grid) == 25
    assert grid == expected_grid(demo_db, residual=False)
    open_risks = sql(demo_db, "SELECT count(*) FROM risk WHERE status != 'closed'")[0][0]
    assert sum(grid.values()) == open_risks == 10
    assert "inherent" in result.stdout and "current" in result.stdout
    # Likelihood 5 is the top row, impact labels run 1..5 left to right.
    lines = result.stdout.splitlines()
    first_row = next(i for i, line in enumerate(lines) if line.startswith("5 Almost certain"))
    assert lines[first_row + 4].startswith("1 Rare")
    header = lines[first_row - 1]
    assert header.index("1 Minimal") < header.index("3 Moderate") < header.index("5 Severe")


def test_matrix_residual_puts_unscored_risks_at_their_inherent_cell(demo_db):
    result = run("--db", str(demo_db), "matrix", "--residual")
    assert result.returncode == 0, result.stderr
    assert "residual" in result.stdout
    assert parse_grid(result.stdout) == expected_grid(demo_db, residual=True)


def test_matrix_as_of_a_past_date_counts_fewer_risks(demo_db):
    import datetime as dt

    day = (dt.date.today() - dt.timedelta(days=45)).isoformat()
    result = run("matrix", "--db", str(demo_db), "--as-of", day)
    assert result.returncode == 0, result.stderr
    assert f"as of {day}" in result.stdout
    grid = parse_grid(result.stdout)
    # Six weeks back only the risks of the first workshop existed (the signature risk closed).
    assert sum(grid.values()) == 5


def test_backup_writes_a_valid_private_copy_and_never_overwrites(demo_db, tmp_path):
    out = tmp_path / "copy.db"
    result = run("backup", "--db", str(demo_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert (out.stat().st_mode & 0o777) == 0o600
    assert counts_in(out) == DEMO_COUNTS
    assert sql(out, "PRAGMA integrity_check") == [("ok",)]
    assert sql(out, "SELECT value FROM app_meta WHERE key = 'application'") == [
        ("stakeholder-risk-tracker",)
    ]
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    again = run("backup", "--db", str(demo_db), "--out", str(out))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest


def test_db_upgrade_and_check_on_the_demo(demo_db):
    upgrade = run("db", "upgrade", "--db", str(demo_db))
    assert upgrade.returncode == 0, upgrade.stderr
    assert "already at the current schema" in upgrade.stdout
    check = run("--db", str(demo_db), "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "audit chain: ok" in check.stdout and "all checks passed" in check.stdout


def test_demo_force_replaces_the_records(tmp_path, demo_db):
    path = tmp_path / "forced.db"
    path.write_bytes(demo_db.read_bytes())
    for suffix in ("-wal", "-shm"):
        side = demo_db.with_name(demo_db.name + suffix)
        if side.exists():
            path.with_name(path.name + suffix).write_bytes(side.read_bytes())
    result = run("demo", "--force", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert counts_in(path) == DEMO_COUNTS
    assert sql(path, "SELECT count(*) FROM audit_entry WHERE action = 'delete'")[0][0] == sum(
        DEMO_COUNTS.values()
    )


def test_the_environment_variable_names_the_register(demo_db, monkeypatch, capsys):
    from desktop.cli import main

    monkeypatch.setenv("RISK_TRACKER_DB", str(demo_db))
    assert main(["matrix"]) == 0
    assert sum(parse_grid(capsys.readouterr().out).values()) == 10


@pytest.mark.parametrize(
    "args",
    [
        ("no-such-command",),
        ("matrix", "--as-of", "last tuesday"),
        ("import",),
        ("backup",),
        ("db",),
        ("export", "planets", "--out", "x.csv"),
    ],
)
def test_usage_errors_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_file_gives_exit_1_one_line_no_traceback_and_unchanged_bytes(tmp_path):
    path = tmp_path / "minutes.db"
    path.write_text("Minutes of the meeting. Not a database.\n" * 50)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    # (The same refusal for the other commands runs in-process in tests/db/test_files.py.)
    result = run("--db", str(path), "demo")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("risk-tracker: "), result.stderr
    assert "not a Stakeholder Risk Tracker register" in lines[0]
    assert "Traceback" not in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
