"""Partnerships: partner, status, network, scope, linked risks, events and sentiment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from desktop.briefing import charts, palette
from desktop.briefing.data import EventRow, PackData
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import (
    FONT_CMD,
    MAX_LONG_TEXT,
    SectionContext,
    band_cell,
    cell,
    enum_label,
    fmt_date,
    para,
    shorten,
    simple_table,
)
from desktop.briefing.styles import hex_colour
from desktop.briefing.typography import MINUS, capitalised, count_of, thousands


def events_by_partnership(d: PackData) -> dict[int, list[EventRow]]:
    """The pack's events about each partnership, by the scope's rule
    (``db.queries.event_scope``): those naming it, and those naming none (in the pack)
    that are linked to one of its risks."""
    out: dict[int, list[EventRow]] = defaultdict(list)
    for e in d.events:
        if e.partnership_id is not None:
            out[e.partnership_id].append(e)
            continue
        about: set[int] = set()
        for rid in e.risk_ids:
            r = d.risk(rid)
            if r is not None:
                about.update(r.partnership_ids)
        for pid in sorted(about):
            out[pid].append(e)
    return out


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    w = ctx.width
    out: list[Flowable] = [ctx.heading("partnerships")]
    if not d.partnerships:
        out.append(para("No partnerships in scope.", s.body))
        return out
    out.append(
        para(
            f"{capitalised(count_of(len(d.partnerships), 'partnership'))} in scope. Sentiment is the "
            f"average sentiment ({MINUS}2 hostile to +2 champion), week by week, of the period's events about "
            "the partnership: those that name it, and those that name no partnership but concern one of its risks.",
            s.body,
        )
    )
    weeks = charts.weeks_between(d.period_start, d.period_end)
    events_by_p = events_by_partnership(d)
    risks_by_p: dict[int, list] = defaultdict(list)
    for r in d.open_risks:
        for pid in r.partnership_ids:
            risks_by_p[pid].append(r)
    for x in d.partnerships:
        partner = d.stakeholder(x.partner_id)
        partner_text = f"{ctx.mark(partner.level)} {partner.ref} {partner.name}" if partner else "—"
        period = fmt_date(x.announced_on) if x.announced_on else "—"
        if x.ended_on:
            period += f" to {fmt_date(x.ended_on)}"
        evs = events_by_p.get(x.id, [])
        adverse = sum(1 for e in evs if e.adverse)
        per_week: list[float | None] = []
        for wk in weeks:
            vals = [e.sentiment for e in evs if wk <= e.occurred_on < wk + dt.timedelta(days=7)]
            per_week.append(sum(vals) / len(vals) if vals else None)
        spark = charts.sentiment_sparkline(per_week, weeks=weeks, width=w * 0.34, height=52)
        facts = [
            ["Partner", cell(partner_text, s.cell, w * 0.5)],
            ["Status", enum_label(x.status)],
            ["Network", enum_label(x.network)],
            ["Announced", period],
            ["Owner", cell(x.owner or "—", s.cell, w * 0.5)],
            ["Events in period", f"{thousands(len(evs))} ({thousands(adverse)} adverse)"],
        ]
        kv = Table(facts, colWidths=[w * 0.17, w * 0.45], hAlign="LEFT")
        kv.setStyle(
            TableStyle(
                [
                    FONT_CMD,
                    ("FONT", (0, 0), (0, -1), "DejaVuSans-Bold", 7.8, 9.6),
                    ("FONT", (1, 0), (1, -1), "DejaVuSans", 7.8, 9.6),
                    ("TEXTCOLOR", (0, 0), (-1, -1), hex_colour(palette.INK)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        side = [para("<b>Sentiment by week</b>", s.small), spark]
        top = Table([[kv, side]], colWidths=[w * 0.64, w * 0.36])
        top.setStyle(
            TableStyle(
                [
                    FONT_CMD,
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        heading_text = f"{ctx.mark(x.level)} {x.ref} {x.name}"
        block: list[Flowable] = [
            ctx.heading("partnerships", heading_text, level=1, markup=esc(heading_text)),
            top,
        ]
        if x.scope:
            block.append(para(f"<b>Scope:</b> {esc(shorten(x.scope, MAX_LONG_TEXT))}", s.small))
        linked = sorted(risks_by_p.get(x.id, []), key=lambda r: (-r.residual_score, r.ref))
        if linked:
            rows = [
                [
                    f"{ctx.mark(r.level)} {r.ref}",
                    cell(r.title, s.cell, w * 0.6),
                    f"{r.residual_score}",
                    enum_label(r.residual_band),
                ]
                for r in linked
            ]
            band = [
                cmd
                for i, r in enumerate(linked, start=1)
                for cmd in band_cell(3, i, r.residual_band)
            ]
            block.append(Spacer(1, 1.5 * mm))
            block.append(
                simple_table(
                    ["Linked risk", "Title", "Residual", "Band"],
                    rows,
                    [w * 0.14, w * 0.6, w * 0.12, w * 0.14],
                    extra=band,
                )
            )
        else:
            block.append(para("No open risks linked.", s.small))
        # One partnership stays on one page unless it is longer than a page.
        out.append(KeepTogether(block))
        out.append(Spacer(1, 4 * mm))
    return out
