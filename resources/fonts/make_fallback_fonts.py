"""Rebuild the pack's fallback fonts in resources/fonts from Debian's font packages.

    apt-get install fonts-droid-fallback fonts-symbola
    uv run python resources/fonts/make_fallback_fonts.py

DejaVu Sans (the pack's own face) covers Latin, Greek, Cyrillic, Arabic and Hebrew;
what it lacks comes from two fallback faces, both TrueType outlines (ReportLab embeds
only those), subset here to the blocks they are for and stripped of hinting and of the
OpenType layout tables ReportLab never reads:

- ``PackCJK.ttf`` from Droid Sans Fallback (Apache 2.0): Chinese, Japanese kana,
  Korean Hangul, CJK punctuation and full-width forms.  The most compact pan-CJK
  TrueType face there is (Noto CJK is several times larger and CFF, which ReportLab
  cannot embed).
- ``PackEmoji.ttf`` from Symbola (free for any use): emoji and pictographs, arrows,
  dingbats, keycaps, variation selectors and ZWJ, as monochrome outlines.  The
  invisible bidi isolates (U+2066..U+2069), which no face here has, are mapped to its
  empty zero-width ZWJ glyph so that text typed with them still prints (and extracts)
  as typed.

Nothing is downloaded at run time: the subset files and their licences are committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

OUT = Path(__file__).resolve().parent  # resources/fonts, beside this script

CJK_SOURCE = Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf")
EMOJI_SOURCE = Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf")

# The space and no-break space: ReportLab draws the space between two words in the
# face of the word before it.
SPACES = ((0x0020, 0x0020), (0x00A0, 0x00A0))
CJK_RANGES = SPACES + (
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x33FF),  # CJK punctuation, kana, bopomofo, compatibility jamo, enclosed
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half- and full-width forms
)
EMOJI_RANGES = SPACES + (
    (0x200D, 0x200D),  # zero-width joiner
    (0x20E3, 0x20E3),  # combining enclosing keycap
    (0xFE0E, 0xFE0F),  # text / emoji variation selectors
    (0x2190, 0x21FF),  # arrows
    (0x2300, 0x23FF),  # miscellaneous technical (watch, hourglass...)
    (0x2460, 0x24FF),  # enclosed alphanumerics
    (0x25A0, 0x27BF),  # shapes, miscellaneous symbols, dingbats
    (0x2900, 0x297F),  # supplemental arrows
    (0x2B00, 0x2BFF),  # miscellaneous symbols and arrows
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1FAFF),  # mahjong .. symbols and pictographs extended A
    (0xE0020, 0xE007F),  # tag characters (subdivision flags)
)
INVISIBLE_EXTRAS = (0x2066, 0x2067, 0x2068, 0x2069)  # bidi isolates


def _codepoints(ranges: tuple[tuple[int, int], ...]) -> list[int]:
    return [c for lo, hi in ranges for c in range(lo, hi + 1)]


def _subset(source: Path, ranges: tuple[tuple[int, int], ...], target: Path) -> TTFont:
    font = TTFont(str(source))
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "vhea", "vmtx", "gasp", "DSIG"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_codepoints(ranges))
    subsetter.subset(font)
    return font


def _map_to_empty(font: TTFont, codepoints: tuple[int, ...], like: int) -> None:
    """Map ``codepoints`` to the glyph of ``like`` (an empty zero-width glyph)."""
    glyph = font.getBestCmap()[like]
    assert font["hmtx"][glyph][0] == 0, "the glyph borrowed must be zero-width"
    for table in font["cmap"].tables:
        if table.isUnicode():
            for cp in codepoints:
                if cp <= 0xFFFF or table.format == 12:
                    table.cmap.setdefault(cp, glyph)


def main() -> int:
    for source in (CJK_SOURCE, EMOJI_SOURCE):
        if not source.exists():
            print(f"missing {source}: apt-get install fonts-droid-fallback fonts-symbola")
            return 1
    cjk = _subset(CJK_SOURCE, CJK_RANGES, OUT / "PackCJK.ttf")
    cjk.save(str(OUT / "PackCJK.ttf"))
    emoji = _subset(EMOJI_SOURCE, EMOJI_RANGES, OUT / "PackEmoji.ttf")
    _map_to_empty(emoji, INVISIBLE_EXTRAS, 0x200D)
    emoji.save(str(OUT / "PackEmoji.ttf"))
    for name in ("PackCJK.ttf", "PackEmoji.ttf"):
        size = (OUT / name).stat().st_size
        print(f"{name}: {size / 1_000_000:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
