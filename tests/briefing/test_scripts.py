"""Every script prints: Arabic and Hebrew shaped and in bidi order, CJK and emoji in
their fallback faces, and a text layer that gives back what was typed.

One hostile-text pack (titles and names in Arabic, Hebrew, Chinese, Japanese, Korean,
emoji, mixed with Latin and digits) is built once and read back with pypdf, with
pdftotext and, for its embedded fonts, with fontTools.  Smaller tests draw single
paragraphs where positions are easier to check.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fontTools.ttLib import TTFont as ToolsFont
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame

from desktop.briefing.builder import build_pack
from desktop.briefing.escape import esc
from desktop.briefing.fonts import REGULAR, register_fonts
from desktop.briefing.paragraphs import Para, draw_line
from desktop.briefing.parameters import BriefingParameters
from desktop.briefing.sections.edition import WATERMARK
from desktop.briefing.shaping import shape, visual
from desktop.resources import resource_path
from tests.briefing.helpers import (
    event,
    page_texts,
    partnership,
    risk,
    squash,
    stakeholder,
    text_risk,
)

ARABIC = "مرحبا بالعالم"
HEBREW = "שלום עולם"
CHINESE = "中文名称测试"
JAPANESE = "日本語のテキスト"
KOREAN = "한국어 텍스트"
EMOJI = "Emoji 😀 🎉 👍🏽 🇺🇳 ❤️"
MIXED_CJK = "混合 Latin 123 和 中文 😀"
LATIN_WITH_RTL = "Partner שלום Ltd"
LAM_ALEF = "السلام عليكم"
RTL_WITH_DIGITS = "تقرير 2024 (مسودة)"
# Drawn in one logical order that both extractors give back exactly.
EXACT = [ARABIC, HEBREW, CHINESE, JAPANESE, KOREAN, EMOJI, MIXED_CJK]
TITLE = "تقرير المخاطر الشهري"
LONG_ARABIC = (
    "هذا نص عربي طويل يجب أن يلتف على عدة أسطر في الخلية لكي نتحقق من أن ترتيب "
    "الأسطر صحيح من الأعلى إلى الأسفل وأن كل سطر يقرأ من اليمين إلى اليسار"
)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="poppler-utils not installed on this developer machine; CI installs it "
    "(.ci/run), and there a missing tool fails this test instead",
)


@pytest.fixture(scope="module")
def hostile_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from db.engine import open_register

    folder = tmp_path_factory.mktemp("scripts")
    register = open_register(folder / "r.db")
    try:
        owner = stakeholder(register, "مؤسسة الأمل")
        p = partnership(register, "شراكة التعليم", owner.id)
        texts = [*EXACT, LATIN_WITH_RTL, LAM_ALEF, RTL_WITH_DIGITS]
        for n, text in enumerate(texts):
            r = text_risk(register, n, text, p.id)
            event(register, text, days_ago=1 + n, kind="criticism", severity=3, risk_ids=[r.id])
            stakeholder(register, f"{n} {text}")
        risk(register, "Long Arabic mitigation", likelihood=5, impact=5, mitigation=LONG_ARABIC)
        out = folder / "hostile.pdf"
        build_pack(register, BriefingParameters(title=TITLE), out, actor="Tester")
    finally:
        register.dispose()
    return out


def pdftotext(path: Path, *args: str) -> str:
    done = subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------- the text layer


def test_pypdf_gives_back_every_script_as_typed(hostile_pack):
    text = squash("\n".join(page_texts(hostile_pack)))
    assert "\x00" not in text
    for typed in [*EXACT, LAM_ALEF]:
        assert squash(typed) in text, typed
    # Latin around a right-to-left word: pypdf moves the spaces at the direction
    # changes, nothing else.
    assert _no_space(LATIN_WITH_RTL) in _no_space(text)


@needs_poppler
def test_pdftotext_gives_back_every_script_as_typed(hostile_pack):
    text = pdftotext(hostile_pack)
    assert "\x00" not in text
    # pdftotext marks right-to-left runs with embedding controls: not part of the text.
    cleaned = squash(re.sub("[\u202a-\u202e]", "", text))
    for typed in EXACT:
        assert squash(typed) in cleaned, typed
    assert _no_space(LATIN_WITH_RTL) in _no_space(cleaned)


@needs_poppler
def test_running_header_reads_in_order(hostile_pack):
    """The pack title (Arabic only) in the running header of a body page, as typed."""
    reader = pypdf.PdfReader(str(hostile_pack))
    # The draft's DRAFT watermark is text on the page too; it is not the header.
    header_pypdf = [x for x in reader.pages[2].extract_text().splitlines() if x != WATERMARK]
    assert any(squash(line) == TITLE for line in header_pypdf[:3]), header_pypdf[:3]
    page3 = pdftotext(hostile_pack, "-f", "3", "-l", "3")
    lines = [squash(re.sub("[\u202a-\u202e]", "", line)) for line in page3.splitlines()]
    lines = [x for x in lines if x != WATERMARK]
    assert TITLE in lines[:6], lines[:6]


def _codes_drawn(page: Any) -> dict[str, set[int]]:
    """Font resource name → the character codes the page's content shows in it."""
    drawn: dict[str, set[int]] = {}
    current = ""
    content = pypdf.generic.ContentStream(page.get_contents(), page.pdf)
    for operands, operator in content.operations:
        if operator == b"Tf":
            current = str(operands[0])
        elif operator in (b"Tj", b"'", b'"', b"TJ"):
            items = operands[0] if operator == b"TJ" else operands[-1:]
            for item in items:
                if isinstance(
                    item, (pypdf.generic.TextStringObject, pypdf.generic.ByteStringObject)
                ):
                    raw = item.original_bytes if hasattr(item, "original_bytes") else bytes(item)
                    drawn.setdefault(current, set()).update(raw)
    return drawn


def _tounicode_maps(path: Path) -> list[tuple[str, dict[int, str], Any, set[int]]]:
    """(font name, code → text, embedded font, codes drawn) for every embedded font."""
    reader = pypdf.PdfReader(str(path))
    fonts: dict[int, tuple[str, dict[int, str], Any, set[int]]] = {}
    for page in reader.pages:
        drawn = _codes_drawn(page)
        for resource, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            if "/FontDescriptor" not in font:
                continue
            if ref.idnum not in fonts:
                cmap_text = font["/ToUnicode"].get_object().get_data().decode("ascii")
                chars = cmap_text.split("beginbfchar", 1)[1].split("endbfchar", 1)[0]
                mapping: dict[int, str] = {}
                for code, dest in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]+)>", chars):
                    assert len(dest) % 4 == 0, f"malformed ToUnicode destination {dest}"
                    mapping[int(code, 16)] = bytes.fromhex(dest).decode("utf-16-be")
                descriptor = font["/FontDescriptor"].get_object()
                data = descriptor["/FontFile2"].get_object().get_data()
                embedded = ToolsFont(io.BytesIO(data))
                fonts[ref.idnum] = (str(font["/BaseFont"]), mapping, embedded, set())
            fonts[ref.idnum][3].update(drawn.get(resource, set()))
    return list(fonts.values())


def test_tounicode_is_utf16_and_every_character_has_a_real_glyph(hostile_pack):
    maps = _tounicode_maps(hostile_pack)
    names = {name.split("+", 1)[1] for name, _, _, _ in maps}
    assert {"DejaVuSans", "DroidSansFallback", "Symbola"} <= names
    drawn: set[str] = set()
    for name, mapping, font, codes in maps:
        cmap = font["cmap"].getcmap(1, 0).cmap
        order = font.getGlyphOrder()
        for code in codes:
            text = mapping[code]
            assert "\x00" not in text, (name, code)
            glyph = cmap.get(code)
            assert glyph is not None and glyph != order[0], (name, code, text)
            invisible = all(unicodedata.category(ch) in ("Zs", "Cf", "Mn") for ch in text)
            if not invisible:
                assert font["glyf"][glyph].numberOfContours != 0, (name, code, text)
            drawn.update(text)
    typed = set("".join([*EXACT, LAM_ALEF, LATIN_WITH_RTL, RTL_WITH_DIGITS, TITLE]))
    missing = {ch for ch in typed if not ch.isspace()} - drawn
    assert not missing, sorted(f"U+{ord(ch):04X}" for ch in missing)


def _glyph_points(font: Any, glyph: str) -> list[tuple[int, int]]:
    return [tuple(p) for p in font["glyf"][glyph].getCoordinates(font["glyf"])[0]]


def test_arabic_is_drawn_joined(hostile_pack):
    """The glyphs drawn for Arabic letters are DejaVu's joining forms: the letter beh
    appears medial in مرحبا and initial in بالعالم, and lam-alef as its ligature."""
    source = ToolsFont(str(resource_path("fonts", "DejaVuSans.ttf")))
    source_cmap = source.getBestCmap()
    forms = {
        "ﺒ": "ب",  # U+FE92 beh medial
        "ﺑ": "ب",  # U+FE91 beh initial
        "ﻼ": "لا",  # U+FEFC lam-alef final ligature
        "ﻣ": "م",  # U+FEE3 meem initial
    }
    wanted = {form: _glyph_points(source, source_cmap[ord(form)]) for form in forms}
    isolated = _glyph_points(source, source_cmap[ord("ب")])
    found: dict[str, str] = {}
    for name, mapping, font, codes in _tounicode_maps(hostile_pack):
        if not name.endswith("+DejaVuSans"):
            continue
        cmap = font["cmap"].getcmap(1, 0).cmap
        for code in codes:
            text = mapping[code]
            points = _glyph_points(font, cmap[code]) if code in cmap else []
            for form in forms:
                if points == wanted[form]:
                    found[form] = text
            assert not (text == "ب" and points == isolated), "beh drawn unjoined"
    # Each joining form is drawn, and its text layer says the letters typed.
    assert found == forms


# ----------------------------------------------------------------- drawing order and alignment


def _draw(paragraphs: list[Para], path: Path, width: float = 200) -> None:
    register_fonts()
    canvas = Canvas(str(path), pagesize=(400, 800))
    frame = Frame(100, 50, width, 700, leftPadding=0, rightPadding=0, showBoundary=0)
    frame.addFromList(list(paragraphs), canvas)
    canvas.showPage()
    canvas.save()


def _runs(path: Path) -> list[tuple[float, float, str]]:
    """(x, y, text) of every string drawn on the first page."""
    out: list[tuple[float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():  # page position: the text matrix moved by the (translation) cm
            out.append((round(cm[4] + tm[4], 3), round(cm[5] + tm[5], 3), text.strip("\n")))

    pypdf.PdfReader(str(path)).pages[0].extract_text(visitor_text=visit)
    return out


STYLE = ParagraphStyle("t", fontName=REGULAR, fontSize=10, leading=12, alignment=TA_LEFT)


def test_rtl_paragraph_is_right_aligned_and_ltr_left_aligned(tmp_path):
    rtl = Para(esc(ARABIC), STYLE)
    ltr = Para(esc("Plain Latin text"), STYLE)
    mixed = Para(esc(LATIN_WITH_RTL), STYLE)  # starts with Latin: a left-to-right paragraph
    assert (rtl.style.alignment, ltr.style.alignment, mixed.style.alignment) == (2, 0, 0)
    out = tmp_path / "align.pdf"
    _draw([rtl, ltr, mixed], out)
    rows = sorted(_runs(out), key=lambda r: -r[1])
    from reportlab.pdfbase.pdfmetrics import stringWidth

    arabic_width = stringWidth(shape(ARABIC), REGULAR, 10)
    assert rows[0][0] == pytest.approx(100 + 200 - arabic_width, abs=0.5)
    assert rows[1][0] == pytest.approx(100, abs=0.01)


def test_wrapped_rtl_lines_stay_in_reading_order(tmp_path):
    """Line 1 (top) holds the first words typed, each line drawn right to left."""
    para = Para(esc(LONG_ARABIC), STYLE)
    out = tmp_path / "wrap.pdf"
    _draw([para], out, width=120)
    lines = para.blPara.lines
    assert len(lines) >= 4
    # What each drawn line says, read back by pypdf (which reverses right-to-left runs).
    by_line: dict[float, str] = {}
    for _x, y, text in _runs(out):
        by_line[y] = by_line.get(y, "") + text
    read = [squash(by_line[y]) for y in sorted(by_line, reverse=True)]
    assert squash(" ".join(read)) == squash(LONG_ARABIC)
    # The first word typed ends the top line on the right.
    first_word = LONG_ARABIC.split()[0]
    assert read[0].startswith(first_word)


def test_visual_order_follows_the_bidi_algorithm():
    assert visual("Risk مرحبا here", False) == "Risk ابحرم here"
    # digits keep their order inside right-to-left text; brackets are mirrored
    assert visual("تقرير 2024 (مسودة)", True) == "(ةدوسم) 2024 ريرقت"
    assert visual("x (מ) y", False) == "x (מ) y"
    # a ZWJ sequence stays one unit, in its own order
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert visual(f"א {family} ב", True) == f"ב {family} א"
    assert visual("Plain", None) == "Plain"


def test_marks_stay_after_their_letter_in_rtl_runs():
    word = "שָׁלוֹם"
    drawn = visual(word, True)
    # reversed by clusters: each base letter followed by its own marks
    clusters: list[str] = []
    for ch in word:
        if clusters and unicodedata.combining(ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    assert drawn == "".join(reversed(clusters))


def test_draw_line_fits_and_orders_a_header(tmp_path):
    register_fonts()
    out = tmp_path / "line.pdf"
    canvas = Canvas(str(out), pagesize=(400, 200))
    draw_line(canvas, 10, 100, f"{TITLE} 中文 😀", REGULAR, 8, max_width=300)
    draw_line(canvas, 10, 50, "x" * 400, REGULAR, 8, max_width=100)
    canvas.showPage()
    canvas.save()
    runs = _runs(out)
    top = "".join(t for _x, y, t in sorted(runs) if y == 100)
    assert _no_space(TITLE) in _no_space(top) and "中文" in top and "😀" in top
    bottom = "".join(t for _x, y, t in runs if y == 50)
    assert bottom.endswith("…") and len(bottom) < 400


# ----------------------------------------------------------------- the fonts shipped


def test_fallback_fonts_are_shipped_compact_with_licences():
    fonts = Path(resource_path("fonts", "DejaVuSans.ttf")).parent
    for name, licence in (
        ("PackCJK.ttf", "LICENSE-DroidSansFallback.txt"),
        ("PackEmoji.ttf", "LICENSE-Symbola.txt"),
    ):
        assert (fonts / name).is_file() and (fonts / licence).is_file()
    added = sum((fonts / n).stat().st_size for n in ("PackCJK.ttf", "PackEmoji.ttf"))
    assert added < 5_000_000  # a budget: Noto CJK alone is over 15 MB
    cjk = ToolsFont(str(fonts / "PackCJK.ttf")).getBestCmap()
    emoji = ToolsFont(str(fonts / "PackEmoji.ttf")).getBestCmap()
    for ch in CHINESE + JAPANESE + KOREAN.replace(" ", ""):
        assert ord(ch) in cjk, ch
    for ch in "😀🎉👍🏽🇺🇳\u200d\ufe0f":
        assert ord(ch) in emoji, ch


def test_the_bundle_recipe_takes_resources_fonts():
    from desktop import build

    targets = {dest for _src, dest in build.data_files()}
    sources = {Path(src) for src, _dest in build.data_files()}
    assert "resources" in targets and build.ROOT / "resources" in sources
