"""Page geometry and paragraph styles as data (one place to change the look)."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from desktop.briefing import palette
from desktop.briefing.fonts import BOLD, ITALIC, REGULAR


@dataclass(frozen=True)
class PageGeometry:
    """Sizes of one paper: margins leave room for banner, header and footer bands."""

    width: float
    height: float
    left: float = 18 * mm
    right: float = 18 * mm
    top: float = 26 * mm  # banner band + running header
    bottom: float = 24 * mm  # footer + banner band
    banner_height: float = 7 * mm

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.height - self.top - self.bottom


PAPER_SIZES = {"a4": A4, "letter": LETTER}


def geometry(paper: str) -> PageGeometry:
    w, h = PAPER_SIZES[paper]
    return PageGeometry(width=w, height=h)


def hex_colour(value: str) -> colors.Color:
    return colors.HexColor(value)


INK = hex_colour(palette.INK)
MUTED = hex_colour(palette.MUTED)
ACCENT = hex_colour(palette.ACCENT)
RULE = hex_colour(palette.RULE)


def _style(name: str, **kw: object) -> ParagraphStyle:
    base: dict[str, object] = {
        "fontName": REGULAR,
        "fontSize": 9.5,
        "leading": 13,
        "textColor": INK,
        "alignment": TA_LEFT,
        "bulletFontName": REGULAR,
    }
    base.update(kw)
    return ParagraphStyle(name, **base)  # type: ignore[arg-type]


class Styles:
    """The pack's paragraph styles.  Heading styles are what the TOC and outline follow."""

    def __init__(self) -> None:
        self.body = _style("Body", spaceAfter=4)
        self.small = _style("Small", fontSize=8, leading=10.5)
        self.muted = _style("Muted", fontSize=8, leading=10.5, textColor=MUTED)
        self.note = _style(
            "Note",
            fontName=ITALIC,
            fontSize=8.5,
            leading=11.5,
            textColor=MUTED,
            spaceBefore=2,
            spaceAfter=6,
        )
        self.h1 = _style(
            "H1",
            fontName=BOLD,
            fontSize=17,
            leading=21,
            textColor=ACCENT,
            spaceBefore=0,
            spaceAfter=8,
        )
        self.h2 = _style(
            "H2",
            fontName=BOLD,
            fontSize=12,
            leading=15,
            textColor=ACCENT,
            spaceBefore=10,
            spaceAfter=5,
        )
        self.h3 = _style(
            "H3", fontName=BOLD, fontSize=10, leading=13, textColor=INK, spaceBefore=6, spaceAfter=3
        )
        self.cell = _style("Cell", fontSize=7.8, leading=9.6)
        self.cell_bold = _style("CellBold", fontName=BOLD, fontSize=7.8, leading=9.6)
        self.cell_muted = _style("CellMuted", fontSize=7, leading=8.6, textColor=MUTED)
        self.cell_head = _style(
            "CellHead",
            fontName=BOLD,
            fontSize=7.8,
            leading=9.6,
            textColor=hex_colour(palette.TABLE_HEADER_TEXT),
        )
        self.cell_right = _style("CellRight", fontSize=7.8, leading=9.6, alignment=TA_RIGHT)
        self.cell_center = _style("CellCenter", fontSize=7.8, leading=9.6, alignment=TA_CENTER)
        self.bullet = _style("Bullet", leftIndent=10, bulletIndent=0, spaceAfter=2)
        self.cover_title = _style(
            "CoverTitle", fontName=BOLD, fontSize=26, leading=32, textColor=ACCENT, spaceAfter=10
        )
        self.cover_sub = _style("CoverSub", fontSize=13, leading=17, textColor=INK, spaceAfter=4)
        self.cover_meta = _style("CoverMeta", fontSize=10, leading=14, textColor=INK)
        self.figure_value = _style(
            "FigureValue",
            fontName=BOLD,
            fontSize=16,
            leading=19,
            alignment=TA_CENTER,
            textColor=ACCENT,
        )
        self.figure_label = _style(
            "FigureLabel", fontSize=7.5, leading=9.5, alignment=TA_CENTER, textColor=MUTED
        )
        self.toc_levels = [
            _style(
                "TOC0", fontName=BOLD, fontSize=10.5, leading=15, leftIndent=0, firstLineIndent=0
            ),
            _style("TOC1", fontSize=9, leading=12.5, leftIndent=14, firstLineIndent=0),
        ]
