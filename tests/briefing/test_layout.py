"""No text outside its cell: text positions read back from a real pack with pypdf.

The pack is built to be awkward: NATO portion marks, the longest refs a large register
reaches, long titles and names, overdue review dates.  Every piece of text drawn on a
page is located (pypdf's ``visitor_text``: text matrix times the current transform)
and measured with the embedded font's widths; in the tables whose columns the code
declares (risk register, Annex A, stakeholders) each cell's text must end inside its
column, and on every page no text may run into the text after it on the same line
nor past the right margin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from db import repository as repo
from db.models import EventCreate, PartnershipCreate, RiskCreate, StakeholderCreate
from desktop.briefing.builder import build_pack
from desktop.briefing.fonts import BOLD, REGULAR, register_fonts
from desktop.briefing.parameters import BriefingParameters
from desktop.briefing.sections import annex_a, register, stakeholders
from desktop.briefing.sections.common import CELL_PAD
from desktop.briefing.styles import geometry
from tests.briefing.helpers import TODAY, page_texts

SLACK = 0.6  # points: rounding of positions and widths


@dataclass(frozen=True)
class Run:
    """One piece of text as drawn: where it starts, where it ends, on which baseline."""

    text: str
    x0: float
    x1: float
    y: float


def text_runs(page: pypdf.PageObject) -> list[Run]:
    register_fonts()
    runs: list[Run] = []
    word_space = [0.0]  # the Tw in force: justified or shrunk lines set it

    def operator(op: bytes, args: list[object], cm: list[float], tm: list[float]) -> None:
        if op == b"Tw" and args:
            word_space[0] = float(args[0])  # type: ignore[arg-type]
        elif op == b"BT":
            word_space[0] = 0.0

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip() or font is None:
            return
        if abs(tm[0] * cm[1] + tm[1] * cm[3]) > 1e-6:
            return  # turned text (the DRAFT watermark across the page) is in no column
        # Position: the text matrix's origin through the current transformation matrix.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (tm[0] * cm[0] + tm[1] * cm[2]) or 1.0
        name = str(font.get("/BaseFont", ""))  # type: ignore[attr-defined]
        face = BOLD if "Bold" in name else REGULAR
        drawn = text.rstrip("\n")
        width = (stringWidth(drawn, face, size) + drawn.count(" ") * word_space[0]) * scale
        runs.append(Run(text.strip("\n"), x, x + width, y))

    page.extract_text(visitor_text=visit, visitor_operand_before=operator)
    return runs


def _section_pages(path: Path) -> dict[str, range]:
    reader = pypdf.PdfReader(str(path))
    marks = [
        (str(item.title), reader.get_destination_page_number(item))
        for item in reader.outline
        if not isinstance(item, list)
    ]
    out = {}
    for i, (title, start) in enumerate(marks):
        # Each body section starts on a new page: it ends before the next one starts.
        end = marks[i + 1][1] if i + 1 < len(marks) else len(reader.pages)
        out[title] = range(start, max(start + 1, end))
    return out


@pytest.fixture
def awkward_pack(register, tmp_path) -> Path:
    long_name = "The Parliamentary Joint Committee on Intelligence, Security and Defence Oversight"
    with register.write() as s:
        who = repo.create(
            s,
            "stakeholder",
            StakeholderCreate(
                name=long_name, classification="SECRET", influence=5, interest=5, stance=-2
            ),
            actor="t",
            ref="S-1000000",
        )
        part = repo.create(
            s,
            "partnership",
            PartnershipCreate(
                name="Allied ministry pilot " * 4, partner_id=who.id, classification="CONFIDENTIAL"
            ),
            actor="t",
            ref="P-1000000",
        )
        risks = []
        for n, level in enumerate(("SECRET", "CONFIDENTIAL", "RESTRICTED", "UNCLASSIFIED")):
            risks.append(
                repo.create(
                    s,
                    "risk",
                    RiskCreate(
                        title="Loss of trust among researchers and subscribers " * 3,
                        classification=level,
                        owner="Deputy Director for Government and Partnership Affairs",
                        likelihood=5,
                        impact=5 - n,
                        residual_likelihood=4,
                        residual_impact=4 - n,
                        review_due=TODAY - dt.timedelta(days=3),
                        mitigation="Brief the research community before each announcement " * 4,
                        partnership_ids=[part.id],
                        stakeholder_ids=[who.id],
                    ),
                    actor="t",
                    ref=f"R-{1000000 + n}",
                )
            )
        for n in range(6):
            repo.create(
                s,
                "event",
                EventCreate(
                    title="Open letter: " + "W" * 70 + " signatories demand an end to the pilot",
                    classification=("SECRET", "CONFIDENTIAL")[n % 2],
                    occurred_on=TODAY - dt.timedelta(days=n + 1),
                    kind="criticism",
                    severity=5,
                    sentiment=-2,
                    reach=12_345_678,
                    stakeholder_id=who.id,
                    partnership_id=part.id,
                    risk_ids=[r.id for r in risks],
                ),
                actor="t",
                ref=f"E-{10000000 + n}",
            )
    out = tmp_path / "awkward.pdf"
    params = BriefingParameters(ceiling="SECRET", marking_prefix="NATO", title="Layout check")
    build_pack(register, params, out, actor="Layout Tester")
    return out


def _columns(fractions: tuple[float, ...]) -> list[tuple[float, float]]:
    g = geometry("a4")
    bounds, x = [], g.left
    for f in fractions:
        w = g.frame_width * f
        bounds.append((x, x + w))
        x += w
    return bounds


@pytest.mark.parametrize(
    ("section", "fractions", "first_header"),
    [
        ("Risk register", register.FRACTIONS, "Risk"),
        ("Annex A: event log", annex_a.FRACTIONS, "Event"),
        ("Stakeholders", stakeholders.FRACTIONS, "No."),
    ],
)
def test_every_cell_stays_inside_its_column(awkward_pack, section, fractions, first_header):
    reader = pypdf.PdfReader(str(awkward_pack))
    columns = _columns(fractions)
    g = geometry("a4")
    checked = 0
    for index in _section_pages(awkward_pack)[section]:
        runs = text_runs(reader.pages[index])
        # The table starts at its header row (repeated on every page it spans).
        heads = [
            r.y
            for r in runs
            if r.text == first_header and abs(r.x0 - (columns[0][0] + CELL_PAD)) < SLACK
        ]
        assert heads, f"{section}: no table header on page {index + 1}"
        for run in runs:
            if run.y > max(heads) + 0.5 or run.y < g.bottom:
                continue  # above the table (text, charts) or the page footer
            inside = [c for c in columns if c[0] <= run.x0 < c[1]]
            if not inside:
                continue
            (left, right) = inside[0]
            if run.x0 < left + CELL_PAD - SLACK:
                continue  # a note under the table, set at the margin
            assert run.x1 <= right - CELL_PAD + SLACK, (
                f"{section}, page {index + 1}: {run.text!r} ends at {run.x1:.1f}, "
                f"its column at {right - CELL_PAD:.1f}"
            )
            checked += 1
    assert checked >= 5  # the check did look at the table


def test_no_text_runs_into_the_next_or_past_the_margin(awkward_pack):
    reader = pypdf.PdfReader(str(awkward_pack))
    g = geometry("a4")
    text = "\n".join(page_texts(awkward_pack))
    # The awkward values are printed (marks, long refs, overdue dates).
    for expected in ("(NS) R-1000000", "(NC) P-1000000", "E-10000000", "(NS) S-1000000"):
        assert expected in text.replace("\n", " ")
    for number, page in enumerate(reader.pages, start=1):
        runs = sorted(text_runs(page), key=lambda r: (round(r.y, 1), r.x0))
        for run in runs:
            assert run.x1 <= g.width - g.right + SLACK, (number, run)
        for a, b in zip(runs, runs[1:], strict=False):
            if abs(a.y - b.y) < 0.5 and b.x0 > a.x0:
                assert a.x1 <= b.x0 + SLACK, f"page {number}: {a.text!r} runs into {b.text!r}"


def test_a_3000_character_title_keeps_the_cover_on_one_page(register, tmp_path):
    title = ("A title far too long for any cover " * 100)[:3000]
    out = tmp_path / "title.pdf"
    build_pack(register, BriefingParameters(title=title), out, actor="Layout Tester")
    pages = page_texts(out)
    assert "Contents" not in pages[0] and "Contents" in pages[1]
    cover = " ".join(pages[0].split())
    assert "…" in cover and title[:30] in cover
    # Inside, the title is printed in full.
    inside = " ".join(pages[1].split())
    assert " ".join(title.split()) in inside
