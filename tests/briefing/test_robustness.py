"""Packs that must not break: the longest texts, missing glyphs, control characters,
other paper, a partnership scope."""

from __future__ import annotations

import pypdf
import pytest

from desktop.briefing.builder import build_pack
from desktop.briefing.parameters import BriefingParameters, parse_sections
from tests.briefing.helpers import event, outline_titles, page_texts, partnership, risk, stakeholder

LONG = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 200)[:10_000]
NO_SPACES = "x" * 200


def test_longest_texts_missing_glyphs_and_control_characters_do_not_break_the_pack(
    register, tmp_path
):
    odd = "Emoji 😀👩‍👩‍👧 flag 🇺🇦 CJK 中文 bell \x07 esc \x1b[31m ZWJ\u200d"
    s = stakeholder(register, odd[:200], notes=LONG, description=LONG)
    p = partnership(register, NO_SPACES, s.id, scope=LONG, notes=LONG)
    r = risk(
        register,
        NO_SPACES,
        mitigation=LONG,
        description=LONG,
        owner=NO_SPACES,
        notes=LONG,
        partnership_ids=[p.id],
        stakeholder_ids=[s.id],
    )
    for n in range(3):
        event(
            register,
            odd[:200],
            summary=LONG[:5000],
            notes=LONG,
            reach_basis=odd,
            stakeholder_id=s.id,
            partnership_id=p.id,
            risk_ids=[r.id],
            severity=5,
            sentiment=-2,
            kind="criticism",
            days_ago=n + 1,
        )
    out = tmp_path / "long.pdf"
    result = build_pack(register, BriefingParameters(title=LONG, audience=odd), out, actor=odd)
    texts = page_texts(out)
    assert result.page_count == len(texts)
    assert all(t.count("UNCLASSIFIED") >= 2 for t in texts)
    assert "Emoji" in "".join(texts)


def test_letter_paper(register, tmp_path):
    risk(register, "A single risk")
    out = tmp_path / "letter.pdf"
    build_pack(register, BriefingParameters(paper="letter"), out, actor="x")
    box = pypdf.PdfReader(str(out)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_empty_register_builds(register, tmp_path):
    out = tmp_path / "empty.pdf"
    result = build_pack(register, BriefingParameters(), out, actor="x")
    assert result.banner_level == "PUBLIC"  # nothing included: the lowest level, never the ceiling
    assert all(t.count("PUBLIC") >= 2 for t in page_texts(out))


def test_partnership_scope_limits_the_pack(register, tmp_path):
    a = stakeholder(register, "Partner A")
    b = stakeholder(register, "Partner B")
    pa = partnership(register, "Alpha programme", a.id)
    pb = partnership(register, "Bravo programme", b.id)
    risk(register, "Risk about alpha", partnership_ids=[pa.id])
    risk(register, "Risk about bravo", partnership_ids=[pb.id])
    event(register, "Event about bravo", partnership_id=pb.id)
    out = tmp_path / "scoped.pdf"
    build_pack(register, BriefingParameters(partnership_refs=[pa.ref]), out, actor="x")
    text = "".join(page_texts(out))
    assert "Risk about alpha" in text and "Alpha programme" in text
    assert "bravo" not in text.lower()
    assert "Bravo programme" not in "".join(outline_titles(out))


def test_section_names():
    assert parse_sections("summary,annex_c", None) == ("cover", "contents", "summary", "annex_c")
    assert "matrix" not in parse_sections(None, "matrix,cover")
    assert "cover" not in parse_sections(None, "matrix,cover")
    with pytest.raises(ValueError, match="bogus"):
        parse_sections("bogus", None)


def test_no_network_and_no_markup_fetch(register, tmp_path, monkeypatch):
    import socket

    from reportlab import rl_config

    def refuse(*_a, **_k):
        raise AssertionError("the pack tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    hostile = '<img src="http://127.0.0.1:9/x.png"/> <link href="http://example.com">x</link>'
    risk(register, hostile)
    event(register, hostile, summary=hostile)
    out = tmp_path / "net.pdf"
    build_pack(register, BriefingParameters(title=hostile), out, actor="x")
    assert rl_config.trustedHosts == [] and rl_config.trustedSchemes == []
    assert '<img src="http://127.0.0.1:9/x.png"/>' in "".join(page_texts(out))
