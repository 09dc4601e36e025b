"""The table of contents (filled from the headings' afterFlowable notifications)."""

from __future__ import annotations

from reportlab.platypus import PageBreak, TableStyle
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.tableofcontents import TableOfContents

from desktop.briefing.sections.common import FONT_CMD, SectionContext


def build(ctx: SectionContext) -> list[Flowable]:
    toc = TableOfContents(
        levelStyles=ctx.styles.toc_levels,
        dotsMinLevel=0,
        tableStyle=TableStyle(
            [FONT_CMD, ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]
        ),
    )
    return [ctx.heading("contents", toc=False), toc, PageBreak()]
