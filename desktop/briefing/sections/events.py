"""Events and criticism: events per week by kind, key events, statements and what they answered."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer
from reportlab.platypus.flowables import Flowable

from desktop.briefing import charts
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import (
    SectionContext,
    cell,
    enum_label,
    fmt_short_date,
    para,
    simple_table,
)

KEY_EVENTS = 10
KIND_W = 0.16


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    w = ctx.width
    out: list[Flowable] = [ctx.heading("events")]
    weeks = charts.weeks_between(d.period_start, d.period_end)
    counts: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in d.events:
        wk = e.occurred_on - dt.timedelta(days=e.occurred_on.weekday())
        counts[wk][e.kind] += 1
    n = len(d.events)
    out.append(
        para(
            f"{n} event{'s' if n != 1 else ''} in the period, by week (weeks start on Monday) and kind.",
            s.body,
        )
    )
    out.append(charts.events_per_week(counts, weeks, width=w, height=150))
    out.append(Spacer(1, 3 * mm))

    key = sorted(d.events, key=lambda e: (-e.severity, -(e.reach or 0), e.occurred_on, e.ref))[
        :KEY_EVENTS
    ]
    block: list[Flowable] = [para("Key events", s.h2)]
    if key:
        rows = []
        for e in key:
            who = d.stakeholder(e.stakeholder_id)
            title = esc(e.title)
            if who is not None:
                title += (
                    f'<br/><font size="6.5">by {esc(ctx.mark(who.level))} {esc(who.name)}</font>'
                )
            reach = f"{e.reach:,}" if e.reach is not None else "—"
            rows.append(
                [
                    f"{ctx.mark(e.level)} {e.ref}",
                    fmt_short_date(e.occurred_on),
                    para(title, s.cell),
                    cell(enum_label(e.kind), s.cell, w * KIND_W),
                    str(e.severity),
                    reach,
                ]
            )
        block.append(
            simple_table(
                ["Event", "Date", "Title", "Kind", "Sev.", "Reach"],
                rows,
                [w * 0.11, w * 0.12, w * 0.45, w * 0.16, w * 0.06, w * 0.10],
            )
        )
    else:
        block.append(para("No events in the period.", s.body))
    out.append(KeepTogether(block[:2]))

    statements = [e for e in d.events if e.kind == "statement"]
    out.append(para("Statements issued and the criticism they answered", s.h2))
    if statements:
        rows = []
        for e in statements:
            answered = d.answered.get(e.responds_to_id) if e.responds_to_id else None
            answer = f"{ctx.mark(answered[2])} {answered[0]} {answered[1]}" if answered else "—"
            rows.append(
                [
                    fmt_short_date(e.occurred_on),
                    cell(f"{ctx.mark(e.level)} {e.ref} {e.title}", s.cell, w * 0.45),
                    cell(answer, s.cell, w * 0.43),
                ]
            )
        out.append(
            simple_table(
                ["Date", "Statement", "In answer to"], rows, [w * 0.12, w * 0.45, w * 0.43]
            )
        )
    else:
        out.append(para("No statements issued in the period.", s.body))
    return out
