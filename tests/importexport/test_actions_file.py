"""The ``actions`` file: the same rules as every other kind (PRODUCT.md "File formats"),
with the action's own fields at their edges."""

from __future__ import annotations

import datetime as dt

import pytest

from db.errors import ValidationFailed
from db.importexport import column_names, export_file, import_file
from tests.importexport.helpers import (
    all_values,
    audit_rows,
    counts,
    read_rows,
    seed,
    write_csv,
    write_xlsx,
)

HEADER = ["title", "risks", "owner", "due_on", "status", "expected_likelihood", "expected_impact"]


def test_the_columns_are_the_field_names_in_export_order():
    assert column_names("actions") == [
        "ref",
        "title",
        "risks",
        "owner",
        "due_on",
        "status",
        "expected_likelihood",
        "expected_impact",
        "classification",
        "notes",
        "id",
        "version",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_bad_rows_are_all_reported_and_nothing_is_written(register, tmp_path, ext):
    seed(register)
    before_counts, before_audit = counts(register), audit_rows(register)
    rows = [
        ["Fine action", "R-001", "Ann", "2026-03-01", "planned", 1, 5],  # row 2
        ["No risk named", "", "Bob", "", "", "", ""],  # row 3
        ["Past the scale", "R-001", "", "", "in progress", 6, 0],  # row 4
        ["Unknown status", "R-001", "", "", "cancelled", "", ""],  # row 5
        ["Unknown risk", "R-404", "", "2026-02-30", "", "", ""],  # row 6
        ["x", "R-002", "", "", "done", "", ""],  # row 7
    ]
    write = write_csv if ext == "csv" else write_xlsx
    path = write(tmp_path / f"actions.{ext}", HEADER, rows)
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "actions", path, actor="t")
    errors = [str(e) for e in exc.value.errors]
    assert errors == [
        "row 3: risks: is required",
        "row 4: expected_likelihood: must be less than or equal to 5",
        "row 4: expected_impact: must be greater than or equal to 1",
        "row 5: status: must be one of planned, in_progress, done, dropped",
        "row 6: risks: no risk with ref or name 'R-404'",
        "row 6: due_on: is not a real date (YYYY-MM-DD)",
        "row 7: title: must have at least 3 characters",
    ]
    assert counts(register) == before_counts
    assert audit_rows(register) == before_audit


def test_a_good_file_creates_and_updates_with_labels_and_names(register, tmp_path):
    seed(register)  # exist
    rows = [
        # links by ref and by title, scale words, status label
        ["Count cancellations", "R-001; Customer cancellations", "", "2026-04-01", "In progress"]
        + ["Rare", "severe"],
        ["Every status: done", "r-2", "", "", "done", 5, 1],
        ["Every status: dropped", "R-002", "", "", "DROPPED", "", ""],
    ]
    path = write_csv(tmp_path / "actions.csv", HEADER, rows)
    result = import_file(register, "actions", path, actor="t")
    assert (result.created, result.updated) == (3, 0)
    values = all_values(register, "action")
    assert values["A-003"] == {
        "title": "Count cancellations",
        "risks": ["R-001", "R-002"],
        "owner": None,
        "due_on": "2026-04-01",
        "status": "in_progress",
        "expected_likelihood": 1,
        "expected_impact": 5,
        "classification": "UNCLASSIFIED",
        "notes": None,
    }
    assert values["A-004"]["status"] == "done"
    assert values["A-005"]["status"] == "dropped"
    # a ref already in the register updates that record; blank link cell on an update
    # would empty a required link, so it is refused
    update = write_csv(tmp_path / "u.csv", ["ref", "status", "risks"], [["A-002", "done", "R-002"]])
    assert import_file(register, "actions", update, actor="t").updated == 1
    assert all_values(register, "action")["A-002"]["risks"] == ["R-002"]
    emptied = write_csv(tmp_path / "e.csv", ["ref", "risks"], [["A-002", ""]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "actions", emptied, actor="t")
    assert [str(e) for e in exc.value.errors] == ["row 2: risks: must name at least one"]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_export_writes_risks_by_ref_and_dates_as_iso(register, tmp_path, ext):
    seed(register)
    path = tmp_path / f"actions.{ext}"
    assert export_file(register, "actions", path) == 2
    first, second = read_rows(path)
    assert first["ref"] == "A-001"
    assert first["risks"] == "R-001;R-002"
    assert str(first["due_on"])[:10] == dt.date(2026, 3, 1).isoformat()
    assert first["owner"] == "'=Head of Communications"  # neutralised, as everywhere
    assert str(first["expected_likelihood"]) == "2"
    assert second["risks"] == "R-001" and second["status"] == "planned"


def test_the_command_line_imports_and_exports_actions(tmp_path, capsys):
    from desktop.cli import main

    db = tmp_path / "r.db"
    risks = write_csv(tmp_path / "risks.csv", ["title"], [["First risk"], ["Second risk"]])
    assert main(["import", "risks", str(risks), "--db", str(db)]) == 0
    bad_rows = [["No risk", "", "", "", "", "", ""], ["Too big", "R-002", "", "", "", 1, 6]]
    bad = write_csv(tmp_path / "bad.csv", HEADER, [["Fine", "R-001", "", "", "", 5, 1], *bad_rows])
    capsys.readouterr()
    assert main(["import", "actions", str(bad), "--db", str(db)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "row 3: risks: is required",
        "row 4: expected_impact: must be less than or equal to 5",
    ]
    good = write_csv(
        tmp_path / "good.csv", HEADER, [["Fine", "R-001;Second risk", "", "", "", 5, 1]]
    )
    assert main(["import", "actions", str(good), "--db", str(db), "--dry-run"]) == 0
    assert main(["import", "actions", str(good), "--db", str(db)]) == 0
    out = tmp_path / "actions.xlsx"
    assert main(["export", "actions", "--db", str(db), "--out", str(out)]) == 0
    (row,) = read_rows(out)
    assert (row["ref"], row["risks"], row["expected_likelihood"]) == ("A-001", "R-001;R-002", 5)
