"""`risk-tracker import` and `risk-tracker export` end to end, in a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.importexport.helpers import counts, read_rows, write_csv

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_import_dry_run_bad_file_and_export(tmp_path):
    db = tmp_path / "cli.db"
    people = write_csv(
        tmp_path / "s.csv",
        ["name", "kind", "stance"],
        [["Ministry of Defence", "Defence body", "1"], ["Researchers", "research_community", "-2"]],
    )
    done = _cli("import", "stakeholders", str(people), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported 2 stakeholders (2 new, 0 updated)"

    events = write_csv(
        tmp_path / "e.csv",
        ["occurred_on", "title", "kind", "stakeholder"],
        [
            ["2026-03-01", "Open letter", "criticism", "Researchers"],
            ["2026-03-02", "Clarification", "statement", "S-001"],
        ],
    )
    dry = _cli("--db", str(db), "import", "events", str(events), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == "dry run: 2 events valid (2 new, 0 updated); nothing written"

    bad = write_csv(
        tmp_path / "bad.csv",
        ["occurred_on", "title", "kind"],
        [
            ["2026-03-01", "Fine", "criticism"],
            ["not a date", "Bad", "criticism"],
            ["2026-03-03", "No", "gossip"],
        ],
    )
    failed = _cli("import", "events", str(bad), "--db", str(db))
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert lines[0] == "row 3: occurred_on: must be a date YYYY-MM-DD"
    assert lines[1] == "row 4: title: must have at least 3 characters"
    assert lines[2].startswith("row 4: kind: must be one of criticism, media_report")
    assert len(lines) == 3  # the bad rows and nothing else
    assert "Traceback" not in failed.stderr
    assert failed.stdout == ""

    # neither the dry run nor the bad file wrote anything
    from db.engine import open_register

    register = open_register(db)
    try:
        assert counts(register) == {
            "stakeholder": 2,
            "partnership": 0,
            "risk": 0,
            "event": 0,
            "action": 0,
        }
    finally:
        register.dispose()

    out = tmp_path / "people.xlsx"
    exported = _cli("export", "stakeholders", "--out", str(out), "--db", str(db))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"exported 2 stakeholders to {out}"
    assert [(r["ref"], r["name"], r["stance"]) for r in read_rows(out)] == [
        ("S-001", "Ministry of Defence", 1),
        ("S-002", "Researchers", -2),
    ]


def test_export_to_an_unknown_format_exits_1_with_one_message(tmp_path):
    db = tmp_path / "cli.db"
    wrong = _cli("export", "risks", "--out", str(tmp_path / "risks.pdf"), "--db", str(db))
    assert wrong.returncode == 1
    assert "use a .csv or .xlsx file" in wrong.stderr and "Traceback" not in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "risks.pdf").exists()
    assert not db.exists()  # refused before the register was opened (or created)
