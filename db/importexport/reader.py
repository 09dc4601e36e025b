"""Reading a CSV or XLSX file into a header and its rows, numbered as a spreadsheet numbers them.

* CSV: UTF-8 (a byte-order mark is accepted), comma-separated, ``csv`` module quoting;
  a value may span several lines inside quotes and is still one row.
* XLSX: the first sheet, read in openpyxl's read-only mode (large files stream);
  formulas give their last computed value; ``_xHHHH_`` escapes are decoded.

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

from db.errors import Cancelled, RegisterError
from db.importexport.neutralise import xlsx_unescape
from db.importexport.progress import Cancel

SUFFIXES = (".csv", ".xlsx")
# A 10,000-character note, quoted, is far below this; it only stops runaway files.
csv.field_size_limit(min(sys.maxsize, 16 * 1024 * 1024))


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


def _read_csv(path: Path, cancel: Cancel | None) -> Table | None:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
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
            return table
    except UnicodeDecodeError as exc:
        raise RegisterError(
            f"{path.name} is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'"
        ) from None
    except csv.Error as exc:
        raise RegisterError(f"{path.name}: not a readable CSV file ({exc})") from None


def _read_xlsx(path: Path, cancel: Cancel | None) -> Table | None:
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
        table: Table | None = None
        number = 0
        for values in sheet.iter_rows(values_only=True):
            number += 1
            _check(cancel, number)
            cells = [xlsx_unescape(v) if isinstance(v, str) else v for v in values]
            if table is None:
                if _blank(cells):
                    continue  # leading empty rows before the header
                table = Table(header=cells)
                continue
            if _blank(cells):
                continue
            table.rows.append((number, cells))
        return table
    finally:
        workbook.close()
