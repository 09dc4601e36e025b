"""What every section uses: the section context, portion marks, cells and long tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from db.classification import Classification, parse_level, portion_mark
from db.enums import STANCE_LABELS, label
from desktop.briefing import palette
from desktop.briefing.attachments import Attachment
from desktop.briefing.board import more_note
from desktop.briefing.data import PackData
from desktop.briefing.doctemplate import Heading, LayoutState
from desktop.briefing.escape import esc, plain
from desktop.briefing.fonts import BOLD, REGULAR, needs_fallback
from desktop.briefing.paragraphs import Para
from desktop.briefing.parameters import SECTION_TITLES
from desktop.briefing.shaping import has_rtl
from desktop.briefing.styles import PageGeometry, Styles, hex_colour
from desktop.briefing.typography import signed

CELL_PAD = 3.0
HEAD_BG = hex_colour(palette.TABLE_HEADER)
STRIPE = hex_colour(palette.TABLE_STRIPE)
GRID = hex_colour(palette.RULE)
MAX_CELL_CHARS = 600
MAX_LONG_TEXT = 1500
# Every table names its font: ReportLab's cell default is Helvetica, which is not embedded.
FONT_CMD: tuple[Any, ...] = ("FONT", (0, 0), (-1, -1), REGULAR, 7.8, 9.6)


@dataclass
class SectionContext:
    data: PackData
    styles: Styles
    geometry: PageGeometry
    layout: LayoutState
    # The banner level the cover and Annex C state: decided by a first pass over the
    # story (``desktop.briefing.marking``), None during that pass.
    banner: Classification | None = None
    # Every level a portion mark was printed for while the story was built: the
    # highest of these is the banner (the page prints no record without its mark).
    printed: set[Classification] = field(default_factory=set)
    # Files embedded in the PDF (the full event log beside a capped Annex A).
    attachments: list[Attachment] = field(default_factory=list)
    _keys: list[str] = field(default_factory=list)

    @property
    def width(self) -> float:
        return self.geometry.frame_width

    @property
    def prefix(self) -> str:
        return self.data.params.marking_prefix

    def mark(self, level: str) -> str:
        """The portion mark printed beside a record of ``level``; the level counts for the banner."""
        parsed = parse_level(level)
        self.printed.add(parsed)
        return portion_mark(parsed, self.prefix)

    def pure_mark(self, level: str) -> str:
        """The mark alone, for a label that may not be printed (the caller marks what is)."""
        return portion_mark(level, self.prefix)

    def marked_ref(self, level: str, ref: str) -> str:
        """The compact form where space is short (heat-map cells, chart labels, ref lists)."""
        return f"{self.mark(level)}{ref}"

    def risk_level(self, ref: str) -> str:
        """Level of a risk printed by ref; an unknown ref is marked at the ceiling (never lower)."""
        found = self._risk_levels().get(ref)
        return found if found is not None else str(self.data.params.ceiling)

    def _risk_levels(self) -> dict[str, str]:
        cached = getattr(self, "_risk_level_cache", None)
        if cached is None:
            cached = {r.ref: r.level for r in self.data.risks}
            self._risk_level_cache = cached
        return cached

    def heading(
        self,
        section: str,
        text: str | None = None,
        *,
        level: int = 0,
        toc: bool = True,
        markup: str | None = None,
        style: Any = None,
    ) -> Heading:
        """A heading that is also an outline entry and a TOC line (deterministic key)."""
        shown = text if text is not None else SECTION_TITLES[section]
        key = f"s{len(self._keys) + 1}-{section}"
        self._keys.append(key)
        if style is None:
            style = self.styles.h1 if level == 0 else self.styles.h2
        return Heading(
            markup if markup is not None else esc(shown),
            style,
            level=level,
            plain=plain(shown),
            key=key,
            toc=toc,
        )


def shorten(text: str | None, limit: int = MAX_CELL_CHARS) -> str:
    if not text:
        return ""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fmt_date(day: dt.date | None) -> str:
    return day.strftime("%d %b %Y") if day else "—"


def fmt_short_date(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def stance_text(stance: int) -> str:
    return f"{STANCE_LABELS.get(stance, str(stance))} ({signed(stance)})"


def enum_label(value: str | None) -> str:
    return label(value) if value else "—"


def para(markup: str, style: Any) -> Any:
    return Para(markup, style)


def cell(text: object, style: Any, width: float) -> Any:
    """A plain string when the (escaped-free) text fits on one line, else a Paragraph.

    Strings are drawn without markup parsing, so they need no escaping; anything
    that must wrap, or needs shaping, bidi order or a fallback face, becomes a
    Paragraph of escaped text.
    """
    raw = "" if text is None else str(text)
    if "\n" not in raw and "\r" not in raw and len(raw) < 90:
        simple = raw.isascii() or not (has_rtl(raw) or needs_fallback(raw, style.fontName))
        if simple and stringWidth(raw, style.fontName, style.fontSize) <= width - 2 * CELL_PAD:
            return plain(raw)
    return Para(esc(raw), style)


def base_table_style(
    n_rows: int, *, header: bool = True, stripes: bool = True
) -> list[tuple[Any, ...]]:
    cmds: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, 7.8, 9.6),
        ("TEXTCOLOR", (0, 0), (-1, -1), hex_colour(palette.INK)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
    ]
    if header:
        cmds += [
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONT", (0, 0), (-1, 0), BOLD, 7.8, 9.6),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ]
    if stripes:
        first = 1 if header else 0
        cmds.append(("ROWBACKGROUNDS", (0, first), (-1, -1), [colors.white, STRIPE]))
    return cmds


_HEAD_STYLE = Styles().cell_head


def header_cells(labels: Sequence[Any]) -> list[Any]:
    """Header labels as wrapping paragraphs (fixed words, escaped all the same)."""
    return [Para(esc(x), _HEAD_STYLE) if isinstance(x, str) and x else x for x in labels]


_CELL_STYLE = Styles().cell


def fitted(value: Any, width: float) -> Any:
    """A plain-string cell as it is, when every line of it fits its column and it needs
    no shaping or fallback face; else the same text as a wrapping Paragraph (long words
    split), so that no ref, mark or date runs into the next column or past the margin."""
    if not isinstance(value, str) or not value:
        return value
    room = width - 2 * CELL_PAD
    font, size = _CELL_STYLE.fontName, _CELL_STYLE.fontSize
    # Text that needs shaping, right-to-left order or a fallback face is never drawn
    # as a plain string, whatever its width (as in ``cell``).
    simple = value.isascii() or not (has_rtl(value) or needs_fallback(value, font))
    if simple and all(stringWidth(line, font, size) <= room for line in value.split("\n")):
        return value
    return Para("<br/>".join(esc(line) for line in value.split("\n")), _CELL_STYLE)


def fitted_rows(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> list[list[Any]]:
    return [[fitted(v, w) for v, w in zip(row, widths, strict=False)] for row in rows]


def simple_table(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    extra: Sequence[tuple[Any, ...]] = (),
    stripes: bool = True,
) -> Table:
    """A short table (it may still split; its header repeats)."""
    data = ([header_cells(header)] if header else []) + fitted_rows(rows, widths)
    t = Table(data, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    t.setStyle(
        TableStyle(base_table_style(len(data), header=bool(header), stripes=stripes) + list(extra))
    )
    return t


class LongTable(Flowable):
    """A table of many rows that splits page by page in linear time.

    Row heights are measured once (each cell wrapped once) and kept, so splitting
    at every page boundary does not measure the remaining rows again, and later
    build passes reuse the measurements.  The rows are shared, never copied: each
    remainder is a view (``start``) into the same lists.  Each page gets a
    ReportLab ``Table`` with the header row repeated and the row heights given.  In
    a draft pass (one that only counts pages) the pages are placeholders of the
    same size, so the heavy drawing is done once, in the final pass.
    """

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
        *,
        layout: LayoutState,
        row_styles: Callable[[int, int], list[tuple[Any, ...]]] | None = None,
        _shared: tuple[list[Any], list[float], Any] | None = None,
        _start: int = 0,
    ) -> None:
        super().__init__()
        self.widths = list(widths)
        self.layout = layout
        self.row_styles = row_styles
        self._start = _start
        if _shared is not None:
            self.rows, self._heights, self.header = _shared[0], _shared[1], _shared[2]
        else:
            self.header = header_cells(header)
            self.rows = fitted_rows(rows, self.widths)
            self._heights = []
        self._head_h: float | None = None

    def _row_height(self, row: Sequence[Any]) -> float:
        h = 9.6
        for value, w in zip(row, self.widths, strict=False):
            if isinstance(value, Flowable):
                h = max(h, value.wrap(w - 2 * CELL_PAD, 1e6)[1])
            elif isinstance(value, (list, tuple)):
                h = max(h, sum(v.wrap(w - 2 * CELL_PAD, 1e6)[1] for v in value))
            elif value is not None:
                h = max(h, 9.6 * (str(value).count("\n") + 1))
        return h + 5.0

    def _measure(self) -> None:
        if self._head_h is None:
            self._head_h = self._row_height(self.header)
        if len(self._heights) < len(self.rows):
            self._heights.extend(self._row_height(r) for r in self.rows[len(self._heights) :])

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._measure()
        assert self._head_h is not None
        self.width = sum(self.widths)
        self.height = self._head_h + sum(self._heights[self._start :])
        return self.width, self.height

    def _page(self, start: int, stop: int) -> Flowable:
        assert self._head_h is not None
        heights = [self._head_h, *self._heights[start:stop]]
        if self.layout.draft:
            return Spacer(sum(self.widths), sum(heights))
        data = [self.header, *self.rows[start:stop]]
        t = Table(data, colWidths=self.widths, rowHeights=heights, repeatRows=1, hAlign="LEFT")
        cmds = base_table_style(len(data))
        if self.row_styles is not None:
            for i in range(start, stop):
                cmds.extend(self.row_styles(i, i - start + 1))
        t.setStyle(TableStyle(cmds))
        return t

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self._measure()
        assert self._head_h is not None
        room = availHeight - self._head_h
        n = self._start
        used = 0.0
        total = len(self._heights)
        while n < total and used + self._heights[n] <= room:
            used += self._heights[n]
            n += 1
        if n == self._start:
            return []
        if n >= total:
            return [self._page(self._start, n)]
        rest = LongTable(
            self.header,
            (),
            self.widths,
            layout=self.layout,
            row_styles=self.row_styles,
            _shared=(self.rows, self._heights, self.header),
            _start=n,
        )
        rest._head_h = self._head_h
        return [self._page(self._start, n), rest]

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        # Reached only when the whole table fitted where it stands.
        page = self._page(self._start, len(self.rows))
        page.wrapOn(canvas, self.width, self.height)
        page.drawOn(canvas, x, y, _sW)

    def draw(self) -> None:  # pragma: no cover - drawOn is overridden
        pass


def more_rows(ctx: SectionContext, more: int, where: str = "") -> list[Flowable]:
    """The line under a capped table: "And 12 more: <where>." (nothing when none is left out)."""
    note = more_note(more, where)
    return [para(esc(note[:1].upper() + note[1:] + "."), ctx.styles.note)] if note else []


def band_cell(col: int, row: int, band: str) -> list[tuple[Any, ...]]:
    """A table cell in a band's colour with that band's text colour (WCAG AA, one pair per
    band in ``palette``): every band cell of the pack looks the same."""
    return [
        ("BACKGROUND", (col, row), (col, row), hex_colour(palette.band_colour(band))),
        ("TEXTCOLOR", (col, row), (col, row), hex_colour(palette.BAND_TEXT_COLOURS[band])),
    ]
