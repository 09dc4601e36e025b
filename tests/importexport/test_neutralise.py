"""Formula neutralisation: what a spreadsheet sees, and its exact reversal on import."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from db.importexport import export_file, import_file
from db.importexport.neutralise import neutralise, restore, xlsx_escape, xlsx_unescape
from tests.importexport.helpers import all_values, write_csv

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\n"]


def test_the_rule():
    for t in TRIGGERS:
        assert neutralise(t + "1+1") == "'" + t + "1+1"
    assert neutralise("'=1") == "''=1"
    assert neutralise("'plain") == "''plain"
    assert neutralise("plain =1") == "plain =1"
    assert neutralise("") == ""
    assert restore("'=1+1") == "=1+1"
    assert restore("''=1") == "'=1"
    assert restore("'plain") == "'plain"  # a hand-made apostrophe stays
    assert restore("'") == "'"


@given(st.text())
def test_restore_undoes_neutralise(text):
    assert restore(neutralise(text)) == text
    if text[:1] in TRIGGERS:
        assert neutralise(text).startswith("'")


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_xlsx_escaping_round_trips(text):
    escaped = xlsx_escape(text)
    assert xlsx_unescape(escaped) == text
    assert "\r" not in escaped and "\x1b" not in escaped


def _hostile_event_rows():
    return [
        ["2026-03-01", "=1+1", '=HYPERLINK("http://evil.example","x")', "-5", "+cmd|' /C calc'!A0"],
        ["2026-03-02", "@SUM(A1)", "\t=1+1", "-2.5", "'=already quoted"],
    ]


def _seed_hostile(register, tmp_path):
    # the input is what a user could have typed: neutralise it the way export would
    rows = [
        [r[0], neutralise(r[1]), neutralise(r[2]), r[3], neutralise(r[4])]
        for r in _hostile_event_rows()
    ]
    path = write_csv(
        tmp_path / "in.csv",
        ["occurred_on", "title", "summary", "metric_value", "reach_basis"],
        rows,
    )
    import_file(register, "events", path, actor="t")


def test_csv_cells_are_neutralised_and_numbers_are_not(register, tmp_path):
    _seed_hostile(register, tmp_path)
    stored = all_values(register, "event")
    assert stored["E-0001"]["title"] == "=1+1"
    assert stored["E-0002"]["summary"] == "=1+1"  # trimmed by the model, otherwise literal
    assert stored["E-0002"]["reach_basis"] == "'=already quoted"
    export_file(register, "events", tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["title"] == "'=1+1"
    assert rows[0]["summary"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[0]["reach_basis"] == "'+cmd|' /C calc'!A0"
    assert rows[1]["title"] == "'@SUM(A1)"
    assert rows[1]["reach_basis"] == "''=already quoted"
    assert rows[0]["metric_value"] == "-5.0" and rows[1]["metric_value"] == "-2.5"
    for row in rows:
        for value in row.values():
            assert value[:1] not in TRIGGERS or _is_number(value), value


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_xlsx_cells_are_strings_never_formulas_and_numbers_are_numeric(register, tmp_path):
    from openpyxl import load_workbook

    _seed_hostile(register, tmp_path)
    export_file(register, "events", tmp_path / "out.xlsx")
    sheet = load_workbook(tmp_path / "out.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    col = {name: i for i, name in enumerate(header)}
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    row2 = sheet[2]
    assert row2[col["title"]].data_type == "s" and row2[col["title"]].value == "'=1+1"
    assert row2[col["summary"]].value.startswith("'=HYPERLINK")
    assert row2[col["metric_value"]].data_type == "n" and row2[col["metric_value"]].value == -5
    assert row2[col["severity"]].data_type == "n" and row2[col["severity"]].value == 3
    assert row2[col["sentiment"]].value == 0
    assert row2[col["occurred_on"]].is_date
    row3 = sheet[3]
    assert row3[col["title"]].value == "'@SUM(A1)"
    assert row3[col["reach_basis"]].value == "''=already quoted"
    # and it reads back literally
    second = tmp_path / "second.db"
    from db.engine import open_register

    other = open_register(second)
    try:
        import_file(other, "events", tmp_path / "out.xlsx", actor="t")
        assert all_values(other, "event") == all_values(register, "event")
    finally:
        other.dispose()
