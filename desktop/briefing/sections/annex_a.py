"""Annex A: the event log of the period.

Board-sized: with a row limit (``max_rows``) it lists the most severe events, and
the full log of the period is attached to the PDF as a CSV file
(``desktop.briefing.event_log``) unless the pack leaves it out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportlab.platypus import PageBreak
from reportlab.platypus.flowables import Flowable

from desktop.briefing import event_log, palette
from desktop.briefing.attachments import Attachment
from desktop.briefing.board import cap
from desktop.briefing.data import EventRow
from desktop.briefing.escape import esc
from desktop.briefing.event_log import event_log_csv
from desktop.briefing.sections.common import (
    LongTable,
    SectionContext,
    cell,
    enum_label,
    fmt_short_date,
    more_rows,
    para,
    shorten,
)
from desktop.briefing.typography import MINUS, capitalised, count_of, signed, thousands

FRACTIONS = (0.118, 0.105, 0.12, 0.045, 0.058, 0.434, 0.12)
SUMMARY_CHARS = 240


def _by_severity(e: EventRow) -> tuple[int, int, dt.date, str]:
    return (-e.severity, -(e.reach or 0), e.occurred_on, e.ref)


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    p = d.params
    widths = [ctx.width * f for f in FRACTIONS]
    muted = palette.MUTED
    kinds: dict[str, str] = {}
    rows: list[list[Any]] = []
    capped = cap(d.events, p.max_rows)
    if capped.more:
        capped = cap(sorted(d.events, key=_by_severity), p.max_rows)
    if p.attach_event_log and d.events:
        payload = event_log_csv(d, ctx.mark)
        ctx.attachments.append(
            Attachment(
                event_log.FILE_NAME,
                payload,
                description=f"Event log {d.period_start.isoformat()} to {d.period_end.isoformat()}",
            )
        )
    for e in capped.shown:
        text = esc(e.title)
        extra = []
        who = d.stakeholder(e.stakeholder_id)
        if who is not None:
            extra.append(f"by {esc(ctx.mark(who.level))} {esc(who.name)}")
        part = d.partnership(e.partnership_id)
        if part is not None:
            extra.append(f"re {esc(ctx.mark(part.level))} {esc(part.ref)} {esc(part.name)}")
        if e.summary:
            extra.append(esc(shorten(e.summary, SUMMARY_CHARS)))
        if extra:
            text += f'<br/><font size="6.5" color="{muted}">{" · ".join(extra)}</font>'
        risks = [d.risk(rid) for rid in e.risk_ids]
        risk_refs = " ".join(ctx.marked_ref(r.level, r.ref) for r in risks if r is not None)
        kind_label = kinds.get(e.kind)
        if kind_label is None:
            kind_label = kinds[e.kind] = enum_label(e.kind)
        kind = cell(kind_label, s.cell, widths[2])
        rows.append(
            [
                f"{ctx.mark(e.level)} {e.ref}",
                fmt_short_date(e.occurred_on),
                kind,
                str(e.severity),
                signed(e.sentiment),
                para(text, s.cell),
                para(esc(risk_refs), s.cell) if len(risk_refs) > 14 else (risk_refs or "—"),
            ]
        )
    out: list[Flowable] = [PageBreak(), ctx.heading("annex_a")]
    period = f"from {d.period_start.isoformat()} to {d.period_end.isoformat()}"
    if capped.more:
        intro = (
            f"The {thousands(len(rows))} most severe of {thousands(capped.total)} events {period}, "
            "most severe first."
        )
    else:
        intro = f"{capitalised(count_of(len(rows), 'event'))} {period}, oldest first."
    out.append(
        para(
            f"{intro} Sev is severity (1 to 5); Sent is sentiment ({MINUS}2 to +2).",
            s.body,
        )
    )
    if rows:
        out.append(
            LongTable(
                [
                    "Event",
                    "Date",
                    "Kind",
                    "Sev",
                    "Sent",
                    "Title, actor, partnership, summary",
                    "Risks",
                ],
                rows,
                widths,
                layout=ctx.layout,
            )
        )
    where = (
        f"see the attached CSV ({event_log.FILE_NAME})"
        if p.attach_event_log
        else "the full log was left out of this pack"
    )
    more = more_rows(ctx, capped.more, where)
    out += more
    if not more and p.attach_event_log and d.events:
        out.append(para(f"The same log is attached as a CSV file ({event_log.FILE_NAME}).", s.note))
    return out
