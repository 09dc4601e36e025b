"""One set of numbers: the dashboard, the matrix view, ``risk-tracker matrix`` and the
briefing pack agree, number for number, on random registers.

Each example lays out a random history through the repository (so the audit trail is
the real one, with its times): partnerships whose status moves, risks created,
re-scored (inherent and residual, residual pairs set and cleared), reclassified,
closed, reopened and deleted, events of every kind and sentiment, and a previous
briefing pack somewhere in that history.  Then, for a random ceiling, period, as-of
date and set of bands, it reads

* the dashboard's key figures (``load_dashboard``, what ``DashboardView`` shows),
* the matrix view's counts (``load_matrix``, what ``RiskMatrixView`` shows), now and
  as of the date,
* the grid printed by ``risk-tracker matrix`` (inherent and residual, now and as of),
* the pack's key figures, register (with its trend column) and heat maps
  (``load_pack_data``),
* overdue treatment actions: the dashboard's list and its "review suggested"
  reasons, the pack's reasons and its actions table (open actions per risk, overdue
  ones marked), each against the model (due before the day, planned or in progress),

and checks that they agree with each other and with a plain model of the same history
kept by the test itself (so that they cannot all be wrong the same way).  A few fixed
registers then go through the real PDF, read back with pypdf.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import os
import random
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import db.audit
import db.repository
from db import repository as repo
from db import scoring
from db.classification import LEVELS, levels_up_to
from db.engine import open_register
from db.enums import ActionStatus, EventKind, PartnershipStatus, RiskStatus, label
from db.models import (
    ISSUED,
    ActionCreate,
    ActionUpdate,
    BriefingRecord,
    EventCreate,
    PartnershipCreate,
    PartnershipUpdate,
    RiskCreate,
    RiskUpdate,
    StakeholderCreate,
)
from db.register_settings import set_register_bands
from db.scoring import BAND_NAMES, Bands
from desktop.briefing.data import load_pack_data
from desktop.briefing.parameters import BriefingParameters
from desktop.cli import main as cli_main
from desktop.services.filters import RecordFilter
from desktop.services.interpret import interpretation_sentences
from desktop.services.periods import previous_period
from desktop.views.dashboard_view import load_dashboard
from desktop.views.matrix_view import load_matrix

ACTOR = "tester"
HISTORY_DAYS = 60
CELLS = [(lk, im) for lk in range(1, 6) for im in range(1, 6)]
LEVEL_NAMES = [lv.value for lv in LEVELS]


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- the test's own model


@dataclass
class Model:
    """What the test wrote, when: ``history[kind][ref]`` = [(at, state or None), ...]."""

    history: dict[str, dict[str, list[tuple[dt.datetime, dict[str, Any] | None]]]] = field(
        default_factory=lambda: {"risk": {}, "partnership": {}, "event": {}}
    )
    created: dict[str, dt.datetime] = field(default_factory=dict)  # risk ref -> created_at
    pack_at: dt.datetime | None = None
    pack_ceiling: str = "SECRET"
    # treatment actions as they are now: ref -> classification, status, due_on, risks (refs)
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def write(self, kind: str, ref: str, at: dt.datetime, state: dict[str, Any] | None) -> None:
        self.history[kind].setdefault(ref, []).append((at, None if state is None else dict(state)))

    def at(self, kind: str, moment: dt.datetime | None) -> dict[str, dict[str, Any]]:
        """Every record of ``kind`` just before ``moment`` (None: now)."""
        out = {}
        for ref, steps in self.history[kind].items():
            state = None
            for at, st_ in steps:
                if moment is None or at < moment:
                    state = st_
            if state is not None:
                out[ref] = state
        return out

    def visible(
        self, kind: str, moment: dt.datetime | None, levels: list[str] | None
    ) -> dict[str, dict[str, Any]]:
        """As the services promise: within the ceiling then, and (if it exists) now."""
        then = self.at(kind, moment)
        if levels is None:
            return then
        now = self.at(kind, None)
        return {
            ref: s
            for ref, s in then.items()
            if s["classification"] in levels
            and (ref not in now or now[ref]["classification"] in levels)
        }

    # ----------------------------------------------------------------- expected actions

    def open_actions(
        self, levels: list[str] | None, day: dt.date, *, closed_risks: bool = False
    ) -> dict[str, set[Any]]:
        """Risk ref -> {(action ref, overdue on ``day``)} of its open actions, for the
        open (or any) risks within the ceiling and the actions within it."""
        risks = {
            ref
            for ref, st_ in self.at("risk", None).items()
            if (closed_risks or st_["status"] != "closed")
            and (levels is None or st_["classification"] in levels)
        }
        out: dict[str, set[Any]] = {}
        for ref, a in self.actions.items():
            if a["status"] not in ("planned", "in_progress"):
                continue
            if levels is not None and a["classification"] not in levels:
                continue
            overdue = a["due_on"] is not None and a["due_on"] < day
            for risk_ref in a["risks"] & risks:
                out.setdefault(risk_ref, set()).add((ref, overdue))
        return out

    def overdue_pairs(
        self, levels: list[str] | None, day: dt.date, *, closed_risks: bool = False
    ) -> set[tuple[str, str]]:
        return {
            (risk_ref, action_ref)
            for risk_ref, items in self.open_actions(levels, day, closed_risks=closed_risks).items()
            for action_ref, overdue in items
            if overdue
        }

    # ----------------------------------------------------------------- expected figures

    def matrix(
        self, moment: dt.datetime | None, levels: list[str] | None, *, residual: bool
    ) -> Counter[tuple[int, int]]:
        risks = self.visible("risk", moment, levels)
        return Counter(
            scoring.cell(s["l"], s["i"], s["rl"], s["ri"], residual=residual)
            for s in risks.values()
            if s["status"] != "closed"
        )

    def by_band(self, moment: dt.datetime | None, levels: list[str] | None, bands: Bands):
        counts = dict.fromkeys(BAND_NAMES, 0)
        for (lk, im), n in self.matrix(moment, levels, residual=True).items():
            counts[scoring.band_for(lk, im, bands)] += n
        return counts

    def figures(
        self, start: dt.date, end: dt.date, levels: list[str] | None, bands: Bands
    ) -> dict[str, Any]:
        events = [
            e
            for e in self.at("event", None).values()
            if start <= e["occurred_on"] <= end
            and (levels is None or e["classification"] in levels)
        ]
        now = self.at("risk", None)
        new = [
            ref
            for ref, s in now.items()
            if start <= self.created[ref].date() <= end
            and (levels is None or s["classification"] in levels)
        ]
        moment = None if end >= utc_today() else end_of(end)
        partnerships = Counter(
            p["status"] for p in self.visible("partnership", moment, levels).values()
        )
        return {
            "events": len(events),
            "adverse": sum(scoring.is_adverse(e["sentiment"], e["kind"]) for e in events),
            "new": len(new),
            "by_band": self.by_band(moment, levels, bands),
            "partnerships": dict(partnerships),
        }


# --------------------------------------------------------------------------- a random history


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _level(rnd: random.Random) -> str:
    return rnd.choice(LEVEL_NAMES)


def _risk_state(r: Any) -> dict[str, Any]:
    return {
        "classification": str(r.classification),
        "status": str(r.status),
        "l": r.likelihood,
        "i": r.impact,
        "rl": r.residual_likelihood,
        "ri": r.residual_impact,
    }


def build_history(reg: Any, rnd: random.Random, *, steps: int, with_pack: bool) -> Model:
    """A random history of ``steps`` writes over the last ``HISTORY_DAYS`` days."""
    model = Model()
    clock = Clock()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    base = now - dt.timedelta(days=HISTORY_DAYS)
    minutes = sorted(rnd.sample(range(HISTORY_DAYS * 24 * 60), steps + 4))
    times = iter(base + dt.timedelta(minutes=m) for m in minutes)
    pack_index = rnd.randrange(steps // 3, steps) if with_pack else None
    with (
        mock.patch.object(db.audit, "utcnow", clock),
        mock.patch.object(db.repository, "utcnow", clock),
        reg.write() as s,
    ):
        clock.now = next(times)
        partner = repo.create(s, "stakeholder", StakeholderCreate(name="Partner"), actor=ACTOR)
        partnerships = []
        for k in range(rnd.randint(1, 3)):
            clock.now = next(times)
            p = repo.create(
                s,
                "partnership",
                PartnershipCreate(
                    name=f"Partnership {k}",
                    partner_id=partner.id,
                    classification=_level(rnd),
                    status=rnd.choice(list(PartnershipStatus)),
                ),
                actor=ACTOR,
            )
            partnerships.append(p.id)
            model.write(
                "partnership",
                p.ref,
                clock.now,
                {"classification": str(p.classification), "status": str(p.status)},
            )
        risks: list[int] = []
        for step in range(steps):
            clock.now = next(times)
            if pack_index is not None and step == pack_index:
                # a previous pack, half a minute after the write before it
                model.pack_at = clock.now - dt.timedelta(seconds=30)
                model.pack_ceiling = rnd.choice(LEVEL_NAMES)
                s.add(
                    BriefingRecord(
                        created_at=model.pack_at,
                        title="Earlier pack",
                        ceiling=model.pack_ceiling,
                        banner_level="PUBLIC",
                        sha256="0" * 64,
                        file_name="earlier.pdf",
                        edition=ISSUED,  # only an issued pack is a baseline (issue 14)
                    )
                )
                s.flush()
            what = rnd.choices(
                [
                    "risk",
                    "rescore",
                    "status",
                    "level",
                    "delete",
                    "event",
                    "partnership",
                    "action",
                    "action_edit",
                ],
                weights=[5, 6, 2, 2, 1, 4, 1, 3, 2],
            )[0]
            if what == "action_edit" and not model.actions:
                what = "action"
            if what != "risk" and what != "event" and what != "partnership" and not risks:
                what = "risk"
            if what == "risk":
                pair = rnd.random() < 0.6
                r = repo.create(
                    s,
                    "risk",
                    RiskCreate(
                        title=f"Risk number {step}",
                        likelihood=rnd.randint(1, 5),
                        impact=rnd.randint(1, 5),
                        residual_likelihood=rnd.randint(1, 5) if pair else None,
                        residual_impact=rnd.randint(1, 5) if pair else None,
                        classification=_level(rnd),
                        status=rnd.choice(["open", "open", "monitoring", "closed"]),
                    ),
                    actor=ACTOR,
                )
                risks.append(r.id)
                model.created[r.ref] = clock.now
                model.write("risk", r.ref, clock.now, _risk_state(r))
            elif what == "event":
                e = repo.create(
                    s,
                    "event",
                    EventCreate(
                        title=f"Event number {step}",
                        occurred_on=(base + dt.timedelta(days=rnd.randint(0, HISTORY_DAYS))).date(),
                        kind=rnd.choice([k for k in EventKind if k != EventKind.statement]),
                        sentiment=rnd.randint(-2, 2),
                        severity=rnd.randint(1, 5),
                        classification=_level(rnd),
                    ),
                    actor=ACTOR,
                )
                model.write(
                    "event",
                    e.ref,
                    clock.now,
                    {
                        "classification": str(e.classification),
                        "occurred_on": e.occurred_on,
                        "sentiment": e.sentiment,
                        "kind": str(e.kind),
                    },
                )
            elif what == "action":
                chosen = rnd.sample(risks, k=min(len(risks), rnd.randint(1, 2)))
                a = repo.create(
                    s,
                    "action",
                    ActionCreate(
                        title=f"Action number {step}",
                        risk_ids=chosen,
                        status=rnd.choice(list(ActionStatus)),
                        # yesterday and before overdue, today and after not (if open)
                        due_on=rnd.choice(
                            [None, *(utc_today() + dt.timedelta(days=d) for d in range(-3, 4))]
                        ),
                        classification=_level(rnd),
                    ),
                    actor=ACTOR,
                )
                model.actions[a.ref] = {
                    "id": a.id,
                    "classification": str(a.classification),
                    "status": str(a.status),
                    "due_on": a.due_on,
                    "risks": set(repo.refs_of(s, "risk", chosen)),
                }
            elif what == "action_edit":
                ref = rnd.choice(sorted(model.actions))
                state = model.actions[ref]
                change = rnd.choice(
                    [
                        {"status": rnd.choice(list(ActionStatus)).value},
                        {"due_on": utc_today() + dt.timedelta(days=rnd.randint(-3, 3))},
                        {"classification": _level(rnd)},
                    ]
                )
                repo.update(s, "action", state["id"], ActionUpdate(**change), actor=ACTOR)
                state.update(change)
            elif what == "partnership":
                p = repo.update(
                    s,
                    "partnership",
                    rnd.choice(partnerships),
                    PartnershipUpdate(status=rnd.choice(list(PartnershipStatus))),
                    actor=ACTOR,
                )
                model.write(
                    "partnership",
                    p.ref,
                    clock.now,
                    {"classification": str(p.classification), "status": str(p.status)},
                )
            else:
                rid = rnd.choice(risks)
                if what == "delete":
                    ref = repo.get(s, "risk", rid).ref
                    if any(a["risks"] == {ref} for a in model.actions.values()):
                        continue  # the only risk of an action: the register refuses
                    repo.delete(s, "risk", rid, actor=ACTOR)
                    risks.remove(rid)
                    model.write("risk", ref, clock.now, None)
                    for state in model.actions.values():  # the link goes with the risk
                        state["risks"].discard(ref)
                    continue
                if what == "rescore":
                    change: dict[str, Any] = {}
                    if rnd.random() < 0.5:
                        change.update(likelihood=rnd.randint(1, 5), impact=rnd.randint(1, 5))
                    roll = rnd.random()
                    if roll < 0.7:
                        change.update(
                            residual_likelihood=rnd.randint(1, 5), residual_impact=rnd.randint(1, 5)
                        )
                    elif roll < 0.85:
                        change.update(residual_likelihood=None, residual_impact=None)
                    if not change:
                        change = {"impact": rnd.randint(1, 5)}
                    update = RiskUpdate(**change)
                elif what == "status":
                    update = RiskUpdate(status=rnd.choice(list(RiskStatus)))
                else:
                    update = RiskUpdate(classification=_level(rnd))
                r = repo.update(s, "risk", rid, update, actor=ACTOR)
                model.write("risk", r.ref, clock.now, _risk_state(r))
    return model


# --------------------------------------------------------------------------- reading each surface


def cli_grid(path: Path, *, residual: bool, as_of: dt.date | None) -> Counter[tuple[int, int]]:
    args = ["matrix", "--db", str(path)]
    if residual:
        args.append("--residual")
    if as_of is not None:
        args += ["--as-of", as_of.isoformat()]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main(args) == 0
    grid: Counter[tuple[int, int]] = Counter()
    rows = 0
    for line in out.getvalue().splitlines():
        m = re.match(r"^([1-5]) [A-Z][a-z]+(?: [a-z]+)?((?:\s+\d+){5})\s*$", line)
        if m:
            rows += 1
            for impact, n in enumerate(m.group(2).split(), start=1):
                if int(n):
                    grid[(int(m.group(1)), impact)] = int(n)
    assert rows == 5, out.getvalue()
    return grid


def side_counts(side: Any) -> Counter[tuple[int, int]]:
    return Counter({cell: c.count for cell, c in side.cells.items() if c.count})


def matrix_counts(matrix: Any) -> Counter[tuple[int, int]]:
    return Counter({(c.likelihood, c.impact): c.count for c in matrix.cells if c.count})


class RegisterShim:
    """What ``load_dashboard``/``load_matrix`` get from the app: something with ``session()``."""

    def __init__(self, reg: Any) -> None:
        self.reg = reg

    def session(self) -> Any:
        return self.reg.session()


def check_agreement(
    reg: Any,
    path: Path,
    model: Model,
    *,
    ceiling: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    bands: Bands,
) -> Any:
    today = utc_today()
    top = ceiling == LEVEL_NAMES[-1]
    levels = list(levels_up_to(ceiling))
    with reg.write() as s:
        set_register_bands(s, bands, actor=ACTOR)
    shim = RegisterShim(reg)

    # ---- the pack (as ``risk-tracker brief`` and the app build it)
    params = BriefingParameters(ceiling=ceiling, date_from=start, date_to=end, today=today)
    with reg.session() as s:
        pack = load_pack_data(s, params.resolved())
    assert pack.bands == bands  # the register's bands, unasked
    want = model.figures(start, end, levels, bands)
    p_start, p_end = previous_period(start, end)
    want_prev = model.figures(p_start, p_end, levels, bands)
    for got, exp in ((pack.figures, want), (pack.previous_figures, want_prev)):
        assert (got.events, got.adverse_events, got.new_risks) == (
            exp["events"],
            exp["adverse"],
            exp["new"],
        )
        assert got.residual_by_band == exp["by_band"]
        assert got.residual_high_or_critical == scoring.high_or_critical(exp["by_band"])
        assert got.partnerships_by_status == exp["partnerships"]

    # the register: every open risk within the ceiling now, its cells, bands and trend
    now = model.visible("risk", None, levels)
    # The earlier pack is a baseline only for a pack at the same or a higher ceiling
    # (issue 13: never a higher pack's date and figures for a lower one).
    baseline = model.pack_at if model.pack_at and model.pack_ceiling in levels else None
    before = model.visible("risk", baseline, levels) if baseline else None
    register = pack.risks_by_residual()
    assert {r.ref for r in register} == {ref for ref, s_ in now.items() if s_["status"] != "closed"}
    for r in register:
        s_ = now[r.ref]
        cell = scoring.residual_cell(s_["l"], s_["i"], s_["rl"], s_["ri"])
        assert (r.likelihood, r.impact, r.score) == (s_["l"], s_["i"], s_["l"] * s_["i"])
        assert (r.residual_likelihood, r.residual_impact) == cell
        assert (
            r.residual_band
            == scoring.band(r.residual_score, bands)
            == bands.band(cell[0] * cell[1])
        )
        if before is None:
            assert r.trend == ""
        elif r.ref not in before:
            assert r.trend == "new"
        else:
            old = before[r.ref]
            was = scoring.residual_score(old["l"], old["i"], old["rl"], old["ri"])
            if r.residual_score == was:
                assert r.trend == "same"
            else:
                assert r.trend == ("up" if r.residual_score > was else "down")
    scores = [(r.residual_score, r.score) for r in register]
    assert scores == sorted(scores, reverse=True)

    # the pack's heat maps: its own register's cells, and the model's
    assert pack.matrices is not None
    pack_inherent, pack_residual = (matrix_counts(m) for m in pack.matrices)
    assert pack_inherent == Counter((r.likelihood, r.impact) for r in register)
    assert pack_residual == Counter((r.residual_likelihood, r.residual_impact) for r in register)
    assert pack_inherent == model.matrix(None, levels, residual=False)
    assert pack_residual == model.matrix(None, levels, residual=True)

    # ---- the matrix view (the same ceiling), now and as of the date
    view_now = load_matrix(shim, RecordFilter(ceiling=ceiling), None, None, bands)
    assert side_counts(view_now.inherent) == pack_inherent
    assert side_counts(view_now.residual) == pack_residual
    view_then = load_matrix(shim, RecordFilter(ceiling=ceiling), as_of, None, bands)
    then = None if as_of >= today else end_of(as_of)
    assert side_counts(view_then.inherent) == model.matrix(then, levels, residual=False)
    assert side_counts(view_then.residual) == model.matrix(then, levels, residual=True)
    for side in (view_now.inherent, view_now.residual, view_then.inherent, view_then.residual):
        for (lk, im), c in side.cells.items():
            assert c.band == scoring.band_for(lk, im, bands)

    # ---- the dashboard and the command line: the whole register (they have no ceiling)
    dash = load_dashboard(shim, start, end, today, bands)
    everything = model.figures(start, end, None, bands)
    everything_prev = model.figures(p_start, p_end, None, bands)
    events = {f.name: (f.value, f.previous) for f in dash.event_figures}
    assert events == {
        "Events": (everything["events"], everything_prev["events"]),
        "Adverse events": (everything["adverse"], everything_prev["adverse"]),
        "New risks": (everything["new"], everything_prev["new"]),
    }
    assert {f.name: (f.value, f.previous) for f in dash.band_figures} == {
        label(b): (everything["by_band"][b], everything_prev["by_band"][b]) for b in BAND_NAMES
    }
    assert {f.name: (f.value, f.previous) for f in dash.partnership_figures} == {
        label(st_): (
            everything["partnerships"].get(st_, 0),
            everything_prev["partnerships"].get(st_, 0),
        )
        for st_ in {*everything["partnerships"], *everything_prev["partnerships"]}
    }
    cli_day = None if as_of >= dt.date.today() else as_of
    for residual in (False, True):
        assert cli_grid(path, residual=residual, as_of=None) == model.matrix(
            None, None, residual=residual
        )
        assert cli_grid(path, residual=residual, as_of=cli_day) == model.matrix(
            None if cli_day is None or cli_day >= today else end_of(cli_day),
            None,
            residual=residual,
        )

    # ---- overdue treatment actions: one rule (db.scoring) on every surface
    def action_pairs(reasons_by_risk: dict[str, list[str]]) -> set[tuple[str, str]]:
        return {
            (risk_ref, m.group(1))
            for risk_ref, reasons in reasons_by_risk.items()
            for reason in reasons
            if (m := re.fullmatch(r"action (A-\d+) was due on \S+ \(\d+ days? overdue\)", reason))
        }

    pack_pairs = action_pairs({f.risk.ref: f.reasons for f in pack.review_flags})
    assert pack_pairs == model.overdue_pairs(levels, end)  # the pack judges as of its end
    pack_table = {
        r.ref: {(a.ref, a.overdue) for a in pack.actions[r.id]}
        for r in register
        if pack.actions.get(r.id)
    }
    assert pack_table == model.open_actions(levels, end)
    dash_pairs = action_pairs(
        {line.columns[0]: line.columns[2].split("; ") for line in dash.suggested}
    )
    assert dash_pairs == model.overdue_pairs(None, today)
    # the dashboard's list: every overdue action, whatever its risks' status
    assert {line.columns[0] for line in dash.overdue_actions} == {
        a for _r, a in model.overdue_pairs(None, today, closed_risks=True)
    }
    if top and end == today:
        assert pack_pairs == dash_pairs
    if top:  # with nothing above the ceiling, the pack and the dashboard are the same figures
        assert [pack.figures.events, pack.figures.adverse_events, pack.figures.new_risks] == [
            events["Events"][0],
            events["Adverse events"][0],
            events["New risks"][0],
        ]
        assert matrix_counts(pack.matrices[1]) == cli_grid(path, residual=True, as_of=None)
    # ---- the interpretation: the pack's drivers count its own adverse events, and with
    # nothing above the ceiling (and a period ending today) it says what the dashboard says
    assert pack.interpretation is not None
    reading = pack.interpretation
    assert (reading.adverse, reading.previous_adverse) == (
        pack.figures.adverse_events,
        pack.previous_figures.adverse_events,
    )
    assert sum(d.count for d in reading.channels) <= reading.adverse
    assert all(d.count >= 1 for d in (*reading.stakeholders, *reading.risks))
    if top and end == today:
        assert interpretation_sentences(reading) == dash.interpretation
    return pack


# --------------------------------------------------------------------------- the property


# any three distinct upper bounds below 25 make valid bands
bands_strategy = st.lists(st.integers(1, 24), min_size=3, max_size=3, unique=True).map(
    lambda bounds: Bands(*sorted(bounds))
)


@st.composite
def periods(draw: Any) -> tuple[dt.date, dt.date]:
    today = utc_today()
    end = today - dt.timedelta(days=draw(st.sampled_from([0, 0, 1, 5, 20, 45])))
    length = draw(st.sampled_from([1, 7, 30, 90]) | st.integers(1, 60))
    return end - dt.timedelta(days=length - 1), end


@settings(
    max_examples=int(os.environ.get("AGREEMENT_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
)
@given(
    seed=st.integers(0, 2**32 - 1),
    steps=st.integers(8, 40),
    with_pack=st.booleans(),
    ceiling=st.sampled_from(LEVEL_NAMES),
    period=periods(),
    as_of_back=st.integers(0, HISTORY_DAYS + 5),
    bands=st.sampled_from([Bands(), Bands(1, 2, 3), Bands(5, 12, 13), Bands(9, 15, 20)])
    | bands_strategy,
)
def test_every_surface_states_the_same_numbers(
    seed, steps, with_pack, ceiling, period, as_of_back, bands
):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.db"
        reg = open_register(path)
        try:
            model = build_history(reg, random.Random(seed), steps=steps, with_pack=with_pack)
            check_agreement(
                reg,
                path,
                model,
                ceiling=ceiling,
                start=period[0],
                end=period[1],
                as_of=utc_today() - dt.timedelta(days=as_of_back),
                bands=bands,
            )
        finally:
            reg.dispose()


# --------------------------------------------------------------------------- the real PDF


@pytest.mark.parametrize("seed", [7, 2026, 31337])
def test_the_printed_pack_states_the_same_numbers(seed, tmp_path):
    """For a few registers, the numbers read back from the PDF itself."""
    from desktop.briefing.builder import build_pack
    from tests.briefing.helpers import page_texts, register_table

    rnd = random.Random(seed)
    path = tmp_path / "register.db"
    reg = open_register(path)
    try:
        model = build_history(reg, rnd, steps=30, with_pack=True)
        today = utc_today()
        start, end = today - dt.timedelta(days=29), today
        bands = Bands(3, 8, 15)
        ceiling = LEVEL_NAMES[-1] if seed != 2026 else "RESTRICTED"
        pack = check_agreement(
            reg, path, model, ceiling=ceiling, start=start, end=end, as_of=today, bands=bands
        )
        out = tmp_path / "pack.pdf"
        params = BriefingParameters(ceiling=ceiling, date_from=start, date_to=end, today=today)
        build_pack(reg, params, out, actor=ACTOR)
    finally:
        reg.dispose()

    printed = register_table(out)
    shown = pack.risks_by_residual()
    assert [r.ref for r in printed] == [r.ref for r in shown]
    for line, r in zip(printed, shown, strict=True):
        assert line.inherent == (r.likelihood, r.impact) and line.inherent_score == r.score
        assert line.residual == (r.residual_likelihood, r.residual_impact)
        assert line.residual_score == r.residual_score
        assert line.band == label(r.residual_band)
        assert line.trend == {"up": "▲", "down": "▼", "same": "=", "new": "new", "": "—"}[r.trend]

    text = "\n".join(page_texts(out))
    figures = pack.figures, pack.previous_figures
    for name, attr in (
        ("Events", "events"),
        ("Adverse events", "adverse_events"),
        ("New risks", "new_risks"),
        ("Open risks in high or critical band (residual)", "residual_high_or_critical"),
    ):
        m = re.search(rf"\n{re.escape(name)}\n(\d+)\n(\d+)\n", text)
        assert m, name
        assert (int(m.group(1)), int(m.group(2))) == tuple(getattr(f, attr) for f in figures)

    # the drivers and the outlook, as the services word them
    assert pack.interpretation is not None
    flat = re.sub(r"\s+", " ", text)
    for sentence in interpretation_sentences(pack.interpretation):
        assert re.sub(r"\s+", " ", sentence) in flat

    maps = heat_map_counts(text)
    assert maps["Inherent (before mitigation)"] == matrix_counts(pack.matrices[0])
    assert maps["Residual (after mitigation)"] == matrix_counts(pack.matrices[1])


def heat_map_counts(text: str) -> dict[str, Counter[tuple[int, int]]]:
    """Risks per cell of each printed heat map: the cells are drawn row by row, each with
    its score in the corner, then (when not empty) its count ("3 risks"), then its marked
    refs, ``(R)R-012`` (and "+N more").  The count a cell states must be the refs it
    holds."""
    out = {}
    for title in ("Inherent (before mitigation)", "Residual (after mitigation)"):
        tokens = text.split(title, 1)[1].split()
        counts: Counter[tuple[int, int]] = Counter()
        stated: dict[tuple[int, int], int] = {}
        pos = 0
        for (lk, im), nxt in itertools.zip_longest(CELLS, CELLS[1:]):
            assert tokens[pos] == str(lk * im), (title, lk, im, tokens[pos : pos + 5])
            pos += 1
            if pos + 1 < len(tokens) and tokens[pos + 1] in ("risk", "risks"):
                stated[(lk, im)] = int(tokens[pos].replace(",", ""))
                pos += 2
            while pos < len(tokens) and (
                nxt is None
                and re.fullmatch(r"(\([A-Z]+\))?R-\d+|\+\d+|more", tokens[pos])
                or nxt is not None
                and tokens[pos] != str(nxt[0] * nxt[1])
            ):
                tok = tokens[pos]
                if re.fullmatch(r"(\([A-Z]+\))?R-\d+", tok):  # each ref with its portion mark
                    counts[(lk, im)] += 1
                elif re.fullmatch(r"\+\d+", tok):
                    counts[(lk, im)] += int(tok[1:])
                pos += 1
        assert stated == {cell: n for cell, n in counts.items() if n}, title
        out[title] = counts
    return out
