"""Board-sized packs: capped tables at their exact boundary, the event log attached as CSV
(filtered by the ceiling like the pages, and counted for the banner), statements that
answer something, and the page budget of a large register."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
from pathlib import Path

import pypdf
import pytest

from db import repository as repo
from db.models import EventCreate
from desktop.briefing.board import DEFAULT_MAX_ROWS, cap, more_note
from desktop.briefing.builder import build_pack
from desktop.briefing.parameters import BriefingParameters
from tests.briefing.helpers import TODAY, event, page_texts, squash
from tests.cli.test_cli import run

EVENT_REF = re.compile(r"\bE-\d{4,}\b")


def _events(register, n: int, *, level: str = "UNCLASSIFIED", title: str = "Routine note"):
    """``n`` events in one write (severity 1, so that any more severe event outranks them)."""
    with register.write() as session:
        return [
            repo.create(
                session,
                "event",
                EventCreate(
                    title=f"{title} {i}",
                    classification=level,
                    occurred_on=TODAY - dt.timedelta(days=1 + i % 20),
                    severity=1,
                ),
                actor="tester",
            )
            for i in range(n)
        ]


def _annex(path: Path) -> str:
    """The pages of Annex A (from its bookmark to the next section's)."""
    reader = pypdf.PdfReader(str(path))
    marks = [
        (str(item.title), reader.get_destination_page_number(item))
        for item in reader.outline
        if not isinstance(item, list)
    ]
    i = next(n for n, (title, _) in enumerate(marks) if title.startswith("Annex A"))
    start = marks[i][1]
    end = marks[i + 1][1] if i + 1 < len(marks) else len(reader.pages) - 1
    return "\n".join(page_texts(path)[start : end + 1])


def _attachment(path: Path) -> list[dict[str, str]]:
    reader = pypdf.PdfReader(str(path))
    (payload,) = reader.attachments["event-log.csv"]
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))


def test_cap_and_its_note_at_the_boundary():
    assert DEFAULT_MAX_ROWS == 50
    assert cap(range(50), 50).more == 0 and len(cap(range(50), 50).shown) == 50
    assert cap(range(51), 50).more == 1 and len(cap(range(51), 50).shown) == 50
    assert cap(range(51), 0).more == 0  # 0: every row
    assert more_note(0, "anywhere") == ""
    assert more_note(1, "see the attached CSV") == "and 1 more: see the attached CSV"
    assert more_note(2950, "x") == "and 2,950 more: x"


@pytest.mark.parametrize(("count", "more"), [(DEFAULT_MAX_ROWS, 0), (DEFAULT_MAX_ROWS + 1, 1)])
def test_annex_a_lists_50_rows_and_says_how_many_more(register, tmp_path, count, more):
    _events(register, count)
    out = tmp_path / "annex.pdf"
    build_pack(register, BriefingParameters(sections=("annex_a",)), out, actor="tester")
    annex = _annex(out)
    assert len(set(EVENT_REF.findall(annex))) == DEFAULT_MAX_ROWS
    if more:
        assert f"most severe of {count} events" in annex
        assert "And 1 more: see the attached CSV (event-log.csv)." in squash(annex)
    else:
        assert "more: see the attached CSV" not in squash(annex)
        assert f"{count} events from" in annex
    # The attachment holds every event of the period, whatever the cap.
    assert len(_attachment(out)) == count


def test_the_attached_log_obeys_the_ceiling_and_raises_the_banner(register, tmp_path):
    _events(register, DEFAULT_MAX_ROWS)
    # Beyond the cap (least severe, so not on any page) but inside the ceiling: it is in the
    # attached file, so the banner must say RESTRICTED although no page shows the event.
    _events(register, 1, level="RESTRICTED", title="Restricted only in the file")
    _events(register, 2, level="SECRET", title="CANARY above the ceiling")
    _events(register, 2, level="CONFIDENTIAL", title="CANARY confidential")
    out = tmp_path / "ceiling.pdf"
    params = BriefingParameters(ceiling="RESTRICTED", sections=("annex_a",))
    result = build_pack(register, params, out, actor="tester")
    rows = _attachment(out)
    assert len(rows) == DEFAULT_MAX_ROWS + 1
    assert {r["classification"] for r in rows} <= {"PUBLIC", "UNCLASSIFIED", "RESTRICTED"}
    assert not any("CANARY" in " ".join(r.values()) for r in rows)
    assert "Restricted only in the file" not in "\n".join(page_texts(out))
    assert any(r["title"] == "Restricted only in the file 0" for r in rows)
    assert result.banner_level == "RESTRICTED"
    assert page_texts(out)[0].count("RESTRICTED") >= 2

    left_out = tmp_path / "no-log.pdf"
    params = BriefingParameters(ceiling="RESTRICTED", sections=("annex_a",), attach_event_log=False)
    result = build_pack(register, params, left_out, actor="tester")
    assert pypdf.PdfReader(str(left_out)).attachments == {}
    assert "And 1 more: the full log was left out of this pack." in squash(_annex(left_out))
    # Nothing restricted is printed or attached any more: the banner says so.
    assert result.banner_level == "UNCLASSIFIED"


def test_the_cli_options_cap_and_leave_out_the_log(register, db_path, tmp_path):
    _events(register, 12)
    register.dispose()
    out = tmp_path / "cli.pdf"
    done = run(
        "brief", "--db", str(db_path), "--out", str(out), "--max-rows", "10", "--no-event-log"
    )
    assert done.returncode == 0, done.stderr
    annex = squash(_annex(out))
    assert len(set(EVENT_REF.findall(annex))) == 10
    assert "And 2 more: the full log was left out of this pack." in annex
    assert pypdf.PdfReader(str(out)).attachments == {}
    everything = tmp_path / "all.pdf"
    done = run("brief", "--db", str(db_path), "--out", str(everything), "--max-rows", "0")
    assert done.returncode == 0, done.stderr
    assert len(set(EVENT_REF.findall(_annex(everything)))) == 12
    assert len(_attachment(everything)) == 12
    bad = run("brief", "--db", str(db_path), "--out", str(out), "--max-rows", "-1")
    assert bad.returncode == 2 and "negative" in bad.stderr


def test_statements_table_lists_only_statements_that_answer_something(register, tmp_path):
    criticism = event(register, "Open letter from researchers", kind="criticism", days_ago=5)
    event(
        register,
        "Reply to the open letter",
        kind="statement",
        days_ago=3,
        responds_to_id=criticism.id,
    )
    event(register, "Routine statement on hiring", kind="statement", days_ago=2)
    event(register, "Another routine statement", kind="statement", days_ago=1)
    out = tmp_path / "statements.pdf"
    build_pack(register, BriefingParameters(sections=("events",)), out, actor="tester")
    text = squash("\n".join(page_texts(out)))
    part = text.split("Statements issued and the criticism they answered", 1)[1]
    assert (
        "3 statements issued in the period; 1 answered an earlier event and is listed below."
        in part
    )
    assert "Reply to the open letter" in part
    assert "Routine statement on hiring" not in part and "Another routine statement" not in part


def test_a_3000_event_period_builds_at_most_40_pages(tmp_path):
    db = tmp_path / "big.db"
    done = run("generate", "--db", str(db), "--events", "3000")
    assert done.returncode == 0, done.stderr
    con = sqlite3.connect(db)
    try:
        first, last, n = con.execute(
            "select min(occurred_on), max(occurred_on), count(*) from event"
        ).fetchone()
    finally:
        con.close()
    assert n == 3000
    out = tmp_path / "big.pdf"
    done = run(
        "brief",
        "--db",
        str(db),
        "--out",
        str(out),
        "--from",
        first,
        "--to",
        last,
        "--ceiling",
        "SECRET",
    )
    assert done.returncode == 0, done.stderr
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) <= 40, len(reader.pages)
    # Every event of the period is in the attached log, and the annex says so.
    (payload,) = reader.attachments["event-log.csv"]
    assert len(list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))) == 3000
    assert "And 2,950 more: see the attached CSV (event-log.csv)." in squash(_annex(out))
