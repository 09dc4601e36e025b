"""The register's trend column, as a user meets it: the demo register, ``brief``, a change
(an imported risk, a re-scored one), ``brief`` again, and the table read back from the PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from db import repository
from db.engine import open_register
from db.models import RiskUpdate
from tests.briefing.helpers import register_table
from tests.cli.test_cli import run


def cli(*args: str) -> str:
    done = run(*args)  # python -m desktop in a child process, as a user runs it
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    cli("demo", "--db", str(path))
    return path


def test_a_risk_imported_after_the_previous_pack_is_new_in_the_next(demo, tmp_path):
    cli("brief", "--db", str(demo), "--out", str(tmp_path / "first.pdf"), "--issue")
    csv = tmp_path / "one-risk.csv"
    csv.write_text(
        "title,likelihood,impact,residual_likelihood,residual_impact\n"
        "Hostile press coverage of the new venture,4,4,2,3\n",
        encoding="utf-8",
    )
    assert "1 new" in cli("import", "risks", str(csv), "--db", str(demo))
    cli("brief", "--db", str(demo), "--out", str(tmp_path / "second.pdf"))

    first = {row.ref: row for row in register_table(tmp_path / "first.pdf")}
    rows = {row.ref: row for row in register_table(tmp_path / "second.pdf")}
    (imported,) = [r for r in rows.values() if r.title.startswith("Hostile press")]
    assert imported.ref not in first
    assert (imported.inherent, imported.residual, imported.band) == ((4, 4), (2, 3), "Medium")
    assert imported.trend == "new"  # was ▲: compared with a score it never had
    # the first pack had nothing to compare with; in the second nothing else changed
    assert {r.trend for r in first.values()} == {"—"}
    assert {r.trend for ref, r in rows.items() if ref != imported.ref} == {"="}


def test_a_risk_rescored_after_the_previous_pack_shows_its_direction(demo, tmp_path):
    cli("brief", "--db", str(demo), "--out", str(tmp_path / "first.pdf"), "--issue")
    first = {row.ref: row for row in register_table(tmp_path / "first.pdf")}
    up, down = sorted(first)[:2]
    reg = open_register(demo)
    try:
        with reg.write() as s:
            for ref, cell in ((up, (5, 5)), (down, (1, 1))):
                rid = repository.get_by_ref(s, "risk", ref).id
                change = RiskUpdate(residual_likelihood=cell[0], residual_impact=cell[1])
                repository.update(s, "risk", rid, change, actor="tester")
    finally:
        reg.dispose()
    cli("brief", "--db", str(demo), "--out", str(tmp_path / "second.pdf"))
    rows = {row.ref: row for row in register_table(tmp_path / "second.pdf")}
    assert rows[up].residual == (5, 5) and rows[up].trend == "▲"
    assert rows[down].residual == (1, 1) and rows[down].trend == "▼"
    assert {r.trend for ref, r in rows.items() if ref not in (up, down)} == {"="}
