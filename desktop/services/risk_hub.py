"""The risk as the hub: what the risk form shows beside its fields.

* its linked events, newest first, each with the pressure it adds today (the
  decayed weight of ``desktop.services.pressure`` for an adverse event within the
  pressure windows; 0 for the others);
* its treatment actions (``treatment_actions``);
* why a review is suggested (the reasons ``pressure.risk_pressure`` states);
* its score history: inherent and residual scores after each change, from the one
  history replay (``desktop.services.history.record_steps``), values of moments
  when the risk was above the member's levels left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from db import scoring
from db.classification import highest
from db.queries import activity as q
from db.scoring import DEFAULT_BANDS, Bands
from desktop.services import actions, pressure
from desktop.services.activity import HistoryLine, lines_of, visible_now
from desktop.services.filters import RecordFilter
from desktop.services.history import EXISTS_FIELD, RecordStep, record_steps

SCORE_FIELDS = ("likelihood", "impact", "residual_likelihood", "residual_impact")
PRESSURE_DAYS = pressure.RECENT_DAYS * (pressure.BASELINE_WINDOWS + 1)


@dataclass(frozen=True)
class LinkedEvent:
    id: int
    ref: str
    occurred_on: dt.date
    title: str
    severity: int
    sentiment: int
    adverse: bool
    pressure: float  # what it adds to the risk's pressure today


@dataclass(frozen=True)
class TreatmentAction:
    id: int
    ref: str
    title: str
    status: str
    due: dt.date | None


@dataclass(frozen=True)
class ScorePoint:
    at: dt.datetime
    entry_id: int
    score: int
    residual: int | None  # None while no residual pair is recorded


@dataclass(frozen=True)
class RiskHub:
    events: list[LinkedEvent] = field(default_factory=list)
    actions: list[TreatmentAction] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    scores: list[ScorePoint] = field(default_factory=list)
    recent_pressure: float = 0.0
    baseline_pressure: float = 0.0
    review_due: dt.date | None = None
    events_shown_max: int = q.PAGE_SIZE


@dataclass(frozen=True)
class FormExtras:
    """What a record form shows besides its fields: its history, and for a risk its hub."""

    history: list[HistoryLine]
    hub: RiskHub | None = None


def event_pressure(
    occurred_on: dt.date, severity: int, reach: int | None, adverse: bool, today: dt.date
) -> float:
    age = (today - occurred_on).days
    if not adverse or age < 0 or age >= PRESSURE_DAYS:
        return 0.0
    return pressure.event_weight(severity, reach) * pressure.decay(age)


def linked_events(
    session: Session, *, risk_id: int, today: dt.date, levels: Sequence[str] | None
) -> list[LinkedEvent]:
    out = []
    for eid, ref, day, title, kind, severity, sentiment, reach in q.linked_events(
        session, risk_id=risk_id, levels=levels
    ):
        adverse = scoring.is_adverse(int(sentiment), str(kind))
        out.append(
            LinkedEvent(
                int(eid),
                str(ref),
                day,
                str(title),
                int(severity),
                int(sentiment),
                adverse,
                event_pressure(day, int(severity), reach, adverse, today),
            )
        )
    return out


def treatment_actions(
    session: Session, *, risk_id: int, today: dt.date, levels: Sequence[str] | None
) -> list[TreatmentAction]:
    """The risk's treatment actions within the ceiling: open ones first (soonest due
    first, as ``actions.open_actions`` orders them), then done and dropped ones."""
    items = actions.all_actions(session, today=today, levels=levels, risk_ids=[risk_id])
    items.sort(key=lambda item: item.status not in scoring.OPEN_ACTION_STATUSES)
    return [TreatmentAction(i.id, i.ref, i.title, i.status, i.due_on) for i in items]


def score_history(steps: Sequence[RecordStep], levels: Sequence[str] | None) -> list[ScorePoint]:
    """Inherent and residual score after each change that moved either (or made the risk),
    leaving out moments when the risk was above ``levels``."""
    out: list[ScorePoint] = []
    last: tuple[int, int | None] | None = None
    for step in steps:
        state = step.after
        if state is None:
            last = None
            continue
        if levels is not None and state.get(EXISTS_FIELD) not in levels:
            continue
        lk, im = state.get("likelihood"), state.get("impact")
        if lk is None or im is None:
            continue
        rl, ri = state.get("residual_likelihood"), state.get("residual_impact")
        score = scoring.score(int(lk), int(im))
        residual = scoring.score(int(rl), int(ri)) if rl is not None and ri is not None else None
        if (score, residual) == last:
            continue
        last = (score, residual)
        out.append(ScorePoint(step.at, step.entry_id, score, residual))
    return out


def risk_hub(
    session: Session,
    *,
    risk_id: int,
    ref: str,
    today: dt.date,
    levels: Sequence[str] | None,
    bands: Bands = DEFAULT_BANDS,
    steps: Sequence[RecordStep] | None = None,
) -> RiskHub:
    """Everything the risk form shows beside its fields (``steps``: the risk's replay,
    when the caller has it already)."""
    if steps is None:
        steps = record_steps(session, kind="risk", ref=ref, fields=SCORE_FIELDS)
    ceiling = highest(list(levels)) if levels else None
    flt = RecordFilter(ceiling=ceiling, include_closed=True)
    figures = pressure.risk_pressure(
        session, today=today, filters=flt, bands=bands, risk_ids=[risk_id]
    )
    mine = figures[0] if figures else None
    return RiskHub(
        events=linked_events(session, risk_id=risk_id, today=today, levels=levels),
        actions=treatment_actions(session, risk_id=risk_id, today=today, levels=levels),
        review_reasons=list(mine.reasons) if mine else [],
        scores=score_history(steps, levels),
        recent_pressure=mine.recent_pressure if mine else 0.0,
        baseline_pressure=mine.baseline_pressure if mine else 0.0,
        review_due=mine.review_due if mine else None,
    )


def form_extras(
    session: Session,
    *,
    kind: str,
    record_id: int,
    ref: str,
    today: dt.date,
    levels: Sequence[str] | None,
    bands: Bands = DEFAULT_BANDS,
) -> FormExtras:
    """A record form's History tab, and a risk's hub, from one replay of its entries."""
    fields = SCORE_FIELDS if kind == "risk" else ()
    steps = record_steps(session, kind=kind, ref=ref, fields=fields)
    history = lines_of(steps, levels) if visible_now(steps, levels) else []
    if kind != "risk":
        return FormExtras(history)
    hub = risk_hub(
        session, risk_id=record_id, ref=ref, today=today, levels=levels, bands=bands, steps=steps
    )
    return FormExtras(history, hub)
