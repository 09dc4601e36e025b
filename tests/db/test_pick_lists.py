"""Pick lists of the forms: ref searches use the index, text searches a bounded window."""

from __future__ import annotations

import datetime as dt

from db import repository
from db.queries import pick_lists
from desktop.services import records


def _events(register, titles):
    with register.write() as session:
        for n, title in enumerate(titles):
            repository.create(
                session,
                "event",
                {"title": title, "occurred_on": dt.date(2026, 1, 1) + dt.timedelta(days=n)},
                actor="t",
            )


def test_text_search_is_case_insensitive_literal_and_newest_first(register) -> None:
    _events(
        register, ["Open letter", "100% outrage", "snake_case_title", "Another LETTER", "plain"]
    )
    with register.session() as session:
        found = pick_lists.choice_rows(session, kind="event", text="letter")
        assert [r[1] for r in found] == ["E-0004", "E-0001"]  # newest first
        assert found[0][2] == "2026-01-04 Another LETTER"
        assert [r[1] for r in pick_lists.choice_rows(session, kind="event", text="0%")] == [
            "E-0002"
        ]
        assert [r[1] for r in pick_lists.choice_rows(session, kind="event", text="e_c")] == [
            "E-0003"
        ]
        assert (
            pick_lists.choice_rows(session, kind="event", text="letter", exclude_id=4)[0][1]
            == "E-0001"
        )
        assert len(pick_lists.choice_rows(session, kind="event", limit=2)) == 2


def test_ref_search_uses_the_prefix_and_ignores_the_window(register) -> None:
    _events(register, [f"Event {n}" for n in range(12)])
    with register.session() as session:
        assert pick_lists.ref_prefix("event", " e-001 ") == "E-001"
        assert pick_lists.ref_prefix("event", "R-001") is None
        assert pick_lists.ref_prefix("event", "letter") is None
        refs = [r[1] for r in pick_lists.choice_rows(session, kind="event", text="e-001")]
        assert refs == [f"E-{n:04d}" for n in range(10, 13)]
        # Only the 3 newest rows are searched by text; a ref is found whatever its age.
        assert pick_lists.choice_rows(session, kind="event", text="Event 2", window=3) == []
        old = pick_lists.choice_rows(session, kind="event", text="E-0003", window=3)
        assert [r[1] for r in old] == ["E-0003"]
        recent = pick_lists.choice_rows(session, kind="event", text="Event 1", window=3)
        assert [r[1] for r in recent] == ["E-0012", "E-0011"]  # "Event 11", "Event 10"
        wider = pick_lists.choice_rows(session, kind="event", text="Event 2", window=10)
        assert [r[1] for r in wider] == ["E-0003"]


def test_choices_load_small_kinds_whole_and_search_events(register) -> None:
    records.create_record(register, "stakeholder", {"name": "zeta"}, actor="t")
    records.create_record(register, "stakeholder", {"name": "Alpha"}, actor="t")
    _events(register, ["Statement"])
    picks = records.choices(register)
    assert isinstance(picks.stakeholders, records.ListLookup)
    assert [c.label for c in picks.stakeholders.search("")] == ["Alpha", "zeta"]
    assert [c.ref for c in picks.stakeholders.search("s-001")] == ["S-001"]
    assert isinstance(picks.events, records.RegisterLookup)
    assert [c.ref for c in picks.events.search("state")] == ["E-0001"]
    assert [c.ref for c in picks.events.by_ids([1, 99])] == ["E-0001"]
