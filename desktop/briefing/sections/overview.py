"""The one-page overview after the contents: the residual heat map, key figures with
their change, the five highest residual risks and the decisions requested.

Everything on it is what the later sections state in full (the same matrices,
figures and register order); it is kept to one page by shrinking, never by
leaving anything out.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from db.enums import label
from desktop.briefing import charts, palette
from desktop.briefing.sections import analyst
from desktop.briefing.sections.common import FONT_CMD, SectionContext, para, simple_table
from desktop.briefing.sections.edition import baseline_text
from desktop.briefing.sections.register import TREND
from desktop.briefing.sections.summary import TOP_RISKS, _delta
from desktop.briefing.styles import hex_colour

HEADING_ROOM = 14 * mm


def _figures(ctx: SectionContext, width: float) -> Flowable:
    d = ctx.data
    f, fp = d.figures, d.previous_figures
    rows: list[list[Any]] = [
        [name, f"{now:,}", _delta(now, before)]
        for name, now, before in (
            ("Events", f.events, fp.events),
            ("Adverse events", f.adverse_events, fp.adverse_events),
            ("New risks", f.new_risks, fp.new_risks),
            (
                "Open risks high or critical (residual)",
                f.residual_high_or_critical,
                fp.residual_high_or_critical,
            ),
        )
    ]
    rows.append(["Risks flagged for review", f"{len(d.review_flags):,}", ""])
    return simple_table(
        ["Key figure", "Now", "Change"],
        [[para(str(r[0]), ctx.styles.cell), r[1], r[2]] for r in rows],
        [width * 0.56, width * 0.2, width * 0.24],
        extra=[("ALIGN", (1, 0), (-1, -1), "RIGHT")],
    )


def _heat_map(ctx: SectionContext, width: float) -> Flowable:
    d = ctx.data
    assert d.matrices is not None, "the overview needs the pack's analysis"
    cells = {(c.likelihood, c.impact): list(c.refs) for c in d.matrices[1].cells}
    drawn: list[str] = []
    chart = charts.heat_map(
        cells,
        title="Residual risk (after mitigation)",
        bands=d.bands,
        width=width,
        label=lambda ref: f"{ctx.pure_mark(ctx.risk_level(ref))}{ref}",
        drawn=drawn,
    )
    for ref in drawn:  # the refs the cells print count for the banner
        ctx.mark(ctx.risk_level(ref))
    return chart


def _top_risks(ctx: SectionContext) -> Flowable:
    d, s, w = ctx.data, ctx.styles, ctx.width
    top = d.risks_by_residual()[:TOP_RISKS]
    if not top:
        return para("No open risks in scope.", s.body)
    rows = []
    extra: list[tuple[Any, ...]] = [("ALIGN", (3, 0), (3, -1), "CENTER")]
    for i, r in enumerate(top, start=1):
        rows.append(
            [
                f"{ctx.mark(r.level)} {r.ref}",
                analyst.title_cell(ctx, r, w * 0.56, limit=160),
                f"{r.residual_score} {label(r.residual_band)}",
                TREND.get(r.trend, "—"),
            ]
        )
        extra += [
            ("BACKGROUND", (2, i), (2, i), hex_colour(palette.band_colour(r.residual_band))),
            (
                "TEXTCOLOR",
                (2, i),
                (2, i),
                hex_colour(palette.BAND_TEXT_COLOURS.get(r.residual_band, palette.INK)),
            ),
        ]
    return simple_table(
        ["Risk", "Title", "Residual", "Trend"],
        rows,
        [w * 0.13, w * 0.56, w * 0.19, w * 0.12],
        extra=extra,
    )


def build(ctx: SectionContext) -> list[Flowable]:
    s, w = ctx.styles, ctx.width
    half = w / 2 - 3 * mm
    side = Table(
        [[_heat_map(ctx, half), [para("Key figures", s.h2), _figures(ctx, half)]]],
        colWidths=[w / 2, w / 2],
    )
    side.setStyle(
        TableStyle(
            [
                FONT_CMD,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    d = ctx.data
    content: list[Flowable] = [
        para(
            f"{baseline_text(d)} Figures compare the period with the one of equal length before it.",
            s.muted,
        ),
        Spacer(1, 2 * mm),
        side,
        Spacer(1, 3 * mm),
        para("Five highest residual risks", s.h2),
        _top_risks(ctx),
        Spacer(1, 3 * mm),
        *analyst.decisions(ctx, keep=False),
    ]
    frame = KeepInFrame(w, ctx.geometry.frame_height - HEADING_ROOM, content, mode="shrink")
    return [ctx.heading("overview"), frame]
