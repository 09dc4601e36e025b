"""The one escaping function every user string passes through before a Paragraph.

ReportLab parses Paragraph text as a small markup language (``<b>``, ``<img>``,
``<link>``, entities).  User text must print literally, never as markup, so ``&``,
``<`` and ``>`` become entities and quotes are escaped too (attribute safety).
Control characters other than tab and newline are dropped (they are not valid
in the XML the paragraph parser reads); newlines become line breaks.
"""

from __future__ import annotations

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def _keep(ch: str) -> bool:
    code = ord(ch)
    if code in (9, 10):
        return True
    if code < 32 or code == 0x7F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return False
    return True


def esc(value: object, *, breaks: bool = True) -> str:
    """``value`` as Paragraph-safe text that prints exactly as typed."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch == "\n":
            out.append("<br/>" if breaks else " ")
        elif ch == "\t":
            out.append(" ")
        elif _keep(ch):
            out.append(ch)
    return "".join(out)


def plain(value: object) -> str:
    """User text for places that are not parsed as markup (outline, metadata, canvas)."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return "".join(ch for ch in text if _keep(ch))
