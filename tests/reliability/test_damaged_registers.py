"""Issue 12 part 2: damaged, foreign and hostile registers and backups.

Damaged registers are built from a real demo register: a page in the middle of the
file overwritten with noise, the audit table dropped with SQL, sqlite_master
corrupted.  Every command refuses them with one line on stderr and exit 1, the app
explains them in a dialog, and none of them is written to (an import is refused).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from db.engine import open_register
from db.errors import RegisterError
from desktop.cli import main
from tests.reliability.conftest import (
    ROOT,
    assert_clean_refusal,
    cli_env,
    quit_at_next_message_box,
    run_cli,
    sha256,
)

DAMAGES = ("page", "dropped_audit_table", "broken_schema")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed demo register (rollback-journal copy: one self-contained file)."""
    from db.demo import load_demo

    folder = tmp_path_factory.mktemp("demo")
    live = folder / "live.db"
    register = open_register(live)
    load_demo(register)
    register.dispose()
    out = folder / "demo.db"
    with sqlite3.connect(live) as src, sqlite3.connect(out) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    return out


def _noise_over_middle_page(path: Path) -> None:
    """Overwrite one whole page in the middle of the file with random bytes."""
    with sqlite3.connect(path) as con:
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        size = con.execute("PRAGMA page_size").fetchone()[0]
    middle = pages // 2
    with path.open("r+b") as f:  # a test file no program has open
        f.seek((middle - 1) * size)
        f.write(random.Random(12).randbytes(size))


def damage(kind: str, demo: Path, folder: Path) -> Path:
    path = folder / f"{kind}.db"
    shutil.copyfile(demo, path)
    if kind == "page":
        _noise_over_middle_page(path)
    elif kind == "dropped_audit_table":
        with sqlite3.connect(path) as con:
            con.execute("DROP TABLE audit_entry")
    elif kind == "broken_schema":
        con = sqlite3.connect(path)
        con.execute("PRAGMA writable_schema = ON")
        con.execute(
            "UPDATE sqlite_master SET sql = 'CREATE TABLE risk (broken' WHERE name = 'risk'"
        )
        con.commit()
        con.close()
    return path


def _is_damaged(path: Path, kind: str) -> bool:
    """The builder really damaged the file (so the refusals below are about damage)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if kind == "dropped_audit_table":
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
            return "audit_entry" not in tables
        return con.execute("PRAGMA quick_check").fetchone()[0] != "ok"
    except sqlite3.DatabaseError:
        return True
    finally:
        con.close()


def _fingerprint(path: Path) -> tuple[str, list[str]]:
    return sha256(path), sorted(p.name for p in path.parent.iterdir())


def _commands(path: Path, out: Path) -> dict[str, list[str]]:
    csv = out / "risks.csv"
    csv.write_text("title,likelihood,impact\nA new risk from a file,2,3\n", encoding="utf-8")
    return {
        "db check": ["db", "check", "--db", str(path)],
        "export": ["export", "risks", "--db", str(path), "--out", str(out / "x.csv")],
        "brief": ["brief", "--db", str(path), "--out", str(out / "x.pdf")],
        "matrix": ["matrix", "--db", str(path)],
        "import": ["import", "risks", str(csv), "--db", str(path)],
        "backup": ["backup", "--db", str(path), "--out", str(out / "copy.db")],
    }


@pytest.mark.parametrize("kind", DAMAGES)
def test_every_command_refuses_a_damaged_register_in_one_line_and_writes_nothing(
    kind: str, demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "registers"
    folder.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    path = damage(kind, demo_file, folder)
    assert _is_damaged(path, kind)
    before = _fingerprint(path)
    for name, argv in _commands(path, out).items():
        code = main(argv)
        captured = capsys.readouterr()
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert code == 1, (name, captured)
        assert len(lines) == 1 and "Traceback" not in captured.err, (name, captured.err)
        assert str(path) in lines[0] and ("damaged" in lines[0] or "readable" in lines[0])
        assert _fingerprint(path) == before, name  # never written to, nothing beside it
    assert sorted(p.name for p in out.iterdir()) == ["risks.csv"]  # no export, pack or copy


def test_a_damaged_register_gets_one_line_from_the_real_command_line(
    demo_file: Path, tmp_path: Path
) -> None:
    path = damage("page", demo_file, tmp_path)
    before = sha256(path)
    line = assert_clean_refusal(
        run_cli("brief", "--db", str(path), "--out", str(tmp_path / "p.pdf"))
    )
    assert "is damaged" in line and "restore" in line
    assert sha256(path) == before


@pytest.mark.parametrize("kind", DAMAGES)
def test_the_app_explains_a_damaged_register_in_a_dialog(
    qapp: Any, kind: str, demo_file: Path, tmp_path: Path
) -> None:
    from desktop import app as app_module

    path = damage(kind, demo_file, tmp_path)
    before = _fingerprint(path)
    shown: list[str] = []

    quit_at_next_message_box(shown)
    assert app_module.open_register_interactively(str(path)) is None
    assert len(shown) == 1 and str(path) in shown[0] and "Traceback" not in shown[0]
    assert _fingerprint(path) == before


def test_above_the_size_limit_the_app_skips_the_page_check_but_commands_never_do(
    demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The GUI opens a very large register without reading every page (its start-up
    target); the command line always checks, whatever the size."""
    from db import engine

    monkeypatch.setattr(engine, "PAGE_CHECK_MAX_BYTES", 0)
    path = damage("page", demo_file, tmp_path)
    open_register(path, upgrade=False, create=False).dispose()  # the app's default
    assert main(["matrix", "--db", str(path)]) == 1
    assert "is damaged" in capsys.readouterr().err
    monkeypatch.setattr(engine, "PAGE_CHECK_MAX_BYTES", 10**12)
    with pytest.raises(RegisterError, match="is damaged"):
        open_register(path, upgrade=False, create=False)


# --------------------------------------------------------------------------- restore


def _tamper_backup(kind: str, backup: Path) -> None:
    if kind in DAMAGES:
        damaged = damage(kind, backup, backup.parent)
        shutil.move(damaged, backup)
        return
    con = sqlite3.connect(backup)
    if kind == "audit_chain":
        con.execute("UPDATE audit_entry SET actor = 'mallory' WHERE id = 3")
    elif kind == "records":
        con.execute(
            "UPDATE risk SET classification = 'PUBLIC' WHERE ref = "
            "(SELECT ref FROM risk WHERE classification = 'SECRET' LIMIT 1)"
        )
        assert con.total_changes == 1
    elif kind == "schema_revision":
        con.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    con.commit()
    con.close()


RESTORE_FAILURES = {
    "page": "damaged",
    "dropped_audit_table": "audit_entry is missing",
    "broken_schema": "",
    "audit_chain": "audit trail is broken",
    "records": "records differ from its audit trail",
    "schema_revision": "newer version",
}


@pytest.mark.parametrize("kind", sorted(RESTORE_FAILURES))
def test_restore_validates_the_whole_backup_and_leaves_the_target_untouched(
    kind: str, demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "register.db"
    shutil.copyfile(demo_file, target)
    with sqlite3.connect(target) as con:  # the target differs from the backup
        con.execute("UPDATE app_meta SET value = value WHERE key = 'application'")
    backup = tmp_path / "backup.db"
    shutil.copyfile(demo_file, backup)
    _tamper_backup(kind, backup)
    before = _fingerprint(target)
    code = main(["restore", "--db", str(target), str(backup)])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, captured
    assert RESTORE_FAILURES[kind] in lines[0]
    assert _fingerprint(target) == before  # byte for byte, and no ".replaced" copy


def test_a_sound_backup_is_restored(demo_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "register.db"
    shutil.copyfile(demo_file, target)
    with sqlite3.connect(target) as con:
        con.execute("DELETE FROM event_risk")  # something to restore over
    backup = tmp_path / "backup.db"
    shutil.copyfile(demo_file, backup)
    assert main(["restore", "--db", str(target), str(backup)]) == 0
    assert main(["db", "check", "--db", str(target)]) == 0


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    "target",
    [":memory:", "sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true"],
)
@pytest.mark.parametrize("command", [["demo"], ["db", "upgrade"], ["matrix"]])
def test_targets_that_would_not_persist_are_refused(
    target: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--db", target]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "would not be kept" in err[0]


def test_the_app_refuses_a_target_that_would_not_persist(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop import app as app_module

    asked: list[str] = []
    monkeypatch.setattr(
        app_module, "ask_for_register", lambda message, parent=None: asked.append(message)
    )
    assert app_module.open_register_interactively(":memory:") is None
    assert asked and "would not be kept" in asked[0]


@pytest.mark.parametrize("name", ["db check", "export", "brief", "matrix", "backup"])
def test_a_mistyped_path_for_a_reading_command_is_an_error_not_a_new_register(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registers = tmp_path / "registers"
    registers.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    typo = registers / "regsiter.db"
    code = main(_commands(typo, out)[name])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 1 and len(err) == 1 and "does not exist" in err[0], err
    assert list(registers.iterdir()) == []


@pytest.mark.parametrize("name", ["demo", "generate", "import", "db upgrade"])
def test_an_empty_file_another_program_made_is_not_taken_over(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "placeholder.db"
    path.touch()
    csv = tmp_path / "risks.csv"
    csv.write_text("title,likelihood,impact\nA new risk from a file,2,3\n", encoding="utf-8")
    argv = {
        "demo": ["demo", "--db", str(path)],
        "generate": ["generate", "--db", str(path), "--events", "5"],
        "import": ["import", "risks", str(csv), "--db", str(path)],
        "db upgrade": ["db", "upgrade", "--db", str(path)],
    }[name]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "empty file" in err[0]
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["placeholder.db", "risks.csv"]


def test_a_restore_does_not_take_over_an_empty_file(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "placeholder.db"
    path.touch()
    assert main(["restore", "--db", str(path), str(demo_file)]) == 1
    assert "empty file" in capsys.readouterr().err
    assert path.stat().st_size == 0 and [p.name for p in tmp_path.iterdir()] == ["placeholder.db"]


def test_a_register_that_fails_half_way_through_creation_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So an empty file is never this application's own: it is refused as foreign."""
    from db import migrations

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(migrations, "run_upgrade", fail)
    path = tmp_path / "new.db"
    with pytest.raises(RegisterError, match="cannot create"):
        open_register(path)
    assert list(tmp_path.iterdir()) == []


# Two programs started together: each child waits for the same instant, then opens.
OPEN_AT_ONCE = """
import sys, time
from db.engine import open_register
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
register = open_register(sys.argv[1])
register.dispose()
print("opened")
"""


def open_together(target: str, n: int = 2) -> list[subprocess.CompletedProcess[str]]:
    start = time.time() + 3.0  # after both interpreters have imported the app
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, target, repr(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=cli_env(),
        )
        for _ in range(n)
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


def test_two_programs_creating_one_sqlite_register_at_once_both_open_it(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    for proc in open_together(str(path)):
        assert proc.returncode == 0 and proc.stdout.strip() == "opened", proc.stderr
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert left == ["shared.db"]
    assert main(["db", "check", "--db", str(path)]) == 0


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_two_programs_opening_a_fresh_postgresql_database_at_once_both_migrate_it(
    pg_empty_url: str,
) -> None:
    from sqlalchemy import create_engine, text

    from db import migrations, register_file

    for proc in open_together(pg_empty_url):
        assert proc.returncode == 0 and proc.stdout.strip() == "opened", proc.stderr
    engine = create_engine(pg_empty_url)
    try:
        facts = register_file.facts_of_engine(engine)
        assert register_file.standing(facts, "pg") is register_file.Standing.CURRENT
        assert facts.revision == migrations.head_revision()
        with engine.connect() as conn:
            markers = conn.execute(
                text("SELECT count(*) FROM app_meta WHERE key = 'application'")
            ).scalar()
            heads = conn.execute(text("SELECT count(*) FROM audit_head")).scalar()
        assert (markers, heads) == (1, 1)
    finally:
        engine.dispose()
