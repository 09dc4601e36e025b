"""Import and export on both backends (QUALITY.md R7): SQLite and a real PostgreSQL server."""

from __future__ import annotations

import pytest

from db.errors import ValidationFailed
from db.importexport import export_file, import_file
from tests.importexport.helpers import (
    KINDS,
    all_values,
    audit_rows,
    counts,
    fresh_register,
    read_rows,
    seed,
    without_bookkeeping,
    write_csv,
)


def test_round_trip_and_bulk_links(any_register, tmp_path):
    register = any_register
    seed(register)
    copy = fresh_register(tmp_path / "copy.db")
    try:
        for kind in KINDS:
            path = tmp_path / f"{kind}.xlsx"
            export_file(register, kind, path)
            import_file(copy, kind, path, actor="t")
            again = tmp_path / f"{kind}-again.xlsx"
            export_file(copy, kind, again)
            assert without_bookkeeping(read_rows(path)) == without_bookkeeping(read_rows(again))
            assert all_values(copy, kind) == all_values(register, kind)
    finally:
        copy.dispose()
    path = write_csv(
        tmp_path / "e.csv",
        ["ref", "occurred_on", "title", "responds_to", "risks", "stakeholder"],
        [
            ["E-0100", "2026-03-02", "Reply to the reply", "E-0101", "R-001;R-002", "NATO"],
            ["E-0101", "2026-03-01", "Reply", "E-0001", "", "S-001"],
            ["", "2026-03-03", "Another", "E-0100", "Customer cancellations", ""],
        ],
    )
    result = import_file(register, "events", path, actor="t")
    assert result.created_refs == ["E-0100", "E-0101", "E-0102"]
    values = all_values(register, "event")
    assert values["E-0100"]["responds_to"] == "E-0101" and values["E-0100"]["risks"] == [
        "R-001",
        "R-002",
    ]
    assert (
        values["E-0101"]["responds_to"] == "E-0001" and values["E-0101"]["stakeholder"] == "S-001"
    )
    assert values["E-0102"]["responds_to"] == "E-0100" and values["E-0102"]["risks"] == ["R-002"]


def test_all_or_nothing(any_register, tmp_path):
    register = any_register
    seed(register)
    before = (counts(register), audit_rows(register))
    path = write_csv(
        tmp_path / "s.csv", ["name", "influence"], [["Fine", "2"], ["Bad", "6"], ["Fine too", "1"]]
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "stakeholders", path, actor="t")
    assert [e.row for e in exc.value.errors] == [3]
    assert (counts(register), audit_rows(register)) == before
