"""What changed since a date: new and closed risks, cell moves, new events, stance
and partnership status changes."""

from __future__ import annotations

from reportlab.platypus import KeepTogether
from reportlab.platypus.flowables import Flowable

from desktop.briefing.escape import esc
from desktop.briefing.sections.common import (
    SectionContext,
    cell,
    enum_label,
    fmt_date,
    fmt_short_date,
    mark,
    para,
    simple_table,
    stance_text,
)

MAX_EVENTS = 15


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    w = ctx.width
    out: list[Flowable] = [ctx.heading("changes", f"What changed since {fmt_date(d.since)}")]
    out.append(para(f"Since {fmt_date(d.since)} ({esc(d.since_basis)}) up to {fmt_date(d.period_end)}.", s.muted))

    def block(title: str, content: list[Flowable]) -> None:
        out.append(KeepTogether([para(title, s.h2), *content[:1]]))
        out.extend(content[1:])

    def none() -> list[Flowable]:
        return [para("None.", s.body)]

    rows = [[f"{mark(r.level)} {r.ref}", cell(r.title, s.cell, w * 0.5), cell(r.owner or "—", s.cell, w * 0.2),
             f"{r.residual_score} ({r.residual_band})"] for r in d.new_risks_since]
    block("New risks", [simple_table(["Risk", "Title", "Owner", "Residual"], rows,
                                     [w * 0.12, w * 0.5, w * 0.2, w * 0.18])] if rows else none())

    rows = [[f"{mark(r.level)} {r.ref}", cell(r.title, s.cell, w * 0.6), cell(r.owner or "—", s.cell, w * 0.28)]
            for r in d.closed_risks_since]
    block("Closed risks", [simple_table(["Risk", "Title", "Owner"], rows, [w * 0.12, w * 0.6, w * 0.28])]
          if rows else none())

    rows = []
    for m in d.cell_moves:
        b, a = m.before[0] * m.before[1], m.after[0] * m.after[1]
        arrow = "▲" if a > b else ("▼" if a < b else "►")
        rows.append([f"{mark(m.risk.level)} {m.risk.ref}", cell(m.risk.title, s.cell, w * 0.44),
                     f"L{m.before[0]} × I{m.before[1]} = {b}", arrow, f"L{m.after[0]} × I{m.after[1]} = {a}"])
    block("Risks that changed cell (residual)",
          [simple_table(["Risk", "Title", "Was", "", "Now"], rows, [w * 0.12, w * 0.44, w * 0.19, w * 0.06, w * 0.19],
                        extra=[("ALIGN", (3, 0), (3, -1), "CENTER")])] if rows else none())

    events = sorted(d.new_events_since, key=lambda e: (-e.severity, e.occurred_on, e.ref))
    rows = [[f"{mark(e.level)} {e.ref}", fmt_short_date(e.occurred_on), cell(e.title, s.cell, w * 0.5),
             enum_label(e.kind), str(e.severity)] for e in events[:MAX_EVENTS]]
    content: list[Flowable] = []
    if rows:
        content.append(simple_table(["Event", "Date", "Title", "Kind", "Sev."], rows,
                                    [w * 0.12, w * 0.13, w * 0.5, w * 0.17, w * 0.08]))
        if len(events) > MAX_EVENTS:
            content.append(para(f"{len(events)} new events in all; the {MAX_EVENTS} most severe are shown. "
                                "The full log is in Annex A.", s.note))
    block(f"New events ({len(events)})", content or none())

    rows = [[f"{mark(x.level)} {x.ref}", cell(x.name, s.cell, w * 0.44),
             stance_text(x.stance_before if x.stance_before is not None else x.stance), "►", stance_text(x.stance)]
            for x in d.stance_changes]
    block("Stance changes", [simple_table(["Stakeholder", "Name", "Was", "", "Now"], rows,
                                          [w * 0.14, w * 0.42, w * 0.19, w * 0.06, w * 0.19])] if rows else none())

    rows = [[f"{mark(c.partnership.level)} {c.partnership.ref}", cell(c.partnership.name, s.cell, w * 0.44),
             enum_label(c.before), "►", enum_label(c.after)] for c in d.status_changes]
    block("Partnership status changes", [simple_table(["Partnership", "Name", "Was", "", "Now"], rows,
                                                      [w * 0.14, w * 0.42, w * 0.19, w * 0.06, w * 0.19])]
          if rows else none())
    return out
