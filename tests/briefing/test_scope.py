"""One scope: a pack built with ``--partnership`` counts the scoped records only, everywhere.

Every figure a scoped pack prints (the summary's key figures, its notable events,
the partnership page, the events chart's caption, Annex A and the attached CSV) is
read back from the PDF and checked against the records the pack itself lists.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pypdf
import pytest

from desktop.briefing.builder import build_pack
from desktop.briefing.parameters import BriefingParameters
from tests.briefing.helpers import TODAY, event, page_texts, partnership, risk, stakeholder

EVENT_REF = re.compile(r"\bE-\d{4,}\b")


@pytest.fixture
def two_partnerships(register):
    """Partnership A and B, a risk of each, one shared; events about A, about B, and events
    about B that touch A's or the shared risk (those belong to B, never to A's pack)."""
    partner_a = stakeholder(register, "Ministry of Alpha", influence=4, interest=4)
    partner_b = stakeholder(register, "Ministry of Beta", influence=3, interest=3)
    critic = stakeholder(register, "Critics of Beta", influence=2, interest=5, stance=-2)
    a = partnership(register, "Alpha pilot", partner_a.id)
    b = partnership(register, "Beta deployment", partner_b.id)
    risk_a = risk(register, "Alpha trust", likelihood=4, impact=4, partnership_ids=[a.id])
    risk(register, "Beta trust", likelihood=3, impact=3, partnership_ids=[b.id])
    shared = risk(
        register, "Shared dependence", likelihood=2, impact=5, partnership_ids=[a.id, b.id]
    )
    about_a = [
        event(
            register,
            "Alpha milestone",
            days_ago=3,
            kind="partnership_milestone",
            severity=2,
            sentiment=1,
            partnership_id=a.id,
        ),
        event(
            register,
            "Alpha criticism",
            days_ago=5,
            kind="criticism",
            severity=4,
            sentiment=-2,
            partnership_id=a.id,
            risk_ids=[risk_a.id],
        ),
        # Names no partnership, concerns A's risk: A's.
        event(
            register,
            "Unattributed leak on Alpha trust",
            days_ago=6,
            kind="media_report",
            severity=5,
            sentiment=-1,
            risk_ids=[risk_a.id],
        ),
    ]
    about_b = [
        event(
            register,
            "Beta protest",
            days_ago=2,
            kind="criticism",
            severity=5,
            sentiment=-2,
            partnership_id=b.id,
            stakeholder_id=critic.id,
        ),
        # About B, but linked to A's risk and the shared risk: still B's.
        event(
            register,
            "Beta letter touching Alpha",
            days_ago=4,
            kind="criticism",
            severity=5,
            sentiment=-2,
            partnership_id=b.id,
            risk_ids=[risk_a.id, shared.id],
        ),
    ]
    return a, about_a, about_b


def _attached_rows(path: Path) -> list[dict[str, str]]:
    reader = pypdf.PdfReader(str(path))
    (payload,) = reader.attachments["event-log.csv"]
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))


def _figure(text: str, name: str) -> int:
    """The "This period" column of a key-figure row."""
    m = re.search(rf"\n{re.escape(name)}\n([\d,]+)\n", text)
    assert m, f"key figure {name!r} not found"
    return int(m.group(1).replace(",", ""))


def test_every_count_in_a_scoped_pack_equals_its_records(register, two_partnerships, tmp_path):
    a, about_a, about_b = two_partnerships
    out = tmp_path / "scoped.pdf"
    params = BriefingParameters(
        partnership_refs=[a.ref],
        date_from=TODAY - dt.timedelta(days=20),
        date_to=TODAY,
        max_rows=0,
    )
    build_pack(register, params, out, actor="tester")
    pages = page_texts(out)
    text = "\n".join(pages)
    mine = {e.ref for e in about_a}
    others = {e.ref for e in about_b}

    # Nothing of B's events anywhere: not in the notable events, not in any list.
    assert not others & set(EVENT_REF.findall(text))
    # The records the pack lists: Annex A and the attached CSV hold exactly A's events.
    annex = "\n".join(p for p in pages if "Annex A: event log" in p)
    assert set(EVENT_REF.findall(annex)) == mine
    assert {row["ref"] for row in _attached_rows(out)} == mine
    # Every count states that number.
    # The overview and the executive summary both state key figures; the summary's
    # notable events may run onto the next page.
    summary = "\n".join(p for p in pages if "Key figures" in p or "Notable events" in p)
    assert _figure(summary, "Events") == len(mine)
    adverse = sum(1 for e in about_a if e.sentiment < 0)
    assert _figure(summary, "Adverse events") == adverse
    assert f"Events in period\n{len(mine)} ({adverse} adverse)" in text
    assert f"{len(mine)} events in the period, by week" in text
    assert f"{len(mine)} events from" in annex
    notable = {e.ref for e in about_a if e.severity >= 4}
    summary_refs = set(EVENT_REF.findall(summary))
    assert notable <= summary_refs <= mine
    # The cover says what the scope is.
    assert f"Scope: the partnership (U) {a.ref} Alpha pilot only" in pages[0]
    # Risks: the register and the matrix count the same risks (A's and the shared one).
    assert "2 open or monitored risks, highest residual score first" in text
    assert "2 open or monitored risks by likelihood" in text
