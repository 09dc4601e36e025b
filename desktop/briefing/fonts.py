"""The pack's fonts: DejaVu Sans, and per-character fallback faces for what it lacks.

All shipped in resources/fonts (with their licences) and embedded as subsets; nothing
is looked up on the system or downloaded.  DejaVu Sans covers Latin, Greek, Cyrillic,
Arabic and Hebrew; ``PackCJK`` (Droid Sans Fallback) Chinese, Japanese and Korean;
``PackEmoji`` (Symbola) emoji and pictographs (see resources/fonts/make_fallback_fonts.py).  The
two fallback faces are read from disk only when a pack first needs one of their
characters.

``runs`` splits text into pieces each drawn in one face, so that mixed text prints
every character with a real glyph: the face asked for when it has the glyph, else its
upright twin (the oblique faces lack Arabic), else CJK, else emoji.  Combining marks,
joiners and variation selectors stay in the face of the character they belong to.

The text layer: ReportLab's ToUnicode map writes code points above U+FFFF as bare
hex (a malformed map: an emoji extracted as garbage) and the Arabic joining forms the
shaper draws as themselves.  ``_to_unicode_cmap`` replaces it with a map in UTF-16
that gives the letters typed for each joining form and ligature.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from desktop.resources import resource_path

FAMILY = "DejaVuSans"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"
CJK = "PackCJK"
EMOJI = "PackEmoji"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}
_FALLBACK_FILES = {CJK: "PackCJK.ttf", EMOJI: "PackEmoji.ttf"}
# The face that stands in for a family face lacking a glyph (oblique → upright).
_UPRIGHT = {ITALIC: REGULAR, BOLD_ITALIC: BOLD}
_registered = False


def register_fonts() -> None:
    """Register the family once per process (TrueType, subset and embedded by ReportLab)."""
    global _registered
    if _registered:
        return
    for name, file_name in _FILES.items():
        # The font is registered under its face name only: the file path never
        # reaches the PDF.
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
    addMapping(FAMILY, 0, 0, REGULAR)
    addMapping(FAMILY, 1, 0, BOLD)
    addMapping(FAMILY, 0, 1, ITALIC)
    addMapping(FAMILY, 1, 1, BOLD_ITALIC)
    # Paragraph <b>/<i> inside the family resolve through the mapping above.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD_ITALIC)
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    _registered = True


def _fallback(name: str) -> TTFont:
    """A fallback face, read and registered the first time a pack needs it."""
    register_fonts()
    try:
        return pdfmetrics.getFont(name)  # type: ignore[no-any-return]
    except KeyError:
        font = TTFont(name, str(resource_path("fonts", _FALLBACK_FILES[name])))
        pdfmetrics.registerFont(font)
        # A fallback face has no bold or italic: <b>/<i> around it keep it.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
        return font


@lru_cache(maxsize=16)
def _cmap(name: str) -> frozenset[int]:
    register_fonts()
    font = _fallback(name) if name in _FALLBACK_FILES else pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


def has_glyph(font_name: str, ch: str) -> bool:
    return ord(ch) in _cmap(font_name)


def _attached(ch: str) -> bool:
    """Drawn with the character before it (marks, joiners, selectors, skin tones)."""
    code = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Me")
        or code in (0x200C, 0x200D)
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
    )


@lru_cache(maxsize=8192)
def face_for(font_name: str, ch: str) -> str:
    """The face that draws ``ch`` in text set in ``font_name``."""
    if font_name not in _FILES and font_name not in _FALLBACK_FILES:
        return font_name  # not one of the pack's faces: left as it is
    code = ord(ch)
    if code < 0x0370 or code in _cmap(font_name):
        return font_name
    upright = _UPRIGHT.get(font_name)
    if upright is not None and code in _cmap(upright):
        return upright
    for name in (REGULAR, CJK, EMOJI):
        if code in _cmap(name):
            return name
    return font_name  # no face has it


def needs_fallback(text: str, font_name: str = REGULAR) -> bool:
    """Whether any character of ``text`` is drawn in another face than ``font_name``."""
    if text.isascii():
        return False
    return any(face_for(font_name, ch) != font_name for ch in text)


def runs(text: str, font_name: str) -> list[tuple[str, str]]:
    """``text`` as (face, piece) runs, each piece drawable in its face."""
    if text.isascii():
        return [(font_name, text)] if text else []
    out: list[tuple[str, str]] = []
    for ch in text:
        face = face_for(font_name, ch)
        if out and _attached(ch) and has_glyph(out[-1][0], ch):
            face = out[-1][0]
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


def width(text: str, font_name: str, size: float) -> float:
    """The width of ``text`` drawn with per-character fallback."""
    return sum(pdfmetrics.stringWidth(piece, face, size) for face, piece in runs(text, font_name))


def _typed(code: int) -> str:
    """The text a drawn character stands for: Arabic joining forms → the letters typed."""
    ch = chr(code)
    if 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        decomposed = unicodedata.normalize("NFKC", ch)
        if decomposed.strip() and decomposed != ch:
            return decomposed
    return ch


def typed_text(shaped: str) -> str:
    """The letters typed for shaped text (joining forms and ligatures undone)."""
    if shaped.isascii():
        return shaped
    return "".join(_typed(ord(ch)) for ch in shaped)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap, with UTF-16 destinations (surrogate pairs above
    U+FFFF, as the PDF format requires) and joining forms mapped to their letters."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
    ]
    lines += [
        f"<{i:02X}> <{_typed(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)
    ]
    lines += [
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)
