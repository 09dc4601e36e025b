"""Strict, bounded file input (issue 12, part 3): malformed CSV, values no backend can
hold, XLSX bombs and giant sheets, bounded error lists and loops of responses.

Each limit is tested at its boundary: the limit itself is read, one more is refused.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from db import limits, repository
from db.errors import SHOWN_ERRORS, RegisterError, ValidationFailed, shown_errors
from db.importexport import import_file
from db.importexport import reader as reader_module
from db.importexport.links import REF_NUMBER_MAX
from db.importexport.reader import XLSX_MAX_CELL, XLSX_MAX_COLUMNS, read_table
from db.limits import INT32_MAX, INT64_MAX
from db.models import EventCreate, EventUpdate, StakeholderCreate
from tests.importexport.helpers import all_values, counts, write_csv, write_xlsx
from tests.importexport.hostile_xlsx import (
    bomb_xlsx,
    empty_rows_xlsx,
    header_xml,
    sheet_xlsx,
)

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-01-05"


def _messages(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [str(e) for e in exc.value.errors]


def _raw_csv(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- CSV


def test_an_unterminated_quote_is_refused_and_does_not_hide_later_rows(register, tmp_path):
    # A lenient reader reads rows 3 and 4 (and their classifications) into row 2's
    # notes: a SECRET record would arrive hidden inside a PUBLIC one.
    path = _raw_csv(
        tmp_path / "e.csv",
        "title,occurred_on,classification,notes\n"
        'Public note,2026-01-02,PUBLIC,"starts a quote\n'
        "Secret plan,2026-01-03,SECRET,x\n"
        "Another one,2026-01-04,CONFIDENTIAL,y\n",
    )
    for dry_run in (True, False):
        with pytest.raises(ValidationFailed) as exc:
            import_file(register, "events", path, actor="t", dry_run=dry_run)
        assert _messages(exc) == [
            'row 2: a quoted value starts on this row and its closing " is missing '
            "(every later row would be read into it)"
        ]
    assert counts(register)["event"] == 0


def test_the_row_of_a_csv_fault_counts_multi_line_values_as_one_row(register, tmp_path):
    path = _raw_csv(
        tmp_path / "e.csv",
        "title,occurred_on,notes\n"
        'First,2026-01-02,"two\nlines"\n'
        'Second,2026-01-03,"closed" and more\n',
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    assert _messages(exc) == [
        'row 3: text after a closing quote (a " inside a quoted value is written "")'
    ]
    assert counts(register)["event"] == 0


def test_a_row_with_more_cells_than_the_header_is_refused_at_the_boundary(register, tmp_path):
    path = _raw_csv(
        tmp_path / "e.csv",
        "title,occurred_on\n"
        f"Exactly two,{DAY}\n"  # as wide as the header: read
        f"Trailing empty,{DAY},,\n"  # wider, but the extra cells are empty: nothing lost
        f"One too many,{DAY},SECRET\n"
        f"Quoted, comma,{DAY}\n",
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    assert _messages(exc) == [
        "row 4: has 3 cells but the header has 2 columns (a value with a comma needs quotes)",
        "row 5: has 3 cells but the header has 2 columns (a value with a comma needs quotes)",
    ]
    assert counts(register)["event"] == 0
    good = _raw_csv(
        tmp_path / "good.csv", f"title,occurred_on\nExactly two,{DAY}\nTrailing empty,{DAY},,\n"
    )
    assert import_file(register, "events", good, actor="t").created == 2


def test_nul_bytes_in_a_csv_are_row_errors(register, tmp_path):
    path = _raw_csv(
        tmp_path / "e.csv",
        "title,occurred_on,notes\n"
        f'Clean,{DAY},"two\nlines"\n'
        f"Dirty\x00title,{DAY},\n"
        f"Also clean,{DAY},\n"
        f"Dirty notes,{DAY},a\x00b\n",
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t", dry_run=True)
    assert _messages(exc) == [
        "row 3: contains a NUL byte (the file is damaged or not text)",
        "row 5: contains a NUL byte (the file is damaged or not text)",
    ]
    with pytest.raises(ValidationFailed):
        import_file(register, "events", path, actor="t")
    assert counts(register)["event"] == 0


# --------------------------------------------------------------------------- values the database holds


def test_whole_numbers_are_held_up_to_the_registers_column_size(any_register, tmp_path):
    # PostgreSQL keeps whole numbers in 32 bits, SQLite in 64: the models allow 64
    # bits, and the register's own limit is a row error, never a server error.
    register = any_register
    postgres = register.engine.dialect.name == "postgresql"
    limit = INT32_MAX if postgres else INT64_MAX
    assert limits.int_max_of(register.engine) == limit
    big = write_csv(
        tmp_path / "big.csv",
        ["title", "occurred_on", "reach"],
        [["Fits", DAY, str(limit)], ["Too big", DAY, str(limit + 1)], ["Huge", DAY, "9" * 30]],
    )
    over = (
        f"is too large for this register (at most {limit:,})"
        if postgres
        else ("is too large a number")
    )
    for dry_run in (True, False):
        with pytest.raises(ValidationFailed) as exc:
            import_file(register, "events", big, actor="t", dry_run=dry_run)
        assert _messages(exc) == [f"row 3: reach: {over}", "row 4: reach: is too large a number"]
    assert counts(register)["event"] == 0
    fits = write_csv(
        tmp_path / "fits.csv", ["title", "occurred_on", "reach"], [["Fits", DAY, str(limit)]]
    )
    import_file(register, "events", fits, actor="t")
    assert all_values(register, "event")["E-0001"]["reach"] == limit
    # an update row is checked the same way
    update = write_csv(tmp_path / "u.csv", ["ref", "reach"], [["E-0001", str(limit + 1)]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", update, actor="t", dry_run=True)
    assert _messages(exc) == [f"row 2: reach: {over}"]
    # forms and services save through the repository: the same limit, as a field error
    with register.write() as s:
        event = repository.get_by_ref(s, "event", "E-0001")
        with pytest.raises(ValidationFailed) as exc:
            repository.update(s, "event", event.id, {"reach": limit + 1}, actor="t")
        assert [(e.field, e.row) for e in exc.value.errors] == [("reach", None)]
        with pytest.raises(ValidationFailed):
            repository.create(
                s, "event", {"title": "Too big", "occurred_on": DAY, "reach": limit + 1}, actor="t"
            )
    # the 64-bit bound every backend shares is the model's, which the forms validate with
    EventCreate(title="Fits", occurred_on=dt.date(2026, 1, 5), reach=INT64_MAX)
    with pytest.raises(ValueError):
        EventCreate(title="Too big", occurred_on=dt.date(2026, 1, 5), reach=INT64_MAX + 1)
    with pytest.raises(ValueError):
        EventUpdate(reach=INT64_MAX + 1)


def test_a_ref_number_is_held_up_to_the_counters_32_bits(any_register, tmp_path):
    register = any_register
    assert REF_NUMBER_MAX == INT32_MAX - 1  # the counter keeps the next number
    too_big = write_csv(
        tmp_path / "r.csv",
        ["ref", "title", "occurred_on"],
        [[f"E-{REF_NUMBER_MAX + 1}", "One too far", DAY], ["E-99999999999999999999", "Far", DAY]],
    )
    for dry_run in (True, False):
        with pytest.raises(ValidationFailed) as exc:
            import_file(register, "events", too_big, actor="t", dry_run=dry_run)
        assert _messages(exc) == [
            f"row 2: ref: E-{REF_NUMBER_MAX + 1} is too large (at most E-{REF_NUMBER_MAX})",
            f"row 3: ref: E-99999999999999999999 is too large (at most E-{REF_NUMBER_MAX})",
        ]
    assert counts(register)["event"] == 0
    last = write_csv(
        tmp_path / "last.csv",
        ["ref", "title", "occurred_on"],
        [[f"E-{REF_NUMBER_MAX}", "Last", DAY]],
    )
    assert import_file(register, "events", last, actor="t").created_refs == [f"E-{REF_NUMBER_MAX}"]


def test_nul_characters_in_text_are_row_errors_on_every_backend(any_register, tmp_path):
    register = any_register
    # XLSX cannot carry NUL in its XML, but its _xHHHH_ escape can spell one.
    path = write_xlsx(
        tmp_path / "nul.xlsx",
        ["name", "notes", "relationship_owner"],
        [["Clean", "fine", ""], ["Bad_x0000_name", "", ""], ["Other", "a_x0000_b", "x_x0000_"]],
    )
    for dry_run in (True, False):
        with pytest.raises(ValidationFailed) as exc:
            import_file(register, "stakeholders", path, actor="t", dry_run=dry_run)
        assert _messages(exc) == [
            "row 3: name: must not contain NUL characters",
            "row 4: relationship_owner: must not contain NUL characters",
            "row 4: notes: must not contain NUL characters",
        ]
    assert counts(register)["stakeholder"] == 0
    with pytest.raises(ValueError, match="NUL"):
        StakeholderCreate(name="a\x00b")


# --------------------------------------------------------------------------- XLSX bounds


def _events_sheet(path: Path, rows: int) -> Path:
    body = "".join(
        f'<row r="{n}"><c t="inlineStr"><is><t>Event {n}</t></is></c>'
        f'<c t="inlineStr"><is><t>{DAY}</t></is></c></row>'
        for n in range(2, rows + 1)
    )
    return sheet_xlsx(path, header_xml(["title", "occurred_on"]) + body)


def test_the_unpacked_size_of_a_workbook_is_bounded_at_the_limit(tmp_path, monkeypatch):
    import zipfile

    path = _events_sheet(tmp_path / "e.xlsx", 3)
    with zipfile.ZipFile(path) as archive:
        total = sum(m.file_size for m in archive.infolist())
    monkeypatch.setattr(reader_module, "XLSX_MAX_UNPACKED", total)
    assert len(read_table(path).rows) == 2
    monkeypatch.setattr(reader_module, "XLSX_MAX_UNPACKED", total - 1)
    with pytest.raises(RegisterError, match="unpacks to"):
        read_table(path)


def test_the_rows_of_a_sheet_are_bounded_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(reader_module, "XLSX_MAX_ROWS", 10)
    assert len(read_table(_events_sheet(tmp_path / "ten.xlsx", 10)).rows) == 9
    with pytest.raises(RegisterError, match="more than 10 rows"):
        read_table(_events_sheet(tmp_path / "eleven.xlsx", 11))
    # rows the sheet skips count as the rows a spreadsheet shows
    header = header_xml(["title", "occurred_on"])
    far = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Far away</t></is></c></row>'
    assert read_table(sheet_xlsx(tmp_path / "r10.xlsx", header + far.format(n=10))).rows == [
        (10, ["Far away"])
    ]
    with pytest.raises(RegisterError, match="more than 10 rows"):
        read_table(sheet_xlsx(tmp_path / "r11.xlsx", header + far.format(n=11)))
    # formatted empty rows count too, and are refused before openpyxl parses them
    assert read_table(empty_rows_xlsx(tmp_path / "f9.xlsx", ["title"], 9)).rows == []
    with pytest.raises(RegisterError, match="more than 10 rows"):
        read_table(empty_rows_xlsx(tmp_path / "f10.xlsx", ["title"], 10))


def test_the_columns_of_a_sheet_are_bounded_at_the_limit(tmp_path):
    def wide(name: str, column: int) -> Path:
        letter = get_column_letter(column)
        cell = f'<row r="2"><c r="{letter}2" t="inlineStr"><is><t>far</t></is></c></row>'
        return sheet_xlsx(tmp_path / name, header_xml(["title"]) + cell)

    table = read_table(wide("at.xlsx", XLSX_MAX_COLUMNS))
    assert table.rows[0][1][XLSX_MAX_COLUMNS - 1] == "far"
    with pytest.raises(RegisterError, match=f"reaches column {XLSX_MAX_COLUMNS + 1:,}"):
        read_table(wide("over.xlsx", XLSX_MAX_COLUMNS + 1))


def test_the_length_of_a_cell_is_bounded_at_the_limit(tmp_path):
    # written by hand: openpyxl itself cuts longer cells when it saves
    def cell(n: int, text: str) -> str:
        return f'<row r="{n}"><c t="inlineStr"><is><t>{text}</t></is></c></row>'

    body = cell(2, "x" * XLSX_MAX_CELL) + cell(3, "y" * (XLSX_MAX_CELL + 1))
    path = sheet_xlsx(tmp_path / "long.xlsx", header_xml(["notes"]) + body)
    with pytest.raises(ValidationFailed) as exc:
        read_table(path)
    assert _messages(exc) == [
        f"row 3: a cell holds {XLSX_MAX_CELL + 1:,} characters; "
        f"a cell holds at most {XLSX_MAX_CELL:,}"
    ]
    ok = sheet_xlsx(tmp_path / "ok.xlsx", header_xml(["notes"]) + cell(2, "x" * XLSX_MAX_CELL))
    assert len(read_table(ok).rows[0][1][0]) == XLSX_MAX_CELL


_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "desktop", *sys.argv[1:]], capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.stderr.write(done.stderr)
print(done.returncode, f"{seconds:.3f}", f"{peak:.1f}")
"""


def _measured_cli(*args: str) -> tuple[int, str, float, float]:
    """The command line run in a child of a fresh process, so that the peak memory
    (``ru_maxrss`` of the children) is that run's alone: (exit code, stderr, seconds, MB)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    code, seconds, peak = done.stdout.split()
    return int(code), done.stderr, float(seconds), float(peak)


def _existing_register(path: Path) -> str:
    from db.engine import open_register

    open_register(path).dispose()  # made beforehand: the run measured reads only the file
    return str(path)


def test_a_4_mb_xlsx_bomb_is_refused_in_seconds_within_a_few_hundred_mb(tmp_path):
    bomb = bomb_xlsx(tmp_path / "bomb.xlsx")
    assert 3.5e6 < bomb.stat().st_size < 4.5e6
    start = time.perf_counter()
    with pytest.raises(RegisterError, match="unpacks to 4,013 MB"):
        read_table(bomb)
    assert time.perf_counter() - start < 2  # nothing is inflated (about 15 ms)
    code, stderr, seconds, peak_mb = _measured_cli(
        "import", "events", str(bomb), "--db", _existing_register(tmp_path / "r.db"), "--dry-run"
    )
    print(f"\n4 MB XLSX bomb refused in {seconds:.2f} s, peak memory {peak_mb:.0f} MB")
    assert code == 1
    assert "unpacks to 4,013 MB, more than the 512 MB an import reads" in stderr
    assert "Traceback" not in stderr
    # the whole command, Python's start included; generous for a busy test machine
    assert seconds < 20 and peak_mb < 300


def test_a_million_formatted_empty_rows_are_refused_in_seconds(tmp_path):
    sheet = empty_rows_xlsx(tmp_path / "empty.xlsx", ["title", "occurred_on"], 1_000_000)
    code, stderr, seconds, peak_mb = _measured_cli(
        "import", "events", str(sheet), "--db", _existing_register(tmp_path / "r.db"), "--dry-run"
    )
    print(f"\na million formatted empty rows refused in {seconds:.2f} s, peak {peak_mb:.0f} MB")
    assert code == 1
    assert "has more than 250,000 rows" in stderr and "Traceback" not in stderr
    assert seconds < 20 and peak_mb < 300


# --------------------------------------------------------------------------- bounded error lists


def test_shown_errors_stops_at_the_limit():
    from db.errors import FieldError

    errors = [FieldError("stance", "bad", n) for n in range(2, 2 + SHOWN_ERRORS + 1)]
    assert SHOWN_ERRORS == 100
    assert shown_errors(errors[:SHOWN_ERRORS]) == (errors[:SHOWN_ERRORS], "")
    assert shown_errors(errors) == (errors[:SHOWN_ERRORS], "... and 1 more")


@pytest.mark.parametrize("bad", [SHOWN_ERRORS, SHOWN_ERRORS + 1, 5000])
def test_the_command_line_prints_the_first_100_errors_and_counts_the_rest(tmp_path, bad):
    path = write_csv(
        tmp_path / "s.csv", ["name", "stance"], [[f"Body {n}", "9"] for n in range(bad)]
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop",
            "import",
            "stakeholders",
            str(path),
            "--db",
            str(tmp_path / "r.db"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert [line.split(":", 1)[0] for line in lines[:SHOWN_ERRORS]] == [
        f"row {n}" for n in range(2, 2 + SHOWN_ERRORS)
    ]
    assert all(": stance: " in line for line in lines[:SHOWN_ERRORS])
    if bad == SHOWN_ERRORS:
        assert len(lines) == SHOWN_ERRORS
    else:
        assert lines[SHOWN_ERRORS:] == [f"... and {bad - SHOWN_ERRORS:,} more"]


# --------------------------------------------------------------------------- loops of responses


def _events(register, *responds: str | None) -> None:
    """Events E-0001, E-0002, ... in order; each may respond to an earlier one (by ref)."""
    with register.write() as s:
        for n, target in enumerate(responds, 1):
            target_id = None if target is None else repository.get_by_ref(s, "event", target).id
            repository.create(
                s,
                "event",
                EventCreate(
                    title=f"Event {n}", occurred_on=dt.date(2026, 1, 2), responds_to_id=target_id
                ),
                actor="t",
            )


def _responses(register) -> dict[str, str | None]:
    return {ref: v["responds_to"] for ref, v in all_values(register, "event").items()}


def test_loops_of_responses_within_a_file_are_refused(register, tmp_path):
    path = write_csv(
        tmp_path / "e.csv",
        ["ref", "title", "occurred_on", "responds_to"],
        [
            ["E-0001", "Event A", DAY, "E-0002"],  # A answers B answers A
            ["E-0002", "Event B", DAY, "E-0001"],
            ["E-0003", "Event C", DAY, "E-0004"],  # C -> D -> E -> C
            ["E-0004", "Event D", DAY, "E-0005"],
            ["E-0005", "Event E", DAY, "E-0003"],
            ["E-0006", "Event F", DAY, "E-0006"],  # itself
            ["E-0007", "Event G", DAY, "E-0003"],  # answers into a loop but is not on it
        ],
    )
    for dry_run in (True, False):
        with pytest.raises(ValidationFailed) as exc:
            import_file(register, "events", path, actor="t", dry_run=dry_run)
        assert _messages(exc) == [
            "row 2: responds_to: would make a loop of responses (E-0001 -> E-0002 -> E-0001)",
            "row 3: responds_to: would make a loop of responses (E-0002 -> E-0001 -> E-0002)",
            "row 4: responds_to: would make a loop of responses "
            "(E-0003 -> E-0004 -> E-0005 -> E-0003)",
            "row 5: responds_to: would make a loop of responses "
            "(E-0004 -> E-0005 -> E-0003 -> E-0004)",
            "row 6: responds_to: would make a loop of responses "
            "(E-0005 -> E-0003 -> E-0004 -> E-0005)",
            "row 7: responds_to: an event cannot respond to itself",
        ]
    assert counts(register)["event"] == 0


def test_a_file_cannot_close_a_loop_through_the_registers_events(register, tmp_path):
    _events(register, None, "E-0001", "E-0002")  # E-0003 -> E-0002 -> E-0001
    closing = write_csv(tmp_path / "e.csv", ["ref", "responds_to"], [["E-0001", "E-0003"]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", closing, actor="t")
    assert _messages(exc) == [
        "row 2: responds_to: would make a loop of responses (E-0001 -> E-0003 -> E-0002 -> E-0001)"
    ]
    # the file may also break the chain it would close: then there is no loop
    breaking = write_csv(
        tmp_path / "b.csv",
        ["ref", "responds_to"],
        [["E-0001", "E-0003"], ["E-0002", ""]],
    )
    import_file(register, "events", breaking, actor="t")
    assert _responses(register) == {"E-0001": "E-0003", "E-0002": None, "E-0003": "E-0002"}
    # a new event answering into the chain is no loop
    new = write_csv(
        tmp_path / "n.csv", ["title", "occurred_on", "responds_to"], [["New", DAY, "E-0001"]]
    )
    assert import_file(register, "events", new, actor="t").created_refs == ["E-0004"]


def test_the_repository_refuses_a_loop_of_responses(register):
    _events(register, None, "E-0001", "E-0002")
    with register.write() as s:
        first = repository.get_by_ref(s, "event", "E-0001")
        third = repository.get_by_ref(s, "event", "E-0003")
        with pytest.raises(ValidationFailed) as exc:
            repository.update(s, "event", first.id, EventUpdate(responds_to_id=third.id), actor="t")
        assert _messages(exc) == [
            "responds_to: would make a loop of responses (E-0001 -> E-0003 -> E-0002 -> E-0001)"
        ]
        with pytest.raises(ValidationFailed, match="cannot respond to itself"):
            repository.update(s, "event", first.id, EventUpdate(responds_to_id=first.id), actor="t")
