"""Paragraphs and single lines that print every script (see ``shaping`` and ``fonts``).

``Para`` is the pack's Paragraph: its text is laid out in logical order (so lines
break where they would for the words as typed), each piece in a face that has its
glyphs, and each line is put in visual order only when drawn, so wrapped right-to-left
lines come out top to bottom in reading order.  A paragraph whose first strong
character is right-to-left is an RTL paragraph: right-aligned where its style says
left.  ``draw_line`` does the same for one line on the canvas (the running header).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from desktop.briefing import fonts
from desktop.briefing.shaping import has_rtl, is_rtl, shape, visual_order


def _is_text_frag(frag: Any) -> bool:
    return (
        not hasattr(frag, "cbDefn")
        and isinstance(getattr(frag, "text", None), str)
        and isinstance(getattr(frag, "fontName", None), str)
    )


def _with_fallback(frags: list[Any]) -> list[Any]:
    """Each text fragment split where its face lacks a glyph (per-character fallback)."""
    out: list[Any] = []
    for frag in frags:
        if not _is_text_frag(frag) or frag.text.isascii():
            out.append(frag)
            continue
        pieces = fonts.runs(frag.text, frag.fontName)
        if len(pieces) == 1 and pieces[0][0] == frag.fontName:
            out.append(frag)
        else:
            out.extend(frag.clone(text=piece, fontName=face) for face, piece in pieces)
    return out


_RIGHT_STYLES: dict[int, tuple[ParagraphStyle, ParagraphStyle]] = {}


def _right_aligned(style: ParagraphStyle) -> ParagraphStyle:
    cached = _RIGHT_STYLES.get(id(style))
    if cached is not None and cached[0] is style:
        return cached[1]
    right = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)
    _RIGHT_STYLES[id(style)] = (style, right)
    return right


class Para(Paragraph):
    """A Paragraph with font fallback, and bidi order applied line by line when drawn."""

    frags: Any
    style: Any
    blPara: Any

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:
        super()._setup(text, style, bulletText, frags, cleaner)
        if isinstance(self.frags, list) and all(not isinstance(f, list) for f in self.frags):
            self.frags = _with_fallback(self.frags)
            logical = "".join(f.text for f in self.frags if _is_text_frag(f))
        else:
            logical = ""
        self._bidi = has_rtl(logical)
        self._rtl = self._bidi and is_rtl(logical)
        if self._rtl and self.style.alignment == TA_LEFT:
            self.style = _right_aligned(self.style)

    def drawPara(self, debug: int = 0) -> Any:
        if not self._bidi:
            return super().drawPara(debug)
        logical = self.blPara
        self.blPara = _visual_lines(logical, self._rtl)
        try:
            return super().drawPara(debug)
        finally:
            self.blPara = logical


def _visual_lines(bl_para: Any, rtl: bool) -> Any:
    """A copy of the laid-out lines with each line's characters in drawing order."""
    out = copy.copy(bl_para)
    if bl_para.kind == 0:
        lines = []
        for extra, words in bl_para.lines:
            text = " ".join(words)
            if has_rtl(text) or rtl:
                drawn = "".join(ch for _, ch in visual_order(text, rtl))
                words = drawn.split(" ")
            lines.append((extra, words))
        out.lines = lines
    else:
        out.lines = [_visual_frag_line(line, rtl) for line in bl_para.lines]
    return out


def _visual_frag_line(line: Any, rtl: bool) -> Any:
    words = line.words
    if not all(_is_text_frag(f) for f in words):
        return line  # images or callbacks in the line: left as laid out
    text = "".join(f.text for f in words)
    if not (rtl or has_rtl(text)) or not text:
        return line
    owner: list[int] = []
    for k, frag in enumerate(words):
        owner.extend([k] * len(frag.text))
    groups: list[list[Any]] = []
    for index, ch in visual_order(text, rtl):
        k = owner[index]
        if groups and groups[-1][0] == k:
            groups[-1][1] += ch
        else:
            groups.append([k, ch])
    new = copy.copy(line)
    new.words = [words[k].clone(text=piece) for k, piece in groups]
    return new


# ----------------------------------------------------------------- single lines


@lru_cache(maxsize=256)
def fit_line(text: str, font: str, size: float, width: float) -> str:
    """``text`` (logical order) shortened with an ellipsis to fit ``width`` when drawn."""
    if fonts.width(shape(text), font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fonts.width(shape(text[:mid] + "…"), font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def visual_runs(text: str, font: str) -> list[tuple[str, str]]:
    """One line of logical ``text``: shaped, in drawing order, as (face, piece) runs."""
    shaped = shape(text)
    faces: list[str] = []
    for face, piece in fonts.runs(shaped, font):
        faces.extend([face] * len(piece))
    if has_rtl(shaped):
        order = visual_order(shaped, is_rtl(shaped))
    else:
        order = list(enumerate(shaped))
    out: list[tuple[str, str]] = []
    for index, ch in order:
        face = faces[index]
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


def draw_line(
    canvas: Any,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    *,
    max_width: float | None = None,
    anchor: str = "start",
) -> None:
    """Draw one line of user text: fitted, shaped, in visual order, with fallback faces.

    ``anchor`` "start" draws from ``x`` (rightwards), "end" ends at ``x``, "middle"
    centres on ``x``.
    """
    if max_width is not None:
        text = fit_line(text, font, size, max_width)
    pieces = visual_runs(text, font)
    total = sum(stringWidth(piece, face, size) for face, piece in pieces)
    if anchor == "end":
        x -= total
    elif anchor == "middle":
        x -= total / 2
    for face, piece in pieces:
        canvas.setFont(face, size)
        canvas.drawString(x, y, piece)
        x += stringWidth(piece, face, size)
