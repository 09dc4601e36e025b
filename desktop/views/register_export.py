"""Export of the records a register shows (its filters applied) as a background job.

The file is the full export format of ``db.importexport`` (every column, formulas
neutralised), so it imports back as it is; a filtered register exports just the
records that match, an unfiltered one every record; either way in the order shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort


def export_rows_job(
    source: RegisterRowSource,
    sort: RegisterSort | None,
    flt: RegisterFilter | None,
    target: Path,
) -> Callable[[Any], int]:
    """A task job (see ``desktop.tasks``) writing the records to ``target``; returns the row count."""

    def job(progress: Any) -> int:
        from db.importexport import export_file

        # The rows in the order the view shows them (newest first, or the column clicked).
        ids = source.shown_ids(sort, flt)
        return export_file(
            source.register,
            source.kind,
            target,
            ids=ids,
            progress=lambda done, total: progress.update(
                done, total, f"{done:,} of {total:,} rows"
            ),
            cancel=progress.is_cancelled,
        )

    return job
