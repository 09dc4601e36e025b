"""The risk register: one row per open or monitored risk, sorted by residual score."""

from __future__ import annotations

from typing import Any

from reportlab.platypus.flowables import Flowable

from db.enums import label
from desktop.briefing import palette
from desktop.briefing.board import cap
from desktop.briefing.escape import esc
from desktop.briefing.sections import actions as actions_table
from desktop.briefing.sections import analyst
from desktop.briefing.sections.common import (
    LongTable,
    SectionContext,
    fmt_short_date,
    more_rows,
    para,
    shorten,
)
from desktop.briefing.sections.edition import trend_text
from desktop.briefing.styles import hex_colour
from desktop.briefing.typography import capitalised, count_of, thousands

TREND = {"up": "▲", "down": "▼", "same": "=", "new": "new", "": "—"}
# The ref column holds the widest portion mark too: "(NU) R-1000".
# Each column fits its widest usual value with its padding: "4×5=20" 0.079, "Medium"
# 0.076, a review date (2026-11-30) 0.105 of the frame; a longer mark and ref wraps.
FRACTIONS = (0.112, 0.23, 0.08, 0.08, 0.078, 0.068, 0.247, 0.105)


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    widths = [ctx.width * f for f in FRACTIONS]
    ranked = cap(d.risks_by_residual(), d.params.max_rows)
    risks = ranked.shown
    muted = palette.MUTED
    rows: list[list[Any]] = []
    for r in risks:
        owner = f"{esc(r.owner)} · " if r.owner else ""
        title = para(
            f'{esc(r.title)}<br/><font size="6.5" color="{muted}">{owner}{esc(label(r.category))}</font>'
            + analyst.commentary(ctx, r),
            s.cell,
        )
        treatment = f"<b>{esc(label(r.treatment))}</b>"
        if r.mitigation:
            treatment += f": {esc(shorten(r.mitigation, 300))}"
        rows.append(
            [
                f"{ctx.mark(r.level)} {r.ref}",
                title,
                f"{r.likelihood}×{r.impact}={r.score}",
                f"{r.residual_likelihood}×{r.residual_impact}={r.residual_score}",
                label(r.residual_band),
                TREND.get(r.trend, "—"),
                para(treatment, s.cell),
                fmt_short_date(r.review_due) + ("\noverdue" if r.overdue else ""),
            ]
        )
    band_bg = {b: hex_colour(c) for b, c in palette.BAND_COLOURS.items()}
    band_ink = {b: hex_colour(c) for b, c in palette.BAND_TEXT_COLOURS.items()}
    overdue_bg = hex_colour(palette.OVERDUE)
    overdue_ink = hex_colour(palette.OVERDUE_TEXT)

    def row_styles(index: int, row: int) -> list[tuple[Any, ...]]:
        r = risks[index]
        cmds: list[tuple[Any, ...]] = [
            ("ALIGN", (5, row), (5, row), "CENTER"),
            ("BACKGROUND", (4, row), (4, row), band_bg[r.residual_band]),
            ("TEXTCOLOR", (4, row), (4, row), band_ink[r.residual_band]),
        ]
        if r.overdue:
            cmds += [
                ("BACKGROUND", (7, row), (7, row), overdue_bg),
                ("TEXTCOLOR", (7, row), (7, row), overdue_ink),
            ]
        return cmds

    header = [
        "Risk",
        "Title, owner and category",
        "Inh. L×I",
        "Res. L×I",
        "Band",
        "Trend",
        "Treatment and mitigation",
        "Review due",
    ]
    since = trend_text(d)
    out: list[Flowable] = [
        ctx.heading("register"),
        para(
            f"{capitalised(count_of(ranked.total, 'open or monitored risk'))}, highest residual score first"
            + (f" (the first {thousands(len(risks))} are listed). " if ranked.more else ". ")
            + "Each score is likelihood (L) × impact (I); inherent (Inh.) is before mitigation, residual (Res.) after; the "
            f"band is the residual one. {since} (▲ up, ▼ down, = unchanged.) Overdue review dates are highlighted.",
            s.body,
        ),
    ]
    if rows:
        out.append(LongTable(header, rows, widths, layout=ctx.layout, row_styles=row_styles))
        out += more_rows(ctx, ranked.more, "lower residual scores, in the register itself")
    else:
        out.append(para("No open risks in scope.", s.body))
    out.extend(actions_table.build_table(ctx))
    return out
