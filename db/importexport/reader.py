"""Reading a CSV or XLSX file into a header and its rows, numbered as a spreadsheet numbers them.

* CSV: UTF-8 (a byte-order mark is accepted), comma-separated, ``csv`` module quoting;
  a value may span several lines inside quotes and is still one row.  Read strictly:
  a quote that is never closed (or text right after a closing quote), a row with
  more non-empty cells than the header and NUL bytes are ``row N`` errors, never
  guessed at (a lenient reader would swallow every later row into one cell).
* XLSX: the first sheet, read in openpyxl's read-only mode (large files stream);
  formulas give their last computed value; ``_xHHHH_`` escapes are decoded.  The
  work is bounded before and while reading (``XLSX_*`` below): the unpacked size of
  the zip's members, the rows, the columns and the length of a cell.

Row numbers count as a spreadsheet does: the header is row 1.  Entirely empty rows
are skipped but still counted, so ``row N`` in an error is the row the user sees.
Cells keep their type (XLSX numbers stay numbers, dates become ``datetime``); text
cells are returned as they are (formula neutralisation is undone by the importer).
"""

from __future__ import annotations

import csv
import sys
import zipfile
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from db.errors import Cancelled, FieldError, RegisterError, ValidationFailed
from db.importexport.neutralise import xlsx_unescape
from db.importexport.progress import Cancel

SUFFIXES = (".csv", ".xlsx")
# A 10,000-character note, quoted, is far below this; it only stops runaway files.
csv.field_size_limit(min(sys.maxsize, 16 * 1024 * 1024))

# XLSX bounds: far above a real register's export (100,000 events unpack to well
# under 100 MB), far below what would take minutes or gigabytes.
XLSX_MAX_UNPACKED = 512 * 1024 * 1024  # bytes, all members of the zip together
XLSX_MAX_SHARED_STRINGS = 128 * 1024 * 1024  # bytes: openpyxl holds this table in memory
XLSX_MAX_ROWS = 250_000  # spreadsheet rows, header and empty rows included
XLSX_MAX_COLUMNS = 1_000
XLSX_MAX_CELL = 32_767  # characters: Excel's own limit for a cell


@dataclass
class Table:
    header: list[Any]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number, cells)


def file_format(path: Path) -> str:
    """``"csv"`` or ``"xlsx"`` from the extension; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise RegisterError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use a .csv or .xlsx file"
        )
    return suffix[1:]


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_table(path: str | Path, *, cancel: Cancel | None = None) -> Table:
    path = Path(path)
    fmt = file_format(path)
    if not path.exists():
        raise RegisterError(f"{path}: no such file")
    if path.is_dir():
        raise RegisterError(f"{path} is a folder, not a file")
    try:
        table = _read_csv(path, cancel) if fmt == "csv" else _read_xlsx(path, cancel)
    except PermissionError:
        raise RegisterError(f"{path}: permission denied") from None
    if table is None:
        raise RegisterError(f"{path.name} is empty: it needs a header row")
    return table


def _check(cancel: Cancel | None, n: int) -> None:
    if cancel is not None and n % 2048 == 0 and cancel():
        raise Cancelled("import cancelled; nothing was written")


def _has_nul(path: Path) -> bool:
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            if b"\x00" in block:
                return True
    return False


def _row_errors(table: Table, nul: bool) -> list[FieldError]:
    """NUL bytes and cells beyond the header's width (unless empty), row by row."""
    errors: list[FieldError] = []
    width = len(table.header)
    if nul and any("\x00" in c for c in table.header):
        errors.append(FieldError("", "contains a NUL byte (the file is damaged or not text)", 1))
    for number, cells in table.rows:
        if nul and any("\x00" in c for c in cells):
            errors.append(
                FieldError("", "contains a NUL byte (the file is damaged or not text)", number)
            )
        if len(cells) > width and not _blank(cells[width:]):
            errors.append(
                FieldError(
                    "",
                    f"has {len(cells)} cells but the header has {width} columns "
                    "(a value with a comma needs quotes)",
                    number,
                )
            )
    return errors


def _csv_error_row(path: Path) -> int:
    """The row (header = 1) on which strict CSV reading fails."""
    number = 0
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            for _cells in reader:
                number += 1
        except csv.Error:
            pass
    return number + 1


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return (
            'a quoted value starts on this row and its closing " is missing '
            "(every later row would be read into it)"
        )
    if "expected after" in text:
        return 'text after a closing quote (a " inside a quoted value is written "")'
    return f"not readable as CSV ({text})"


def _read_csv(path: Path, cancel: Cancel | None) -> Table | None:
    nul = _has_nul(path)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                return None
            table = Table(header=list(header))
            rows = table.rows
            number = 2  # of the next row
            while True:
                if cancel is not None and cancel():
                    raise Cancelled("import cancelled; nothing was written")
                chunk = list(islice(reader, 4096))
                if not chunk:
                    break
                rows.extend(
                    (n, cells)
                    for n, cells in enumerate(chunk, number)
                    if cells and (cells[0].strip() or not _blank(cells))
                )
                number += len(chunk)
    except UnicodeDecodeError as exc:
        raise RegisterError(
            f"{path.name} is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'"
        ) from None
    except csv.Error as exc:
        raise ValidationFailed([FieldError("", _csv_reason(exc), _csv_error_row(path))]) from None
    errors = _row_errors(table, nul)
    if errors:
        raise ValidationFailed(errors)
    return table


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def _check_zip(path: Path) -> None:
    """Refuse, before anything is unpacked, a workbook that unpacks to too much.

    The sizes are the ones the zip declares; ``zipfile`` never inflates a member
    beyond its declared size (it stops there and reports a damaged file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        if isinstance(exc, PermissionError):
            raise
        raise RegisterError(f"{path.name} is not a readable .xlsx workbook") from None
    total = sum(m.file_size for m in members)
    if total > XLSX_MAX_UNPACKED:
        raise RegisterError(
            f"{path.name} unpacks to {_mib(total)}, more than the {_mib(XLSX_MAX_UNPACKED)} "
            "an import reads; it is not a register file (split it or save it as CSV)"
        )
    for m in members:
        if m.filename.lower().endswith("sharedstrings.xml") and (
            m.file_size > XLSX_MAX_SHARED_STRINGS
        ):
            raise RegisterError(
                f"{path.name}: its table of texts unpacks to {_mib(m.file_size)}, more than "
                f"the {_mib(XLSX_MAX_SHARED_STRINGS)} an import reads"
            )


_ROW_TAGS = (b"<row", b":row ", b":row>")


def _count_row_tags(source: Any, cancel: Cancel | None) -> int:
    """How many ``<row>`` elements a sheet's XML holds, counted on the raw bytes
    (a tenth of a second for a million, where parsing them takes half a minute)."""
    count = 0
    tail = b""
    while block := source.read(1 << 20):
        if cancel is not None and cancel():
            raise Cancelled("import cancelled; nothing was written")
        both = tail + block
        count += sum(both.count(t) for t in _ROW_TAGS) - sum(tail.count(t) for t in _ROW_TAGS)
        tail = both[-5:]
    return count


def _too_many_rows(path: Path) -> RegisterError:
    return RegisterError(
        f"{path.name} has more than {XLSX_MAX_ROWS:,} rows (empty or formatted rows count "
        "too); an import reads at most that many"
    )


def _read_xlsx(path: Path, cancel: Cancel | None) -> Table | None:
    _check_zip(path)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, PermissionError):
            raise
        raise RegisterError(f"{path.name} is not a readable .xlsx workbook") from None
    try:
        if not workbook.worksheets:
            return None
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers record a wrong sheet size
        if hasattr(sheet, "_get_source"):  # read-only mode: the sheet's raw XML
            with sheet._get_source() as source:
                if _count_row_tags(source, cancel) > XLSX_MAX_ROWS:
                    raise _too_many_rows(path)
        table: Table | None = None
        errors: list[FieldError] = []
        number = 0
        for values in sheet.iter_rows(values_only=True):
            number += 1
            _check(cancel, number)
            if number > XLSX_MAX_ROWS:  # rows the sheet skips count too
                raise _too_many_rows(path)
            if len(values) > XLSX_MAX_COLUMNS:  # filled or formatted cells that far right
                raise RegisterError(
                    f"{path.name}: row {number} reaches column {len(values):,}; "
                    f"an import reads at most {XLSX_MAX_COLUMNS:,} columns"
                )
            for v in values:
                if isinstance(v, str) and len(v) > XLSX_MAX_CELL:
                    errors.append(
                        FieldError(
                            "",
                            f"a cell holds {len(v):,} characters; "
                            f"a cell holds at most {XLSX_MAX_CELL:,}",
                            number,
                        )
                    )
                    break
            cells = [xlsx_unescape(v) if isinstance(v, str) else v for v in values]
            if table is None:
                if _blank(cells):
                    continue  # leading empty rows before the header
                table = Table(header=cells)
                continue
            if _blank(cells):
                continue
            table.rows.append((number, cells))
        if errors:
            raise ValidationFailed(errors)
        return table
    except (zipfile.BadZipFile, ParseError, EOFError):  # a member that lies about its size
        raise RegisterError(f"{path.name} is not a readable .xlsx workbook") from None
    finally:
        workbook.close()
