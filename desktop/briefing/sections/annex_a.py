"""Annex A: the event log of the period, oldest first."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import PageBreak
from reportlab.platypus.flowables import Flowable

from desktop.briefing import palette
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import (
    LongTable,
    SectionContext,
    cell,
    enum_label,
    fmt_short_date,
    para,
    shorten,
)

FRACTIONS = (0.118, 0.105, 0.12, 0.045, 0.058, 0.434, 0.12)
SUMMARY_CHARS = 240


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    widths = [ctx.width * f for f in FRACTIONS]
    muted = palette.MUTED
    kinds: dict[str, str] = {}
    rows: list[list[Any]] = []
    for e in d.events:
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
                f"{e.sentiment:+d}" if e.sentiment else "0",
                para(text, s.cell),
                para(esc(risk_refs), s.cell) if len(risk_refs) > 14 else (risk_refs or "—"),
            ]
        )
    out: list[Flowable] = [PageBreak(), ctx.heading("annex_a")]
    out.append(
        para(
            f"{len(rows)} event{'s' if len(rows) != 1 else ''} from {d.period_start.isoformat()} to "
            f"{d.period_end.isoformat()}. Sev is severity (1 to 5); Sent is sentiment (−2 to +2).",
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
    return out
