"""Draft and issued editions: which earlier pack is the baseline, the DRAFT watermark, the
record of who issued a pack to whom, and a rebuild byte for byte."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from db.models import DRAFT, ISSUED, BriefingRecord
from db.queries import briefing as bq_write
from db.queries import briefings as bq
from desktop.briefing.builder import build_pack
from desktop.briefing.data import load_pack_data
from desktop.briefing.parameters import BriefingParameters, regeneration_parameters
from desktop.briefing.sections.edition import WATERMARK
from tests.briefing.helpers import TODAY, event, page_texts, partnership, risk, stakeholder

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def reg(register):
    a = stakeholder(register, "Defence ministry")
    p = partnership(register, "Alliance pilot", a.id)
    partnership(register, "Other venture", a.id)
    r = risk(register, "Loss of research trust", likelihood=4, impact=4, partnership_ids=[p.id])
    event(register, "Open letter", kind="criticism", severity=4, sentiment=-2, risk_ids=[r.id])
    return register


def record(register, *, days_ago: int, ceiling: str, edition: str, scope: str = "") -> None:
    at = NOW - dt.timedelta(days=days_ago)
    with register.write() as session:
        bq_write.add_briefing_record(
            session,
            record=BriefingRecord(
                created_at=at,
                actor="earlier author",
                title=f"{edition} {ceiling} {scope or 'all'}",
                audience="Board",
                parameters="{}",
                ceiling=ceiling,
                banner_level="UNCLASSIFIED",
                page_count=1,
                sha256="0" * 64,
                file_name="earlier.pdf",
                edition=edition,
                issued_by="earlier author" if edition == ISSUED else None,
                issued_at=at if edition == ISSUED else None,
                distribution="Board and executive team" if edition == ISSUED else None,
                scope=scope,
            ),
        )


def baseline_of(register, **kw):
    params = BriefingParameters(ceiling="RESTRICTED", today=TODAY, **kw).resolved()
    with register.session() as session:
        return load_pack_data(session, params, generated_at=NOW)


def test_a_draft_is_never_a_baseline(reg):
    record(reg, days_ago=2, ceiling="RESTRICTED", edition=DRAFT)
    d = baseline_of(reg)
    assert d.baseline is None and d.trend_since is None
    assert d.since == d.period_start  # the period's start, not the draft's day


def test_an_issued_pack_at_the_same_ceiling_is_the_baseline_and_a_newer_draft_is_not(reg):
    record(reg, days_ago=5, ceiling="RESTRICTED", edition=ISSUED)
    record(reg, days_ago=1, ceiling="RESTRICTED", edition=DRAFT)
    d = baseline_of(reg)
    assert d.baseline is not None and d.baseline.title == "issued RESTRICTED all"
    assert d.since == (NOW - dt.timedelta(days=5)).date()
    assert d.trend_since == d.baseline.created_at
    assert d.baseline.distribution == "Board and executive team"


@pytest.mark.parametrize(
    ("ceiling", "used"),
    [
        ("PUBLIC", True),
        ("UNCLASSIFIED", True),  # lower
        ("RESTRICTED", True),  # the same: the boundary
        ("CONFIDENTIAL", False),  # one level higher
        ("SECRET", False),
    ],
)
def test_only_an_issued_pack_at_the_same_or_a_lower_ceiling_counts(reg, ceiling, used):
    record(reg, days_ago=3, ceiling=ceiling, edition=ISSUED)
    d = baseline_of(reg)
    assert (d.baseline is not None) is used


def test_an_issued_pack_of_another_scope_is_not_the_baseline(reg):
    record(reg, days_ago=4, ceiling="RESTRICTED", edition=ISSUED, scope="P-001")
    assert baseline_of(reg).baseline is None  # whole register vs one partnership
    assert baseline_of(reg, partnership_refs=["P-001"]).baseline is not None
    assert baseline_of(reg, partnership_refs=["P-001", "P-002"]).baseline is None
    record(reg, days_ago=2, ceiling="RESTRICTED", edition=ISSUED, scope="P-001,P-002")
    both = baseline_of(reg, partnership_refs=["p-002", "P-001"])  # any order and case
    assert both.baseline is not None and both.baseline.title == "issued RESTRICTED P-001,P-002"


def test_since_overrides_the_baseline(reg):
    record(reg, days_ago=3, ceiling="RESTRICTED", edition=ISSUED)
    asked = TODAY - dt.timedelta(days=10)
    d = baseline_of(reg, since=asked)
    assert d.baseline is None and d.since == asked and d.since_basis == "as asked"
    assert d.trend_since == dt.datetime.combine(asked, dt.time.min, tzinfo=dt.UTC)


def build(register, tmp_path: Path, name: str, **kw):
    params = BriefingParameters(**{"ceiling": "RESTRICTED", **kw})
    return build_pack(register, params, tmp_path / name, actor="Ana Analyst"), tmp_path / name


def test_draft_watermark_on_every_page_and_none_on_an_issued_pack(reg, tmp_path):
    _, draft = build(reg, tmp_path, "draft.pdf")
    texts = page_texts(draft)
    assert len(texts) > 3 and all(WATERMARK in t for t in texts)
    assert "Draft: not issued" in texts[0]
    _, issued = build(reg, tmp_path, "issued.pdf", issue=True, audience="Board")
    texts = page_texts(issued)
    assert not any(WATERMARK in t for t in texts)
    assert "Issued by Ana Analyst on" in texts[0] and "to Board." in texts[0]


def test_the_page_names_the_baseline_and_records_say_who_issued_what(reg, tmp_path):
    _, first = build(reg, tmp_path, "first.pdf")  # a draft
    _, second = build(
        reg, tmp_path, "second.pdf", issue=True, audience="Board", distribution="Board; CEO"
    )
    assert any("has been issued at this ceiling" in t for t in page_texts(second))
    _, third = build(reg, tmp_path, "third.pdf", issue=True)
    text = " ".join(page_texts(third)).replace("\n", " ")
    assert "Changes since the pack issued on" in text and "to Board; CEO" in text
    assert "Trend compares the residual score with the pack issued on" in text
    with reg.session() as session:
        rows = bq.list_briefings(session)
    assert [r.edition for r in rows] == [ISSUED, ISSUED, DRAFT]
    assert rows[1].issued_by == "Ana Analyst" and rows[1].distribution == "Board; CEO"
    assert rows[1].issued_at is not None and rows[2].issued_by is None
    scoped, _ = build(reg, tmp_path, "scoped.pdf", issue=True, partnership_refs=["p-001"])
    with reg.session() as session:
        assert bq.list_briefings(session)[0].scope == "P-001"


def test_an_issued_pack_rebuilt_from_its_record_is_byte_identical(reg, tmp_path):
    yesterday = NOW - dt.timedelta(days=1)
    record(reg, days_ago=1, ceiling="RESTRICTED", edition=ISSUED)
    assert yesterday.date() <= TODAY
    first, out = build(
        reg,
        tmp_path,
        "issued.pdf",
        issue=True,
        distribution="Board",
        note="Watch the open letters.",
        note_level="UNCLASSIFIED",
        decisions="Approve the outreach plan.",
        decisions_level="UNCLASSIFIED",
        invariant=True,
        today=TODAY,
    )
    with reg.session() as session:
        row = bq.list_briefings(session)[0]
    params = regeneration_parameters(reg, row)
    assert params.issue and params.note == "Watch the open letters."
    again = build_pack(reg, params, tmp_path / "again.pdf", actor="Ana Analyst")
    assert (tmp_path / "again.pdf").read_bytes() == out.read_bytes()
    assert again.sha256 == first.sha256


def test_stored_parameters_without_an_edition_read_as_issued():
    """Packs recorded before editions existed (migration 0006 makes their records issued)."""
    assert BriefingParameters.from_json("{}").issue is True
    assert BriefingParameters.from_json('{"edition": "draft"}').issue is False
    assert BriefingParameters(issue=False).to_json().count('"edition": "draft"') == 1
