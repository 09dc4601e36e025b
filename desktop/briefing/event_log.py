"""The full event log of the period as CSV, attached to the pack beside a capped Annex A.

It is written from the pack's own data (``PackData.events``), which was loaded
under the ceiling, and it names a linked record only when the pack itself holds
it: the file can carry nothing that the pages could not.  Every row states its
own classification, and the caller counts each level written for the banner.
Text cells a spreadsheet would run as a formula are neutralised exactly as
``risk-tracker export`` does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from db.importexport.neutralise import neutralise
from desktop.briefing.data import EventRow, PackData

FILE_NAME = "event-log.csv"
COLUMNS = (
    "ref",
    "classification",
    "occurred_on",
    "kind",
    "severity",
    "sentiment",
    "reach",
    "channel",
    "title",
    "stakeholder",
    "partnership",
    "risks",
    "responds_to",
    "summary",
)


def event_log_csv(data: PackData, mark: Callable[[str], object]) -> bytes:
    """Every event of the period (oldest first) as UTF-8 CSV; ``mark(level)`` is called for
    the level of every record the file names, so the banner covers the file too."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in data.events:
        writer.writerow(_row(data, e, mark))
    return out.getvalue().encode("utf-8")


def _row(data: PackData, e: EventRow, mark: Callable[[str], object]) -> list[object]:
    mark(e.level)
    who = data.stakeholder(e.stakeholder_id)
    part = data.partnership(e.partnership_id)
    risks = [r for r in (data.risk(rid) for rid in e.risk_ids) if r is not None]
    answered = data.answered.get(e.responds_to_id) if e.responds_to_id else None
    for level in [
        *(x.level for x in (who, part) if x is not None),
        *(r.level for r in risks),
        *([answered[2]] if answered else []),
    ]:
        mark(level)
    return [
        e.ref,
        e.level,
        e.occurred_on.isoformat(),
        e.kind,
        e.severity,
        e.sentiment,
        "" if e.reach is None else e.reach,
        e.channel,
        neutralise(e.title),
        neutralise(who.name) if who is not None else "",
        part.ref if part is not None else "",
        ";".join(r.ref for r in risks),
        answered[0] if answered else "",
        neutralise(e.summary or ""),
    ]
