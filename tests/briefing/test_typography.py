"""Typography of the pack: one minus sign, thousands separators, grammar for 0 and 1,
colours whose text passes WCAG AA, and the preparer's name (never the login)."""

from __future__ import annotations

import datetime as dt
import getpass
import re

import pytest

from desktop.briefing import palette
from desktop.briefing.builder import build_pack
from desktop.briefing.parameters import BriefingParameters
from desktop.briefing.typography import MINUS, count_of, minus_signs, signed, thousands
from desktop.services.summary import PeriodFigures, summary_sentences
from tests.briefing.helpers import event, page_texts, risk, stakeholder
from tests.cli.test_cli import run

AA = 4.5

# --------------------------------------------------------------------------- contrast


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert palette.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WCAG's own example pair: #777777 on white is 4.48:1, just short of AA.
    assert palette.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("band", sorted(palette.BAND_COLOURS))
def test_every_band_colour_carries_its_text_at_aa(band):
    ratio = palette.contrast_ratio(palette.BAND_TEXT_COLOURS[band], palette.BAND_COLOURS[band])
    assert ratio >= AA, f"{band}: {ratio:.2f}:1"


@pytest.mark.parametrize("level", sorted(palette.BANNER_COLOURS))
def test_every_banner_colour_carries_its_text_at_aa(level):
    ratio = palette.contrast_ratio(palette.BANNER_TEXT_COLOURS[level], palette.banner_colour(level))
    assert ratio >= AA, f"{level}: {ratio:.2f}:1"


@pytest.mark.parametrize("stance", sorted(palette.STANCE_TEXT_COLOURS))
@pytest.mark.parametrize("fill", ["#ffffff", palette.TABLE_STRIPE])
def test_stance_words_are_legible_on_table_rows(stance, fill):
    ratio = palette.contrast_ratio(palette.stance_text_colour(stance), fill)
    assert ratio >= AA, f"stance {stance} on {fill}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    ("ink", "fill"),
    [
        (palette.TABLE_HEADER_TEXT, palette.TABLE_HEADER),
        (palette.OVERDUE_TEXT, palette.OVERDUE),
        (palette.INK, "#ffffff"),
        (palette.INK, palette.TABLE_STRIPE),
        (palette.MUTED, "#ffffff"),
        (palette.MUTED, palette.TABLE_STRIPE),
    ],
)
def test_document_text_colours_pass_aa(ink, fill):
    assert palette.contrast_ratio(ink, fill) >= AA


# --------------------------------------------------------------------------- numbers and words


def test_numbers_use_one_minus_sign_and_thousands_separators():
    assert thousands(0) == "0"
    assert thousands(999) == "999"
    assert thousands(1000) == "1,000"
    assert thousands(-1234567) == f"{MINUS}1,234,567"
    assert [signed(v) for v in (-2, -1, 0, 1, 2)] == [f"{MINUS}2", f"{MINUS}1", "0", "+1", "+2"]
    assert signed(1500) == "+1,500"
    # Generated text: a negative number gets U+2212; refs and dates keep their hyphens.
    assert minus_signs("from -2 to R-105 on 2026-01-02 (-1)") == (
        f"from {MINUS}2 to R-105 on 2026-01-02 ({MINUS}1)"
    )


def test_counted_nouns_read_right_for_0_1_and_many():
    assert count_of(0, "new risk") == "no new risks"
    assert count_of(1, "new risk") == "1 new risk"
    assert count_of(2, "new risk") == "2 new risks"
    assert count_of(1200, "event") == "1,200 events"


def _figures(events: int, adverse: int, new: int) -> PeriodFigures:
    return PeriodFigures(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        events=events,
        adverse_events=adverse,
        new_risks=new,
    )


def test_summary_sentences_say_no_for_0_and_the_singular_for_1():
    zero = summary_sentences(_figures(0, 0, 0), _figures(1, 1, 1), [])
    assert zero[0].startswith("No events were logged between")
    assert "No new risks were opened (previous period: 1)." in zero
    assert not any(re.match(r"0 ", s) for s in zero)
    one = summary_sentences(_figures(1, 1, 1), _figures(0, 0, 0), [])
    assert one[0].startswith("1 event was logged between")
    assert "1 of them was adverse (previous period: 0)." in one
    assert "1 new risk was opened (previous period: 0)." in one
    none_adverse = summary_sentences(_figures(3, 0, 0), _figures(1200, 2, 0), [])
    assert none_adverse[0].endswith("down from 1,200 in the previous period.")
    assert "None of them were adverse (previous period: 2)." in none_adverse


# --------------------------------------------------------------------------- a real pack

HYPHEN_MINUS_NUMBER = re.compile(r"(?<![\w\-])-\d")


def test_the_pack_prints_negatives_with_u2212_and_large_numbers_grouped(register, tmp_path):
    hostile = stakeholder(register, "Hostile campaign", stance=-2, influence=4, interest=5)
    r = risk(register, "Campaign pressure", likelihood=4, impact=5, stakeholder_ids=[hostile.id])
    for i in range(3):
        event(
            register,
            f"Campaign wave {i}",
            days_ago=i + 1,
            kind="criticism",
            severity=3,
            sentiment=-2,
            reach=1_234_567,
            stakeholder_id=hostile.id,
            risk_ids=[r.id],
        )
    out = tmp_path / "typography.pdf"
    build_pack(register, BriefingParameters(), out, actor="Test Author")
    text = "\n".join(page_texts(out))
    assert HYPHEN_MINUS_NUMBER.findall(text) == []
    assert f"Hostile ({MINUS}2)" in text
    assert "1,234,567" in text
    assert "1234567" not in text


# --------------------------------------------------------------------------- the preparer


@pytest.fixture
def demo_db(tmp_path):
    path = tmp_path / "demo.db"
    done = run("demo", "--db", str(path))
    assert done.returncode == 0, done.stderr
    return path


def test_without_a_display_name_the_cover_names_no_login(demo_db, tmp_path, monkeypatch):
    monkeypatch.delenv("RISK_TRACKER_USER", raising=False)
    out = tmp_path / "anon.pdf"
    done = run("brief", "--db", str(demo_db), "--out", str(out))
    assert done.returncode == 0, done.stderr
    cover = page_texts(out)[0]
    assert "Prepared by" not in cover
    login = getpass.getuser()
    assert f"Prepared by\n{login}" not in "\n".join(page_texts(out))

    named = tmp_path / "named.pdf"
    done = run("brief", "--db", str(demo_db), "--out", str(named), "--prepared-by", "Dana Ng")
    assert done.returncode == 0, done.stderr
    assert "Prepared by\nDana Ng" in page_texts(named)[0]
