"""The one escaping function every user string passes through before a Paragraph.

ReportLab parses Paragraph text as a small markup language (``<b>``, ``<img>``,
``<link>``, entities).  User text must print literally, never as markup, so ``&``,
``<`` and ``>`` become entities and quotes are escaped too (attribute safety).
Control characters other than tab and newline are dropped (they are not valid
in the XML the paragraph parser reads); newlines become line breaks.
"""

from __future__ import annotations

import unicodedata

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def _keep(ch: str) -> bool:
    code = ord(ch)
    if code in (9, 10):
        return True
    if code < 32 or code == 0x7F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return False
    return True


def _is_rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def visual(text: str) -> str:
    """Right-to-left runs (Arabic, Hebrew) put in visual order for left-to-right drawing.

    ReportLab draws characters in the order given; a run of right-to-left letters
    (with the spaces and marks inside it) is reversed so that it reads correctly,
    combining marks staying after their base letter.  Left-to-right text is
    unchanged.  A simple subset of the Unicode bidi algorithm, enough for names and
    titles embedded in English text.
    """
    if not any(_is_rtl(ch) for ch in text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if not _is_rtl(text[i]):
            out.append(text[i])
            i += 1
            continue
        j = i
        last_rtl = i
        while j < n:
            ch = text[j]
            cls = unicodedata.bidirectional(ch)
            if cls in ("R", "AL", "NSM", "AN"):
                if cls != "NSM" and cls != "AN":
                    last_rtl = j
                j += 1
            elif cls in ("WS", "ON", "CS") and ch not in "<>&":
                j += 1
            else:
                break
        run = text[i : last_rtl + 1]
        while last_rtl + 1 < n and unicodedata.bidirectional(text[last_rtl + 1]) == "NSM":
            last_rtl += 1
            run = text[i : last_rtl + 1]
        clusters: list[str] = []
        for ch in run:
            if clusters and unicodedata.combining(ch):
                clusters[-1] += ch
            else:
                clusters.append(ch)
        out.append("".join(reversed(clusters)))
        i = last_rtl + 1
    return "".join(out)


def esc(value: object, *, breaks: bool = True) -> str:
    """``value`` as Paragraph-safe text that prints exactly as typed."""
    if value is None:
        return ""
    text = visual(str(value).replace("\r\n", "\n").replace("\r", "\n"))
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
