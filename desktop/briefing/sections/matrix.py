"""Inherent and residual 5x5 heat maps side by side, refs in the cells, with a legend."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from desktop.briefing import charts
from desktop.briefing.sections.common import FONT_CMD, SectionContext, para
from desktop.briefing.typography import capitalised, count_of


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    # The matrices of desktop.services.matrix: the matrix view's and the CLI's counts.
    assert d.matrices is not None, "the matrix section needs the pack's analysis"
    inherent, residual = (
        {(c.likelihood, c.impact): list(c.refs) for c in m.cells} for m in d.matrices
    )
    half = ctx.width / 2 - 4
    drawn: list[str] = []

    def label(ref: str) -> str:
        return f"{ctx.pure_mark(ctx.risk_level(ref))}{ref}"

    left, right = (
        charts.heat_map(cells, title=title, bands=d.bands, width=half, label=label, drawn=drawn)
        for cells, title in (
            (inherent, "Inherent (before mitigation)"),
            (residual, "Residual (after mitigation)"),
        )
    )
    for ref in drawn:  # the refs the cells print (not those in "+N more") count for the banner
        ctx.mark(ctx.risk_level(ref))
    grid = Table([[left, right]], colWidths=[ctx.width / 2, ctx.width / 2])
    grid.setStyle(
        TableStyle(
            [FONT_CMD, ("LEFTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (0, 0), (-1, -1), "CENTER")]
        )
    )
    n = d.matrices[0].total
    return [
        ctx.heading("matrix"),
        para(
            f"{capitalised(count_of(n, 'open or monitored risk'))} by likelihood (up) and impact (across), "
            "as they stand on the date of this pack. A risk without residual scores sits at its inherent "
            "cell in the residual matrix. The number in each cell's corner is its score.",
            s.body,
        ),
        Spacer(1, 3 * mm),
        grid,
        Spacer(1, 3 * mm),
        charts.band_legend(d.bands, ctx.width),
        para("Risk details are in the risk register that follows.", s.note),
    ]
