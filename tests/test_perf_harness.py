"""The benchmark suite's harness and the fast paths it relies on.

* the suite itself runs end to end at its smallest size (``--tiny``) and prints its
  table (this checks the harness, not the timings);
* ``db.synthetic`` (the bulk path that makes the benchmark registers) writes what the
  one-by-one ORM path would have written: every record valid for its ``Create``
  model, its audit ``create`` entry saying exactly what ``repository.values`` says of
  it, the score history replaying to the table's values, an intact audit chain,
  and the same output for the same seed;
* opening a register that is at the head revision does not import Alembic.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from db import audit, migrations, repository
from db.engine import open_register
from db.models import AuditEntry, RefCounter
from db.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_IDS = ("P1", "P2", "P3", "P4", "P5")
# P6 (row-level security) needs the throwaway PostgreSQL server, like the R7 tests.
if os.environ.get("RISK_TRACKER_NO_PG") != "1":
    SCENARIO_IDS += ("P6",)


def _tiny_run(work: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.perf", "--tiny", "--workdir", str(work), *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _table_rows(out: str, scenario_ids: tuple[str, ...]) -> list[list[str]]:
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert table[0].split("|")[1].strip() == "scenario"
    rows = [[c.strip() for c in row.split("|")[1:-1]] for row in table[1:]]
    for sid in scenario_ids:
        assert any(r[0].startswith(sid) for r in rows), f"no {sid} row in\n{out}"
    for cells in rows:
        assert len(cells) == 8
        assert cells[-1].split()[0] in ("pass", "FAIL")
        float(cells[2].split()[0])  # "ours" is a number (seconds, or MB for memory)
    assert "size: tiny" in out
    return rows


def test_tiny_benchmark_run_prints_the_table(tmp_path):
    out = _tiny_run(tmp_path / "work")
    _table_rows(out, SCENARIO_IDS)
    assert "backend: SQLite" in out


def test_tiny_benchmark_run_on_postgresql(tmp_path):
    """P1-P3 and the GUI probe on a throwaway server, baselines (COPY, raw SQL) on the
    same server; the SQLite-only scenarios (P4, P5) are left out.  A second run finds
    the kept cluster and its registers and starts it again."""
    from tests.pgserver import find_bin_dir, skip_if_declined

    skip_if_declined()
    assert find_bin_dir() is not None, "PostgreSQL is required (set RISK_TRACKER_NO_PG=1 to skip)"
    import shutil

    from tests.perf.backends import _cluster_folder

    work = tmp_path / "work"
    try:
        out = _tiny_run(work, "--backend", "postgresql", "--only", "P1,P2,P3")
        rows = _table_rows(out, ("P1", "P2", "P3"))
        assert "backend: PostgreSQL" in out
        assert any("COPY into the real event table" in r[0] for r in rows)
        assert not any(r[0].startswith(("P4", "P5")) for r in rows)
        assert "generated p3_" in out
        again = _tiny_run(work, "--backend", "postgresql", "--only", "P3")
        _table_rows(again, ("P3",))
        assert "generated" not in again  # the register database was kept with the cluster
    finally:
        shutil.rmtree(_cluster_folder(work.absolute()), ignore_errors=True)  # may be in /tmp


def test_gui_probe_reports_first_paint_sort_and_filter(tmp_path):
    path = tmp_path / "probe.db"
    reg = open_register(path)
    try:
        generate(
            reg,
            stakeholders=5,
            partnerships=2,
            risks=5,
            events=450,
            seed=2,
            today=dt.date(2026, 11, 1),
        )
    finally:
        reg.dispose()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.perf.gui_probe",
            "--db",
            str(path),
            "--view",
            "events",
            "--sort",
            "title",
            "--search",
            "protest",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert 0 < result["first_paint"] < 300
    assert result["rows_shown"] > 0
    assert result["sort_by"] == ["title", False]
    assert result["sort_changed_rows"] is True
    # the filter went through the search box to the model: only matching rows are left
    assert 0 < result["filter_rows"] < 450
    assert "protest" in result["filter_first_title"].lower()
    assert result["peak_rss_mb"] > 10


# --------------------------------------------------------------------------- db.synthetic


def _dump(register) -> dict[str, list[tuple]]:
    """Every table's rows (audit hashes included), in key order."""
    from db.models import SQLModel

    out: dict[str, list[tuple]] = {}
    with register.session() as s:
        for name, table in sorted(SQLModel.metadata.tables.items()):
            if name in ("alembic_version", "app_meta"):
                continue
            cols = list(table.columns)
            keys = list(table.primary_key.columns) or cols
            out[name] = [tuple(r) for r in s.execute(select(*cols).order_by(*keys))]
    return out


def test_synthetic_register_is_what_the_orm_path_writes(tmp_path):
    today = dt.date(2026, 11, 1)
    reg = open_register(tmp_path / "a.db")
    try:
        counts = generate(
            reg,
            stakeholders=8,
            partnerships=4,
            risks=12,
            events=60,
            risk_updates=40,
            seed=9,
            today=today,
        )
        assert (counts.stakeholders, counts.partnerships, counts.risks, counts.events) == (
            8,
            4,
            12,
            60,
        )
        assert counts.audit_entries == 8 + 4 + 12 + 60 + 40
        with reg.session() as s:
            assert audit.verify_chain(s) == []
            entries: dict[tuple[str, str], list[AuditEntry]] = {}
            for e in audit.history(s):
                entries.setdefault((e.entity_kind, e.entity_ref), []).append(e)
            assert len(entries) == 8 + 4 + 12 + 60
            for kind, n in (("stakeholder", 8), ("partnership", 4), ("risk", 12), ("event", 60)):
                spec = repository.spec(kind)
                records = list(s.execute(select(spec.table).order_by(spec.table.id)).scalars())
                assert len(records) == n
                counter = s.execute(
                    select(RefCounter.next_number).where(
                        RefCounter.prefix == records[0].ref.split("-")[0]
                    )
                ).scalar()
                assert counter == n + 1
                for record in records:
                    values = repository.values(s, kind, record)
                    history = entries[(kind, record.ref)]
                    # the first entry made the record and says what the ORM's create says
                    first = audit.parse_changes(history[0])
                    if kind != "risk" or len(history) == 1:
                        assert first == {
                            k: [None, v] for k, v in values.items() if v not in (None, [], "")
                        }
                    # every later entry (score history) replays onto the first to today's values
                    state = {k: v[1] for k, v in first.items()}
                    for later in history[1:]:
                        assert later.action == "update"
                        for field, (old, new) in audit.parse_changes(later).items():
                            assert state[field] == old
                            state[field] = new
                    assert state == {k: v for k, v in values.items() if v not in (None, [], "")}
                    # and the record passes the Create model's rules, links included
                    data = {f: getattr(record, f) for f in repository.user_fields(kind)}
                    data.update(repository.link_ids(s, kind, record.id))
                    repository.validated(spec.create, data)
        first_dump = _dump(reg)
    finally:
        reg.dispose()
    again = open_register(tmp_path / "b.db")
    try:
        generate(
            again,
            stakeholders=8,
            partnerships=4,
            risks=12,
            events=60,
            risk_updates=40,
            seed=9,
            today=today,
        )
        assert (
            _dump(again) == first_dump
        )  # deterministic: same seed, same register, same audit chain
    finally:
        again.dispose()


# --------------------------------------------------------------------------- start-up


def test_head_revision_is_read_from_the_revision_files():
    assert migrations.head_from_files() == migrations.head_revision()


def test_opening_a_current_register_does_not_import_alembic(tmp_path):
    path = tmp_path / "r.db"
    open_register(path).dispose()  # created (and stamped) here, with Alembic
    code = (
        "import sys; from db.engine import open_register; "
        f"open_register({str(path)!r}).dispose(); print('alembic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
