"""The document template: cover and body page templates, page furniture, TOC and outline.

The canonical Platypus shape: a ``BaseDocTemplate`` with named ``PageTemplate``s,
page furniture (classification banners, running header, footer) drawn in
``onPage`` between ``saveState``/``restoreState``, bookmarks and table-of-contents
entries from ``afterFlowable``, and ``multiBuild``.

"Page N of M" is a two-pass count: every pass remembers how many pages it made,
and the build is not finished until a pass's total equals the total the footers
of that pass assumed (the TOC's own passes usually make that free).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
from reportlab.platypus.flowables import Flowable

from desktop.briefing import palette
from desktop.briefing.attachments import Attachment, embed
from desktop.briefing.escape import esc
from desktop.briefing.fonts import BOLD, REGULAR
from desktop.briefing.paragraphs import Para, draw_line
from desktop.briefing.styles import PageGeometry, hex_colour


class Heading(Para):
    """A section heading that becomes a bookmark, an outline entry and a TOC line.

    ``markup`` is already escaped; ``plain`` is the same text without markup, used
    for the outline (which is not parsed as markup) and, put in visual order, for the
    TOC line (drawn by ReportLab's own Paragraph).
    """

    def __init__(
        self, markup: str, style: Any, *, level: int, plain: str, key: str, toc: bool = True
    ):
        super().__init__(markup, style)
        self.outline_level = level
        self.outline_text = plain
        self.outline_key = key
        self.in_toc = toc


@dataclass
class LayoutState:
    """Shared by the doc template and long tables: is this pass a draft (counting pages only)?"""

    draft: bool = False
    passes: int = 0


@dataclass
class Furniture:
    """What every page carries besides its content."""

    banner: str
    banner_fill: str
    banner_ink: str
    header: str
    pack_id: str
    generated: str
    label_note: str = "Markings are handling labels, not accreditation."
    # Drawn first on every page, under the content (a draft's watermark); None: nothing.
    underlay: Callable[[Any, PageGeometry], None] | None = None


def _skip_draw(canvas: Any, x: float, y: float, _sW: float = 0) -> None:
    return None


class DraftAwareFrame(Frame):
    """A frame that, in a draft pass, places flowables without drawing them.

    Draft passes exist only to learn where things fall (TOC page numbers, the page
    total); their output is thrown away, so drawing in them is wasted work.
    """

    def __init__(self, *args: Any, layout: LayoutState, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._layout = layout

    def _add(self, flowable: Flowable, canv: Any, trySplit: int = 0) -> Any:
        if not self._layout.draft:
            return super()._add(flowable, canv, trySplit)
        try:
            flowable.drawOn = _skip_draw  # type: ignore[method-assign]
        except AttributeError:  # pragma: no cover - a flowable with __slots__
            return super()._add(flowable, canv, trySplit)
        try:
            return super()._add(flowable, canv, trySplit)
        finally:
            del flowable.drawOn

    add = _add


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so it fits ``width`` on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if stringWidth(text[:mid] + "…", font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


class BriefingDocTemplate(BaseDocTemplate):
    """Cover and body templates; banners, header and footer on every page."""

    def __init__(
        self,
        output: Any,
        *,
        geometry: PageGeometry,
        furniture: Furniture,
        layout: LayoutState | None = None,
        with_cover: bool = True,
        on_page_done: Callable[[int], None] | None = None,
        attachments: list[Attachment] | None = None,
        **kw: Any,
    ) -> None:
        self.geometry = geometry
        self.attachments = list(attachments or [])
        self.furniture = furniture
        self.layout = layout or LayoutState()
        self.on_page_done = on_page_done
        self._assumed_total: int | None = None
        self._last_total: int | None = None
        super().__init__(
            output,
            pagesize=(geometry.width, geometry.height),
            leftMargin=geometry.left,
            rightMargin=geometry.right,
            topMargin=geometry.top,
            bottomMargin=geometry.bottom,
            initialFontName=REGULAR,
            initialFontSize=10,
            initialLeading=12,
            **kw,
        )
        g = geometry
        cover_frame = DraftAwareFrame(
            g.left,
            g.bottom,
            g.frame_width,
            g.frame_height,
            id="cover",
            leftPadding=0,
            rightPadding=0,
            layout=self.layout,
        )
        body_frame = DraftAwareFrame(
            g.left,
            g.bottom,
            g.frame_width,
            g.frame_height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            layout=self.layout,
        )
        templates = [
            PageTemplate(id="cover", frames=[cover_frame], onPage=self._draw_cover_page),
            PageTemplate(id="body", frames=[body_frame], onPage=self._draw_body_page),
        ]
        # The first template is the first page's: without a cover, start on a body page.
        self.addPageTemplates(templates if with_cover else templates[::-1])

    # ----------------------------------------------------------------- passes and totals

    @property
    def page_total(self) -> int:
        return self._last_total or 0

    def _allSatisfied(self) -> bool:
        satisfied = bool(super()._allSatisfied())
        total = self.page
        settled = satisfied and total == self._assumed_total
        self._assumed_total = total
        self._last_total = total
        if settled and self.layout.draft:
            # Layout is stable: one more pass, the real one, draws everything.
            self._final_next = True
            return False
        return settled and not self.layout.draft

    def build(self, flowables: list[Flowable], **kw: Any) -> None:  # type: ignore[override]
        # Passes that only count pages (TOC page numbers and "Page N of M" not yet
        # settled) are drafts: long tables lay out placeholders of the same size.
        # Once a draft pass confirms the layout, a single real pass draws the pack.
        self.layout.passes += 1
        self.layout.draft = not getattr(self, "_final_next", False)
        super().build(flowables, **kw)
        self._last_total = self.page

    def _endBuild(self) -> None:
        # Files travel with the drawn pack only (a draft pass's output is thrown away).
        if not self.layout.draft:
            embed(self.canv, self.attachments)
        super()._endBuild()

    # ----------------------------------------------------------------- outline and TOC

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Heading):
            key = flowable.outline_key
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(
                flowable.outline_text, key, level=flowable.outline_level, closed=False
            )
            if flowable.in_toc:
                text = flowable.text if flowable.outline_text.isascii() else None
                if text is None:
                    text = esc(flowable.outline_text, line=True)
                self.notify("TOCEntry", (flowable.outline_level, text, self.page, key))

    def afterPage(self) -> None:
        if self.on_page_done is not None:
            self.on_page_done(self.page)

    # ----------------------------------------------------------------- page furniture

    def _banner(self, canvas: Any, y: float) -> None:
        g, f = self.geometry, self.furniture
        canvas.setFillColor(hex_colour(f.banner_fill))
        canvas.setStrokeColor(hex_colour(f.banner_fill))
        canvas.rect(0, y, g.width, g.banner_height, stroke=0, fill=1)
        canvas.setFillColor(hex_colour(f.banner_ink))
        size = 9.5
        text = fit_text(f.banner, BOLD, size, g.width - 2 * g.left)
        canvas.setFont(BOLD, size)
        canvas.drawCentredString(g.width / 2, y + (g.banner_height - size) / 2 + 1.5, text)

    def _footer(self, canvas: Any, *, cover: bool) -> None:
        g, f = self.geometry, self.furniture
        y = g.banner_height + 5.5 * 2.8346
        canvas.setStrokeColor(hex_colour(palette.RULE))
        canvas.setLineWidth(0.5)
        canvas.line(g.left, y + 9, g.width - g.right, y + 9)
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(hex_colour(palette.MUTED))
        total = self._assumed_total or self.page
        canvas.drawString(g.left, y, f"Pack {f.pack_id}  ·  generated {f.generated}")
        canvas.drawRightString(g.width - g.right, y, f"Page {self.page} of {total}")
        if cover:
            canvas.drawCentredString(g.width / 2, y + 16, f.label_note)

    def _header(self, canvas: Any) -> None:
        g, f = self.geometry, self.furniture
        y = g.height - g.banner_height - 7 * 2.8346
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(hex_colour(palette.MUTED))
        # User text (the pack title): shaped, in visual order, in fallback faces.
        draw_line(canvas, g.left, y, f.header, REGULAR, 8, max_width=g.frame_width * 0.75)
        canvas.setStrokeColor(hex_colour(palette.RULE))
        canvas.setLineWidth(0.5)
        canvas.line(g.left, y - 4, g.width - g.right, y - 4)

    def _draw_cover_page(self, canvas: Any, doc: Any) -> None:
        if self.layout.draft:
            return
        canvas.saveState()
        g = self.geometry
        if self.furniture.underlay is not None:
            self.furniture.underlay(canvas, g)
        self._banner(canvas, g.height - g.banner_height)
        self._banner(canvas, 0)
        self._footer(canvas, cover=True)
        canvas.restoreState()

    def _draw_body_page(self, canvas: Any, doc: Any) -> None:
        if self.layout.draft:
            return
        canvas.saveState()
        g = self.geometry
        if self.furniture.underlay is not None:
            self.furniture.underlay(canvas, g)
        self._banner(canvas, g.height - g.banner_height)
        self._banner(canvas, 0)
        self._header(canvas)
        self._footer(canvas, cover=False)
        canvas.restoreState()
