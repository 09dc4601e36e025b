"""The words that interpret, read back from real PDFs: the one-page overview, the drivers
and outlook sentences, the analyst's note, the decisions requested and the owners'
commentary, each printed only when its level is within the ceiling."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from db import repository as repo
from db.models import RiskUpdate
from desktop.briefing.builder import build_pack
from desktop.briefing.data import load_pack_data
from desktop.briefing.parameters import BriefingParameters
from desktop.services.interpret import interpretation_sentences
from tests.briefing.helpers import (
    TODAY,
    event,
    outline_titles,
    page_texts,
    partnership,
    risk,
    stakeholder,
)
from tests.briefing.test_marking import highest_printed


@pytest.fixture
def reg(register):
    a = stakeholder(register, "Defence ministry")
    b = stakeholder(register, "Research community")
    p = partnership(register, "Alliance pilot", a.id)
    r1 = risk(register, "Loss of research trust", likelihood=4, impact=4, partnership_ids=[p.id])
    risk(register, "Customer churn", likelihood=2, impact=3, review_due=TODAY + dt.timedelta(10))
    for i in range(4):
        event(
            register,
            f"Open letter {i}",
            days_ago=i + 1,
            kind="criticism",
            severity=4,
            sentiment=-2,
            channel="press",
            stakeholder_id=b.id,
            risk_ids=[r1.id],
        )
    event(
        register, "Old letter", days_ago=40, kind="criticism", sentiment=-1, channel="social_media"
    )
    with register.write() as s:
        repo.update(
            s,
            "risk",
            r1.id,
            RiskUpdate(
                commentary="OWNERSAYS trust is recovering slowly",
                commentary_on=TODAY - dt.timedelta(days=2),
                commentary_classification="CONFIDENTIAL",
            ),
            actor="owner",
        )
    return register


def build(register, tmp_path, name, **kw):
    params = BriefingParameters(**{"today": TODAY, **kw})
    out = tmp_path / name
    return build_pack(register, params, out, actor="Ana Analyst"), out


def flat(texts: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(texts))


def test_the_overview_is_one_page_after_the_contents(reg, tmp_path):
    _, out = build(
        reg,
        tmp_path,
        "o.pdf",
        ceiling="SECRET",
        decisions="Approve DECISIONONE\nConfirm DECISIONTWO",
        decisions_level="UNCLASSIFIED",
    )
    texts = page_texts(out)
    assert texts[2].count("Overview") >= 1 and "Contents" in texts[1]
    page = texts[2]
    for part in (
        "Residual risk (after mitigation)",
        "Key figures",
        "Five highest residual risks",
        "Decisions requested",
        "DECISIONONE",
        "DECISIONTWO",
    ):
        assert part in page, part
    assert "Executive summary" not in page  # the summary starts on the next page
    assert "Overview" in outline_titles(out)
    # switched off like any section
    _, without = build(
        reg, tmp_path, "n.pdf", ceiling="SECRET", sections=("cover", "contents", "summary")
    )
    assert "Five highest residual risks" in page_texts(without)[2]
    assert "Residual risk (after mitigation)" not in flat(page_texts(without))


def test_the_summary_prints_the_services_sentences(reg, tmp_path):
    params = BriefingParameters(ceiling="SECRET", today=TODAY).resolved()
    with reg.session() as s:
        data = load_pack_data(s, params)
    assert data.interpretation is not None
    sentences = interpretation_sentences(data.interpretation)
    assert data.interpretation.adverse == data.figures.adverse_events == 4
    assert any("S-002 Research community (4, previous period 0)" in x for x in sentences)
    assert any(x.startswith("By channel: press 4 (previous period 0)") for x in sentences)
    assert any("1 review falls due in the next 30 days: (U) R-002" in x for x in sentences)
    _, out = build(reg, tmp_path, "s.pdf", ceiling="SECRET")
    text = flat(page_texts(out))
    for sentence in sentences:
        assert re.sub(r"\s+", " ", sentence) in text


@pytest.mark.parametrize(
    ("ceiling", "printed"),
    [("RESTRICTED", False), ("CONFIDENTIAL", True), ("SECRET", True)],
)
def test_a_commentary_prints_only_within_the_ceiling(reg, tmp_path, ceiling, printed):
    result, out = build(reg, tmp_path, f"c-{ceiling}.pdf", ceiling=ceiling)
    texts = page_texts(out)
    assert ("OWNERSAYS" in flat(texts)) is printed
    if printed:
        register_pages = [t for t in texts if "Risk register" in t and "OWNERSAYS" in t]
        assert register_pages, "the register prints the commentary"
        assert flat(texts).count("OWNERSAYS") >= 3  # overview, summary top risks, register
        assert result.banner_level == "CONFIDENTIAL"  # the commentary's mark raises it
    else:
        assert result.banner_level == "UNCLASSIFIED"  # never raised by what is left out
    assert result.banner_level == highest_printed(texts)


@pytest.mark.parametrize(
    ("note_level", "decisions_level", "banner", "note_shown", "decisions_shown"),
    [
        ("RESTRICTED", "RESTRICTED", "RESTRICTED", True, True),  # at the ceiling: printed
        ("CONFIDENTIAL", "RESTRICTED", "RESTRICTED", False, True),  # one above: left out
        ("UNCLASSIFIED", "SECRET", "UNCLASSIFIED", True, False),
        ("SECRET", "CONFIDENTIAL", "UNCLASSIFIED", False, False),
    ],
)
def test_the_note_and_decisions_print_only_within_the_ceiling(
    reg, tmp_path, note_level, decisions_level, banner, note_shown, decisions_shown
):
    result, out = build(
        reg,
        tmp_path,
        "n.pdf",
        ceiling="RESTRICTED",
        issue=True,
        note="NOTEWORDS criticism has moved to the press",
        note_level=note_level,
        decisions="DECIDEWORDS approve the plan",
        decisions_level=decisions_level,
    )
    texts = page_texts(out)
    text = flat(texts)
    assert ("NOTEWORDS" in text) is note_shown
    assert ("Analyst’s note" in text) is note_shown
    assert ("DECIDEWORDS" in text) is decisions_shown
    assert ("Decisions requested" in text) is decisions_shown
    assert result.banner_level == banner == highest_printed(texts)
