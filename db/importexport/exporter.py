"""Exporting a kind to CSV or XLSX: every column, so that export -> import round-trips.

* The format follows the extension: ``.csv`` (UTF-8 without a byte-order mark, comma,
  ``csv`` module quoting, CRLF line ends) or ``.xlsx`` (one sheet, header row frozen).
* Links are written as refs (``;``-separated for many), which are unambiguous.
* Text cells are neutralised against formula injection (``db.importexport.neutralise``);
  numbers stay numbers (real numeric cells in XLSX) and dates are ``YYYY-MM-DD``
  (real date cells in XLSX, or ISO text before March 1900).  Whole numbers beyond 2**53, which a spreadsheet would
  round, are written as text.
* The file is written beside the target under a temporary name and moved into place
  at the end, so a failure or a cancel never leaves half a file (nor spoils an older
  file of the same name).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session

from db.engine import Register, create_private_file
from db.errors import RegisterError
from db.importexport.columns import (
    DATE,
    FLOAT,
    INT,
    LIST_SEPARATOR,
    PLURAL,
    REF,
    REFS,
    columns_for,
    normalise_kind,
)
from db.importexport.neutralise import neutralise, xlsx_escape
from db.importexport.progress import Cancel, Progress, Ticker
from db.importexport.reader import file_format
from db.queries import importexport as q
from db.repository import spec

EXACT_INT = 2**53
# Spreadsheet date serials start in 1900 (and Excel's 1900 has a phantom 29 February):
# earlier dates are written as ISO text, which import reads just the same.
FIRST_SAFE_DATE = dt.date(1900, 3, 1)


def _cell(value: Any) -> Any:
    """A database value as a typed cell value (before neutralisation)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, str) and type(value) is not str:
        return str(getattr(value, "value", value))
    return value


def iter_rows(
    session: Session, kind: str, *, ids: Sequence[int] | None = None, ticker: Ticker | None = None
) -> Iterator[list[Any]]:
    """Every record of ``kind`` (or those in ``ids``) as typed values in column order."""
    kind = normalise_kind(kind)
    s = spec(kind)
    columns = columns_for(kind)
    ref_targets = {r.field: r.other_kind for r in s.refs}
    links = {link.field: link for link in s.links}
    for batch in q.record_batches(session, kind=kind, ids=ids):
        own_ids = [row.id for row in batch]
        ref_maps = {
            field: q.refs_by_id(
                session, kind=other, ids=[getattr(r, field) for r in batch if getattr(r, field)]
            )
            for field, other in ref_targets.items()
        }
        link_maps = {
            f: q.link_refs(session, link=link, own_ids=own_ids) for f, link in links.items()
        }
        for record in batch:
            out: list[Any] = []
            for column in columns:
                if column.type == REF:
                    target = getattr(record, column.field)
                    out.append(ref_maps[column.field].get(target) if target else None)
                elif column.type == REFS:
                    out.append(
                        LIST_SEPARATOR.join(link_maps[column.field].get(record.id, [])) or None
                    )
                else:
                    out.append(_cell(getattr(record, column.field)))
            yield out
        if ticker is not None:
            ticker.advance(len(batch))


def _csv_text(value: Any, ctype: str) -> str:
    if value is None:
        return ""
    if ctype == FLOAT and isinstance(value, float):
        return repr(value)
    if ctype == DATE and isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def _write_csv(path: Path, kind: str, rows: Iterator[list[Any]]) -> int:
    columns = columns_for(kind)
    types = [c.type for c in columns]
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.name for c in columns])
        for row in rows:
            writer.writerow([_csv_text(v, t) for v, t in zip(row, types, strict=True)])
            count += 1
    return count


def _write_xlsx(path: Path, kind: str, rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    columns = columns_for(kind)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=PLURAL[kind].capitalize())
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        out: list[Any] = []
        for value, column in zip(row, columns, strict=True):
            if value is None:
                out.append(None)
            elif isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=xlsx_escape(neutralise(value)))
                cell.data_type = "s"  # never a formula, whatever the text
                out.append(cell)
            elif isinstance(value, dt.date) and value < FIRST_SAFE_DATE:
                out.append(value.isoformat())  # spreadsheets cannot hold it as a date
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            elif column.type == INT and isinstance(value, int) and abs(value) > EXACT_INT:
                cell = WriteOnlyCell(sheet, value=str(value))
                cell.data_type = "s"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        count += 1
    workbook.save(path)
    return count


def export_file(
    register: Register,
    kind: str,
    path: str | Path,
    *,
    ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> int:
    """Write the records of ``kind`` (all, or those in ``ids``) to ``path``; the row count.

    ``.csv`` or ``.xlsx`` by extension; anything else is a ``RegisterError``.
    ``progress(done, total)`` is called as batches are written; ``cancel()`` returning
    True stops the export with ``Cancelled`` and leaves no file.
    """
    kind = normalise_kind(kind)
    path = Path(path)
    fmt = file_format(path)
    if not path.parent.is_dir():
        raise RegisterError(f"cannot write {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise RegisterError(f"cannot write {path}: it is a folder")
    part = path.with_name(f".{path.name}.part")
    try:
        part.unlink(missing_ok=True)  # left by a crash
        create_private_file(part)  # exports hold register data: the owner's only, like the register
        with register.session() as session:
            total = q.count_records(session, kind=kind, ids=ids)
            ticker = Ticker(total, progress, cancel, "export")
            ticker.check()
            rows = iter_rows(session, kind, ids=ids, ticker=ticker)
            count = _write_csv(part, kind, rows) if fmt == "csv" else _write_xlsx(part, kind, rows)
        ticker.check()
        os.replace(part, path)
    except PermissionError:
        part.unlink(missing_ok=True)
        raise RegisterError(f"cannot write {path}: permission denied") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    ticker.finish()
    return count
