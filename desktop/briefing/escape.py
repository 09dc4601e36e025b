"""The one escaping function every user string passes through before a Paragraph.

ReportLab parses Paragraph text as a small markup language (``<b>``, ``<img>``,
``<link>``, entities).  User text must print literally, never as markup, so ``&``,
``<`` and ``>`` become entities and quotes are escaped too (attribute safety).
Control characters other than tab and newline are dropped (they are not valid
in the XML the paragraph parser reads); newlines become line breaks.
"""

from __future__ import annotations

from desktop.briefing.fonts import CJK, EMOJI, REGULAR, runs
from desktop.briefing.shaping import shape, visual

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def _keep(ch: str) -> bool:
    code = ord(ch)
    if code in (9, 10):
        return True
    if code < 32 or code == 0x7F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return False
    return True


def _escape_piece(text: str, breaks: bool, out: list[str]) -> None:
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch == "\n":
            out.append("<br/>" if breaks else " ")
        elif ch == "\t":
            out.append(" ")
        elif _keep(ch):
            out.append(ch)


def esc(value: object, *, breaks: bool = True, line: bool = False) -> str:
    """``value`` as Paragraph-safe text that prints exactly as typed.

    Arabic is shaped (joining forms, still in logical order: ``Para`` puts each laid-out
    line in visual order).  Characters DejaVu Sans lacks are wrapped in the fallback
    face that has them (CJK, emoji), so that even a plain ReportLab Paragraph draws
    them.  ``line=True``: the text is one line for a plain Paragraph (a TOC entry),
    already put in visual order here.
    """
    if value is None:
        return ""
    text = shape(str(value).replace("\r\n", "\n").replace("\r", "\n"))
    if line:
        text = visual(text.replace("\n", " "))
    out: list[str] = []
    if text.isascii():
        _escape_piece(text, breaks, out)
        return "".join(out)
    for face, piece in runs(text, REGULAR):
        if face in (CJK, EMOJI):
            out.append(f'<font face="{face}">')
            _escape_piece(piece, breaks, out)
            out.append("</font>")
        else:
            _escape_piece(piece, breaks, out)
    return "".join(out)


def plain(value: object) -> str:
    """User text for places that are not parsed as markup (outline, metadata, canvas)."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return "".join(ch for ch in text if _keep(ch))
