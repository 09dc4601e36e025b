"""What changed since a date: new and closed risks, cell moves, new events, stance
and partnership status changes."""

from __future__ import annotations

from reportlab.platypus import KeepTogether
from reportlab.platypus.flowables import Flowable

from desktop.briefing.board import cap
from desktop.briefing.sections.common import (
    SectionContext,
    cell,
    enum_label,
    fmt_date,
    fmt_short_date,
    more_rows,
    para,
    simple_table,
    stance_text,
)
from desktop.briefing.sections.edition import baseline_text
from desktop.briefing.typography import thousands

MAX_EVENTS = 15
KIND_W = 0.17


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    w = ctx.width
    out: list[Flowable] = [ctx.heading("changes", f"What changed since {fmt_date(d.since)}")]
    out.append(para(baseline_text(d), s.muted))

    def block(title: str, content: list[Flowable], more: int = 0) -> None:
        out.append(KeepTogether([para(title, s.h2), *content[:1]]))
        out.extend(content[1:])
        out.extend(more_rows(ctx, more, "in the register itself"))

    def capped(rows: list) -> tuple[list, int]:  # type: ignore[type-arg]
        # Board size: the first rows of a long list, and how many were left out.
        kept = cap(rows, d.params.max_rows)
        return kept.shown, kept.more

    def none() -> list[Flowable]:
        return [para("None.", s.body)]

    c = d.changes
    rows = [
        [
            f"{ctx.mark(r.classification)} {r.ref}",
            cell(r.title, s.cell, w * 0.5),
            fmt_short_date(r.on),
            f"{r.residual_score} ({r.residual_band})",
        ]
        for r in c.new_risks
    ]
    rows, more = capped(rows)
    block(
        "New risks",
        [
            simple_table(
                ["Risk", "Title", "Opened", "Residual"],
                rows,
                [w * 0.12, w * 0.5, w * 0.18, w * 0.2],
            )
        ]
        if rows
        else none(),
        more,
    )

    rows = [
        [
            f"{ctx.mark(r.classification)} {r.ref}",
            cell(r.title, s.cell, w * 0.6),
            fmt_short_date(r.on),
        ]
        for r in c.closed_risks
    ]
    rows, more = capped(rows)
    block(
        "Closed risks",
        [simple_table(["Risk", "Title", "Closed"], rows, [w * 0.12, w * 0.6, w * 0.28])]
        if rows
        else none(),
        more,
    )

    rows = []
    for m in c.residual_cell_changes:
        if m.from_cell is None or m.to_cell is None:
            continue
        b, a = m.from_score or 0, m.to_score or 0
        arrow = "▲" if a > b else ("▼" if a < b else "►")
        rows.append(
            [
                f"{ctx.mark(m.classification)} {m.ref}",
                cell(m.title, s.cell, w * 0.44),
                f"L{m.from_cell[0]} × I{m.from_cell[1]} = {b}",
                arrow,
                f"L{m.to_cell[0]} × I{m.to_cell[1]} = {a}",
            ]
        )
    rows, more = capped(rows)
    block(
        "Risks that changed cell (residual)",
        [
            simple_table(
                ["Risk", "Title", "Was", "", "Now"],
                rows,
                [w * 0.12, w * 0.44, w * 0.19, w * 0.06, w * 0.19],
                extra=[("ALIGN", (3, 0), (3, -1), "CENTER")],
            )
        ]
        if rows
        else none(),
        more,
    )

    events = sorted(c.new_events, key=lambda e: (-e.severity, e.occurred_on, e.ref))
    rows = [
        [
            f"{ctx.mark(e.classification)} {e.ref}",
            fmt_short_date(e.occurred_on),
            cell(e.title, s.cell, w * 0.5),
            cell(enum_label(e.kind), s.cell, w * KIND_W),
            str(e.severity),
        ]
        for e in events[:MAX_EVENTS]
    ]
    content: list[Flowable] = []
    if rows:
        content.append(
            simple_table(
                ["Event", "Date", "Title", "Kind", "Sev."],
                rows,
                [w * 0.12, w * 0.13, w * 0.5, w * 0.17, w * 0.08],
            )
        )
        if len(events) > MAX_EVENTS:
            content.append(
                para(
                    f"{thousands(len(events))} new events in all; the {MAX_EVENTS} most severe are shown. "
                    "The full log of the period is in Annex A.",
                    s.note,
                )
            )
    block(f"New events ({thousands(len(events))})", content or none())

    rows = [
        [
            f"{ctx.mark(x.classification)} {x.ref}",
            cell(x.name, s.cell, w * 0.34),
            fmt_short_date(x.on),
            stance_text(x.old) if x.old is not None else "—",
            "►",
            stance_text(x.new) if x.new is not None else "—",
        ]
        for x in c.stance_changes
    ]
    rows, more = capped(rows)
    block(
        "Stance changes",
        [
            simple_table(
                ["Stakeholder", "Name", "On", "Was", "", "Now"],
                rows,
                [w * 0.14, w * 0.32, w * 0.12, w * 0.18, w * 0.06, w * 0.18],
            )
        ]
        if rows
        else none(),
        more,
    )

    rows = [
        [
            f"{ctx.mark(x.classification)} {x.ref}",
            cell(x.name, s.cell, w * 0.34),
            fmt_short_date(x.on),
            enum_label(x.old),
            "►",
            enum_label(x.new),
        ]
        for x in c.partnership_status_changes
    ]
    rows, more = capped(rows)
    block(
        "Partnership status changes",
        [
            simple_table(
                ["Partnership", "Name", "On", "Was", "", "Now"],
                rows,
                [w * 0.14, w * 0.32, w * 0.12, w * 0.18, w * 0.06, w * 0.18],
            )
        ]
        if rows
        else none(),
        more,
    )
    return out
