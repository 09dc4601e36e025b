"""Events and criticism: events per week by kind, key events, statements and what they answered."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer
from reportlab.platypus.flowables import Flowable

from desktop.briefing import charts
from desktop.briefing.board import cap
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import (
    SectionContext,
    cell,
    enum_label,
    fmt_short_date,
    more_rows,
    para,
    simple_table,
)
from desktop.briefing.typography import capitalised, count_of, thousands

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
            f"{capitalised(count_of(n, 'event'))} in the period, by week (weeks start on Monday) and kind.",
            s.body,
        )
    )
    out.append(
        charts.events_per_week(
            counts, weeks, width=w, height=150, period=(d.period_start, d.period_end)
        )
    )
    partial = [wk for wk in weeks if charts.days_in_period(wk, d.period_start, d.period_end) < 7]
    if partial:
        out.append(
            para(
                "Hatched weeks lie only partly inside the period; the label above each says how "
                "many of its days are counted.",
                s.note,
            )
        )
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
            reach = thousands(e.reach) if e.reach is not None else "—"
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
    answering = [e for e in statements if e.responds_to_id in d.answered]
    out.append(para("Statements issued and the criticism they answered", s.h2))
    out.append(para(esc(_statements_count(len(statements), len(answering))), s.body))
    shown = cap(answering, d.params.max_rows)
    if shown.shown:
        rows = []
        for e in shown.shown:
            answered = d.answered[e.responds_to_id] if e.responds_to_id else None
            assert answered is not None
            answer = f"{ctx.mark(answered[2])} {answered[0]} {answered[1]}"
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
        out += more_rows(ctx, shown.more, "the attached CSV lists every event")
    return out


def _statements_count(issued: int, answering: int) -> str:
    """The line above the statements table: how many were issued, how many are listed."""
    if not issued:
        return "No statements were issued in the period."
    head = f"{capitalised(count_of(issued, 'statement'))} issued in the period"
    if not answering:
        return f"{head}; none answered an event in this pack."
    if issued == 1:
        return f"{head}; it answered an earlier event and is listed below."
    who = "1 answered" if answering == 1 else f"{thousands(answering)} answered"
    listed = "is" if answering == 1 else "are"
    return f"{head}; {who} an earlier event and {listed} listed below."
