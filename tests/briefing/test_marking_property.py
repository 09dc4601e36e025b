"""Issue 13's differential property: records above the ceiling change nothing but Annex C.

For a random register, a random ceiling and a random choice of sections, a second
register holds the same visible records (written at the same instants) plus any
number of records above the ceiling, linked in any way to the visible ones (and
visible records linked to them), whose levels and fields are then edited over
time.  The two invariant-mode packs must have the same pages, byte for byte in
their content streams up to Annex C and in their extracted text everywhere but
Annex C; and each pack's banner is the highest portion mark its text prints.

The hidden register also carries a risk owner's commentary above the ceiling, and
its pack an analyst's note and decisions requested above it (issue 14).
Treatment actions take part as every kind does: visible ones (due yesterday, today
or later, in every status) and hidden ones (open and overdue on visible risks, which
would fill the actions table and give a "review suggested" reason if they leaked).

Kept to 20 examples (two packs each): about 50 s on the loaded 2-core test machine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import db.audit
import db.repository
from db import repository as repo
from db.classification import LEVELS, rank
from db.engine import open_register
from db.models import (
    ActionCreate,
    EventCreate,
    PartnershipCreate,
    RiskCreate,
    StakeholderCreate,
)
from desktop.briefing.builder import build_pack
from desktop.briefing.parameters import SECTIONS, BriefingParameters
from tests.briefing.test_marking import highest_printed

TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=30)
ANNEX_C = "Annex C: exclusions and provenance"
# 20 by default; MARKING_PROPERTY_EXAMPLES=N runs a longer hunt.
EXAMPLES = int(os.environ.get("MARKING_PROPERTY_EXAMPLES", "20"))


class Clock:
    """Every write at a chosen instant, so both registers carry the same history."""

    def __init__(self) -> None:
        self.now = dt.datetime.combine(START, dt.time(9), tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def day(self, n: int, minute: int = 0) -> None:
        self.now = dt.datetime.combine(
            START + dt.timedelta(days=n), dt.time(9, minute), tzinfo=dt.UTC
        )


def _create(reg: Any, kind: str, model: Any) -> int:
    with reg.write() as s:
        return int(repo.create(s, kind, model, actor="tester").id)


def _update(reg: Any, kind: str, rid: int, **values: Any) -> None:
    with reg.write() as s:
        repo.update(s, kind, rid, repo.spec(kind).update(**values), actor="tester")


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    ceiling = draw(st.sampled_from([lv.value for lv in LEVELS[:-1]]))
    low = [lv.value for lv in LEVELS if rank(lv) <= rank(ceiling)]
    high = [lv.value for lv in LEVELS if rank(lv) > rank(ceiling)]
    n_s = draw(st.integers(1, 3))
    n_p = draw(st.integers(0, 2))
    n_r = draw(st.integers(1, 4))
    n_e = draw(st.integers(0, 4))
    visible = {
        "s": [(draw(st.sampled_from(low)), draw(st.integers(-2, 2))) for _ in range(n_s)],
        "p": [(draw(st.sampled_from(low)), draw(st.integers(0, n_s - 1))) for _ in range(n_p)],
        "r": [
            (
                draw(st.sampled_from(low)),
                draw(st.integers(1, 5)),
                draw(st.integers(1, 5)),
                draw(st.lists(st.integers(0, max(n_p - 1, 0)), max_size=2)) if n_p else [],
            )
            for _ in range(n_r)
        ],
        "e": [
            (
                draw(st.sampled_from(low)),
                draw(st.integers(0, 29)),
                draw(st.integers(1, 5)),
                draw(st.integers(-2, 2)),
                draw(st.lists(st.integers(0, n_r - 1), max_size=2)),
            )
            for _ in range(n_e)
        ],
        # treatment actions: level, risk, due (days from today: yesterday is overdue,
        # today is not), status
        "a": [
            (
                draw(st.sampled_from(low)),
                draw(st.integers(0, n_r - 1)),
                draw(st.integers(-2, 2)),
                draw(st.sampled_from(["planned", "in_progress", "done", "dropped"])),
            )
            for _ in range(draw(st.integers(0, 3)))
        ],
    }
    hidden = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["s", "p", "r", "e", "a"]),
                st.sampled_from(high),
                st.integers(0, 10_000),  # picks the visible records it links to
                st.lists(  # later edits: (day, new level above the ceiling, a field edit)
                    st.tuples(st.integers(1, 29), st.sampled_from(high), st.integers(0, 3)),
                    max_size=3,
                ),
                st.booleans(),  # also link a visible record to it
            ),
            min_size=1,
            max_size=5,
        )
    )
    sections = tuple(x for x in SECTIONS if draw(st.booleans()) or x in ("annex_c",))
    scoped = n_p > 0 and draw(st.booleans())
    return {
        "ceiling": ceiling,
        "visible": visible,
        "hidden": hidden,
        "sections": sections,
        "scoped": scoped,
        "prefix": draw(st.sampled_from(["", "NATO"])),
    }


def _visible(reg: Any, clock: Clock, v: dict[str, Any]) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {"s": [], "p": [], "r": [], "e": []}
    clock.day(0)
    for n, (level, stance) in enumerate(v["s"]):
        model = StakeholderCreate(
            name=f"Visible stakeholder {n}", classification=level, stance=stance
        )
        ids["s"].append(_create(reg, "stakeholder", model))
    for n, (level, partner) in enumerate(v["p"]):
        model = PartnershipCreate(
            name=f"Visible partnership {n}", partner_id=ids["s"][partner], classification=level
        )
        ids["p"].append(_create(reg, "partnership", model))
    for n, (level, li, im, parts) in enumerate(v["r"]):
        model = RiskCreate(
            title=f"Visible risk {n}",
            classification=level,
            likelihood=li,
            impact=im,
            partnership_ids=sorted({ids["p"][i] for i in parts}),
            stakeholder_ids=[ids["s"][n % len(ids["s"])]],
        )
        ids["r"].append(_create(reg, "risk", model))
    for n, (level, day, sev, sent, risks) in enumerate(v["e"]):
        model = EventCreate(
            title=f"Visible event {n}",
            classification=level,
            occurred_on=START + dt.timedelta(days=day),
            kind="criticism" if sent < 0 else "statement",
            severity=sev,
            sentiment=sent,
            stakeholder_id=ids["s"][n % len(ids["s"])] if n % 2 == 0 else None,
            partnership_id=ids["p"][n % len(ids["p"])] if ids["p"] else None,
            risk_ids=sorted({ids["r"][i] for i in risks}),
            responds_to_id=ids["e"][-1] if ids["e"] else None,
        )
        ids["e"].append(_create(reg, "event", model))
    ids["a"] = []
    for n, (level, risk, due, status) in enumerate(v["a"]):
        model = ActionCreate(
            title=f"Visible action {n}",
            classification=level,
            risk_ids=[ids["r"][risk]],
            due_on=TODAY + dt.timedelta(days=due),
            status=status,
            owner="Owner of the action",
        )
        ids["a"].append(_create(reg, "action", model))
    return ids


def _hidden(reg: Any, clock: Clock, ids: dict[str, list[int]], hidden: list[Any]) -> None:
    """Records above the ceiling, linked every way to the visible ones, edited over time."""
    clock.day(0, minute=30)

    def pick(kind: str, seed: int) -> int | None:
        return ids[kind][seed % len(ids[kind])] if ids[kind] else None

    # The first hidden event is the one a visible event will answer (_back_links); if it
    # answered a visible event too, that would be a loop of responses, which the register
    # refuses (db/responses.py).
    answered_later = any(back for *_rest, back in hidden)
    made: list[tuple[str, int]] = []
    for n, (kind, level, seed, _edits, _back) in enumerate(hidden):
        name = f"HIDDEN{kind}{n}Q"
        if kind == "s":
            rid = _create(
                reg, "stakeholder", StakeholderCreate(name=name, classification=level, stance=-2)
            )
            ids.setdefault("hs", []).append(rid)
        elif kind == "p":
            partner = pick("s", seed)
            assert partner is not None
            rid = _create(
                reg,
                "partnership",
                PartnershipCreate(name=name, partner_id=partner, classification=level),
            )
            ids.setdefault("hp", []).append(rid)
        elif kind == "r":
            p = pick("p", seed)
            rid = _create(
                reg,
                "risk",
                RiskCreate(
                    title=name,
                    classification=level,
                    likelihood=5,
                    impact=5,
                    partnership_ids=[p] if p else [],
                    stakeholder_ids=[pick("s", seed) or 0],
                ),
            )
            ids.setdefault("hr", []).append(rid)
        elif kind == "a":
            # overdue and open: it would flag its visible risk and fill the actions table
            rid = _create(
                reg,
                "action",
                ActionCreate(
                    title=name,
                    classification=level,
                    risk_ids=[pick("r", seed) or 0],
                    due_on=TODAY - dt.timedelta(days=1 + seed % 20),
                    status="in_progress",
                    owner=f"HIDDENowner{n}Q",
                ),
            )
            ids.setdefault("ha", []).append(rid)
        else:
            r = pick("r", seed)
            rid = _create(
                reg,
                "event",
                EventCreate(
                    title=name,
                    classification=level,
                    occurred_on=START + dt.timedelta(days=seed % 30),
                    kind="statement",
                    severity=5,
                    sentiment=-2,
                    stakeholder_id=pick("s", seed),
                    partnership_id=pick("p", seed),
                    risk_ids=[r] if r else [],
                    responds_to_id=None
                    if answered_later and not ids.get("he")
                    else pick("e", seed),
                ),
            )
            ids.setdefault("he", []).append(rid)
        made.append((kind, rid))
    kinds = {"s": "stakeholder", "p": "partnership", "r": "risk", "e": "event", "a": "action"}
    for (kind, rid), (_k, _level, _seed, edits, _back) in zip(made, hidden, strict=True):
        for day, level, what in edits:
            clock.day(day, minute=45)
            values: dict[str, Any] = {"classification": level}
            if what == 1:
                values.update(
                    {
                        "s": {"stance": 2},
                        "p": {"status": "active"},
                        "r": {"impact": 1},
                        "a": {"status": "planned"},
                    }.get(kind, {"severity": 1})
                )
            elif what == 2:
                if kind in ("s", "p"):
                    values["name"] = f"HIDDENren{kind}{rid}Q"
                else:
                    values["title"] = f"HIDDENren{kind}{rid}Q"
            _update(reg, kinds[kind], rid, **values)
    # The owner's commentary on a visible risk, at a level above the ceiling.
    clock.day(29, minute=40)
    _update(
        reg,
        "risk",
        ids["r"][0],
        commentary="HIDDENcommentQ",
        commentary_on=START,
        commentary_classification=hidden[0][1],
    )


def _back_links(
    reg: Any,
    clock: Clock,
    ids: dict[str, list[int]],
    hidden: list[Any],
    visible_r0_parts: list[int],
) -> None:
    """Visible records pointing at hidden ones (a hidden partnership on a visible risk,
    a hidden actor or answered event on a visible event, a hidden risk among those a
    visible action treats)."""
    clock.day(29, minute=50)
    hs, hp, he = ids.get("hs", []), ids.get("hp", []), ids.get("he", [])
    hr = ids.get("hr", [])
    wants = any(back for *_rest, back in hidden)
    if not wants:
        return
    if hp and ids["r"]:
        parts = sorted({*(ids["p"][i] for i in visible_r0_parts), hp[0]})
        _update(reg, "risk", ids["r"][0], partnership_ids=parts)
    # Only links a visible record did not have: events 1, 3... have no actor, event 0
    # answers nothing.
    if hs and len(ids["e"]) > 1:
        _update(reg, "event", ids["e"][1], stakeholder_id=hs[0])
    if he and ids["e"]:
        _update(reg, "event", ids["e"][0], responds_to_id=he[0])
    if hr and ids["a"]:
        with reg.session() as s:
            own = repo.link_ids(s, "action", ids["a"][0])["risk_ids"]
        _update(reg, "action", ids["a"][0], risk_ids=sorted({*own, hr[0]}))


def _pages(path: Path) -> tuple[list[str], list[bytes]]:
    reader = pypdf.PdfReader(str(path))
    texts = [p.extract_text() or "" for p in reader.pages]
    streams = [p.get_contents().get_data() if p.get_contents() else b"" for p in reader.pages]
    return texts, streams


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=scenarios())
def test_records_above_the_ceiling_change_nothing_but_annex_c(tmp_path_factory, case):
    folder = tmp_path_factory.mktemp("diff")
    clock = Clock()
    packs = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(db.audit, "utcnow", clock)
        mp.setattr(db.repository, "utcnow", clock)
        for name, with_hidden in (("plain", False), ("hidden", True)):
            reg = open_register(folder / f"{name}.db")
            try:
                ids = _visible(reg, clock, case["visible"])
                if with_hidden:
                    _hidden(reg, clock, ids, case["hidden"])
                    _back_links(reg, clock, ids, case["hidden"], case["visible"]["r"][0][3])
                params = BriefingParameters(
                    title="Differential",
                    ceiling=case["ceiling"],
                    sections=case["sections"],
                    date_from=START,
                    date_to=TODAY,
                    since=START + dt.timedelta(days=10),
                    today=TODAY,
                    invariant=True,
                    marking_prefix=case["prefix"],
                    partnership_refs=["P-001"] if case["scoped"] else [],
                )
                if with_hidden:  # the analyst's words, at levels above the ceiling
                    params.note, params.note_level = "HIDDENnoteQ", case["hidden"][0][1]
                    params.decisions = "HIDDENdecisionQ"
                    params.decisions_level = case["hidden"][-1][1]
                out = folder / f"{name}.pdf"
                result = build_pack(reg, params, out, actor="Tester")
                packs.append((result, *_pages(out)))
            finally:
                reg.dispose()
    (plain, plain_texts, plain_streams), (hidden, hidden_texts, hidden_streams) = packs
    if not case["scoped"]:  # a whole-register pack counts every hidden record (in Annex C)
        assert hidden.excluded_total == len(case["hidden"]) and plain.excluded_total == 0
    assert plain.page_count == hidden.page_count
    assert plain.banner_level == hidden.banner_level
    # Annex C is the last section: its pages (from its exclusions table on) may differ.
    first_c = next(
        (i for i, t in enumerate(plain_texts) if "Records left out" in t), len(plain_texts)
    )
    assert plain_texts[:first_c] == hidden_texts[:first_c]
    assert plain_streams[:first_c] == hidden_streams[:first_c]
    assert not any("HIDDEN" in t for t in hidden_texts)
    for result, texts in ((plain, plain_texts), (hidden, hidden_texts)):
        assert result.banner_level == highest_printed(texts)
