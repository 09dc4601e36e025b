"""The risk owner's commentary through files (SQLite): the three columns of the file
contract round-trip, a bulk import writes each commentary with its own audit entry,
and taking the import back and putting it back again keeps the commentary; the
records equal the audit trail's replay throughout."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from db import audit, bulk, repository
from db.classification import DEFAULT_LEVEL
from db.importexport.exporter import export_file
from db.importexport.importer import import_file
from desktop.services.integrity import record_differences
from tests.importexport.helpers import fresh_register
from tests.teamsetup import commented_risk

SAID_ON = dt.date(2026, 9, 14)


def _risks(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _commentaries(register: object) -> dict[str, tuple[object, ...]]:
    with register.session() as s:  # type: ignore[attr-defined]
        out = {}
        for ref in ("R-001", "R-002", "R-003"):
            risk = repository.get_by_ref(s, "risk", ref)
            out[ref] = (risk.commentary, risk.commentary_on, risk.commentary_classification)
        return out


def test_commentaries_round_trip_through_a_file_and_an_undone_import(tmp_path: Path) -> None:
    source = fresh_register(tmp_path / "source.db")
    with source.write() as s:
        repository.create(
            s,
            "risk",
            {
                "title": "Said and marked",
                "commentary": "The owner's view, in full",
                "commentary_on": SAID_ON,
                "commentary_classification": "CONFIDENTIAL",
            },
            actor="t",
        )
        repository.create(s, "risk", {"title": "Said plainly", "commentary": "Plain"}, actor="t")
        repository.create(s, "risk", {"title": "Nothing said"}, actor="t")
    out = tmp_path / "risks.csv"
    assert export_file(source, "risks", out) == 3
    rows = {r["title"]: r for r in _risks(out)}
    assert rows["Said and marked"]["commentary"] == "The owner's view, in full"
    assert rows["Said and marked"]["commentary_on"] == SAID_ON.isoformat()
    assert rows["Said and marked"]["commentary_classification"] == "CONFIDENTIAL"
    assert rows["Nothing said"]["commentary"] == ""
    expected = _commentaries(source)
    source.dispose()

    target = fresh_register(tmp_path / "target.db")
    try:
        result = import_file(target, "risks", out, actor="t")
        assert result.created == 3
        assert _commentaries(target) == expected
        with target.session() as s:
            entries = audit.history(s, kind="risk", ref="R-001")
            # the import's entry, then the commentary's own: never one entry for both
            assert [e.action for e in entries] == ["import", "update"]
            assert "commentary" not in entries[0].changes
            assert set(audit.parse_changes(entries[1])) == {
                "commentary",
                "commentary_on",
                "commentary_classification",
            }
            assert record_differences(s) == []
        with target.write() as s:  # take the import back, then put it back (undo, redo)
            snaps = bulk.delete_by_refs(s, "risk", ["R-001", "R-002", "R-003"], actor="t")
        with target.session() as s:
            assert repository.count(s, "risk") == 0
            assert record_differences(s) == []
        with target.write() as s:
            bulk.restore_many(s, "risk", snaps, actor="t")
        assert _commentaries(target) == expected
        with target.session() as s:
            assert record_differences(s) == []
            assert audit.verify_chain(s) == []
    finally:
        target.dispose()


def test_a_deleted_risk_comes_back_with_its_commentary(tmp_path: Path) -> None:
    register = fresh_register(tmp_path / "undo.db")
    try:
        with register.write() as s:
            risk = commented_risk(
                s,
                "Deleted then undone",
                "Still said",
                level=DEFAULT_LEVEL,
                said_on=SAID_ON,
                actor="t",
            )
            snap = repository.delete(s, "risk", risk.id, actor="t")
            entries = audit.history(s, kind="risk", ref=risk.ref)
            # the commentary goes in its own entry, just before the risk's delete
            assert [e.action for e in entries][-2:] == ["update", "delete"]
            back = repository.restore(s, "risk", snap, actor="t")
            assert (back.commentary, back.commentary_on) == ("Still said", SAID_ON)
        with register.session() as s:
            assert record_differences(s) == []
    finally:
        register.dispose()
