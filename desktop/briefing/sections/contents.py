"""The table of contents (filled from the headings' afterFlowable notifications)."""

from __future__ import annotations

from reportlab.platypus import PageBreak, TableStyle
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.tableofcontents import TableOfContents

from desktop.briefing.escape import esc
from desktop.briefing.sections.common import FONT_CMD, SectionContext, para
from desktop.briefing.sections.cover import COVER_TITLE_LINES
from desktop.briefing.sections.fitting import fit_lines


def build(ctx: SectionContext) -> list[Flowable]:
    toc = TableOfContents(
        levelStyles=ctx.styles.toc_levels,
        dotsMinLevel=0,
        tableStyle=TableStyle(
            [FONT_CMD, ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]
        ),
    )
    out: list[Flowable] = [ctx.heading("contents", toc=False)]
    title = ctx.data.params.title
    if fit_lines(title, ctx.styles.cover_title, ctx.width, COVER_TITLE_LINES) != " ".join(
        title.split()
    ):
        # The cover shortened the title: here it is in full.
        out.append(para(f"<b>Title:</b> {esc(title)}", ctx.styles.body))
    return [*out, toc, PageBreak()]
