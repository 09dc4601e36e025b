"""Export of the rows a register shows: same filters, same order, every page (Qt-free job).

The file holds the register's columns under their file-format names (``ref``,
``occurred_on``, ``title``...), values as stored (enum values, ISO dates, numbers
as numbers).  Cells a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.importexport.neutralise import neutralise, xlsx_escape
from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort


def cell(value: Any, *, xlsx: bool = False) -> Any:
    """Numbers stay numbers; dates ISO text; text a spreadsheet would run is neutralised
    the same way as the full export (``db.importexport.neutralise``)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        text = neutralise(value)
        return xlsx_escape(text) if xlsx else text
    return value


def export_rows_job(
    source: RegisterRowSource,
    sort: RegisterSort | None,
    flt: RegisterFilter | None,
    target: Path,
) -> Callable[[Any], int]:
    """A task job (see ``desktop.tasks``) writing the rows to ``target``; returns the row count."""
    header = [col.key for col in source.columns]

    def job(progress: Any) -> int:
        total = source.count(flt)
        written = 0
        # Write beside the target and rename at the end: a cancelled or failed export
        # leaves no half-written file under the chosen name.
        fd, tmp_name = tempfile.mkstemp(prefix=".export-", suffix=target.suffix, dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            if target.suffix.lower() == ".xlsx":
                from openpyxl import Workbook

                book = Workbook(write_only=True)
                sheet = book.create_sheet(source.spec.title)
                sheet.append(header)
                for batch in source.iter_rows(sort, flt):
                    for row in batch:
                        sheet.append([cell(v, xlsx=True) for v in row[1:]])
                    written += len(batch)
                    progress.report(written, total, f"{written:,} of {total:,} rows")
                book.save(tmp)
            else:
                with tmp.open("w", newline="", encoding="utf-8") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(header)
                    for batch in source.iter_rows(sort, flt):
                        writer.writerows([cell(v) for v in row[1:]] for row in batch)
                        written += len(batch)
                        progress.report(written, total, f"{written:,} of {total:,} rows")
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return written

    return job
