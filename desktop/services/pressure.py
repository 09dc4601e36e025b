"""Pressure on each risk from its adverse events, and the "review suggested" flag.

The model (the README quotes this):

* **Adverse event**: an event linked to the risk whose sentiment is negative, or a
  criticism not logged with a positive sentiment.  Events above the classification
  ceiling are not counted.
* **Weight** of an event: ``severity x (1 + log10(1 + reach))``.  An event with no
  reach recorded counts its severity alone; a reach of 9 doubles it, 999 quadruples
  it, a million multiplies it by 7: reach matters, but never swamps severity.
* **Recency**: a weight halves every ``HALF_LIFE_DAYS`` (14) days:
  ``weight x 0.5 ** (age_days / 14)``, where an event today has age 0.
* **Recent pressure** on a given day: the decayed weights of the adverse events of
  the last ``RECENT_DAYS`` (14) days, that day included.
* **Baseline**: the same measure taken at the end of each of the
  ``BASELINE_WINDOWS`` (6) fortnights before those 14 days (12 weeks), averaged.
  It is the risk's own usual level, so a risk that is always criticised is not
  flagged for being criticised again.
* **Review suggested** when either
  - the recent pressure is at least ``MIN_PRESSURE`` (5.0) and at least
    ``RATIO_THRESHOLD`` (2) times the baseline, or there was no baseline at all
    (new pressure); or
  - ``review_due`` is before today; or
  - one of its treatment actions is overdue (still planned or in progress, due
    before today: ``db.scoring.action_days_overdue``).
  Each reason is stated in words, with its numbers.
* **Urgency** (the order of flagged risks): recent pressure divided by
  ``MIN_PRESSURE`` when pressure is a reason, plus one for each fortnight of overdue
  review when that is a reason, plus the same for its longest-overdue action; ties go
  to the higher residual score, then the ref.

Closed risks are left out unless the filter includes them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from db import scoring
from db.queries import analysis as q
from db.scoring import DEFAULT_BANDS, Bands
from desktop.services import actions as action_service
from desktop.services.filters import NO_FILTER, RecordFilter

HALF_LIFE_DAYS = 14.0
RECENT_DAYS = 14
BASELINE_WINDOWS = 6
RATIO_THRESHOLD = 2.0
MIN_PRESSURE = 5.0
BASELINE_WEEKS = BASELINE_WINDOWS * RECENT_DAYS // 7


def reach_factor(reach: int | None) -> float:
    """``1 + log10(1 + reach)``; 1 when the reach is unknown."""
    return 1.0 + math.log10(1 + max(reach or 0, 0))


def event_weight(severity: int, reach: int | None) -> float:
    return float(severity) * reach_factor(reach)


def decay(age_days: int) -> float:
    return 0.5 ** (age_days / HALF_LIFE_DAYS)


def window_pressure(events: list[tuple[dt.date, float]], end: dt.date) -> tuple[float, int]:
    """(decayed pressure, number of events) of the ``RECENT_DAYS`` ending on ``end``."""
    total, n = 0.0, 0
    for day, weight in events:
        age = (end - day).days
        if 0 <= age < RECENT_DAYS:
            total += weight * decay(age)
            n += 1
    return total, n


@dataclass(frozen=True)
class RiskPressure:
    risk_id: int
    ref: str
    title: str
    classification: str
    owner: str | None
    category: str
    status: str
    score: int
    band: str
    residual_score: int
    residual_band: str
    review_due: dt.date | None
    recent_pressure: float
    baseline_pressure: float
    ratio: float | None  # recent / baseline; None without a baseline
    recent_events: int
    baseline_events: int
    days_overdue: int | None
    pressure_flag: bool
    overdue_flag: bool
    urgency: float
    reasons: list[str] = field(default_factory=list)
    overdue_actions: tuple[str, ...] = ()  # refs of its overdue treatment actions

    @property
    def action_flag(self) -> bool:
        return bool(self.overdue_actions)

    @property
    def review_suggested(self) -> bool:
        return self.pressure_flag or self.overdue_flag or self.action_flag


def days_overdue(review_due: dt.date | None, today: dt.date) -> int | None:
    """Days since a review date that has passed (None when it has not, or there is none)."""
    return (today - review_due).days if review_due is not None and review_due < today else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _reasons(
    *,
    recent: float,
    baseline: float,
    recent_events: int,
    pressure_flag: bool,
    review_due: dt.date | None,
    days_overdue: int | None,
) -> list[str]:
    out: list[str] = []
    if pressure_flag:
        events = f"{_plural(recent_events, 'adverse event')} in the last {RECENT_DAYS} days"
        if baseline > 0:
            out.append(
                f"{events} (pressure {recent:.1f}, {recent / baseline:.1f}x its "
                f"{BASELINE_WEEKS}-week baseline of {baseline:.1f})"
            )
        else:
            out.append(
                f"{events} (pressure {recent:.1f}) after none in the {BASELINE_WEEKS} weeks before"
            )
    if days_overdue is not None and review_due is not None:
        out.append(
            f"review was due on {review_due.isoformat()} ({_plural(days_overdue, 'day')} overdue)"
        )
    return out


def risk_pressure(
    session: Session,
    *,
    today: dt.date,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
    risk_ids: Sequence[int] | None = None,
) -> list[RiskPressure]:
    """Pressure figures and flags of every risk matching ``filters`` (and among
    ``risk_ids`` when given: one risk's form asks for its own), by ref."""
    filters = filters or NO_FILTER
    rows = q.risk_rows(session, criteria=filters.criteria(), ids=risk_ids)
    first_day = today - dt.timedelta(days=RECENT_DAYS * (BASELINE_WINDOWS + 1) - 1)
    by_risk: dict[int, list[tuple[dt.date, float]]] = {}
    for risk_id, _event_id, day, severity, reach in q.adverse_event_links(
        session,
        risk_ids=None if risk_ids is None else list(risk_ids),
        start=first_day,
        end=today,
        levels=filters.levels,
    ):
        by_risk.setdefault(risk_id, []).append((day, event_weight(severity, reach)))
    late: dict[int, list[action_service.ActionItem]] = {}
    for item in action_service.overdue_actions(session, today=today, levels=filters.levels):
        for linked in item.risk_ids:
            late.setdefault(linked, []).append(item)
    out: list[RiskPressure] = []
    for r in rows:
        events = by_risk.get(r.id, [])
        recent, recent_n = window_pressure(events, today)
        windows = [
            window_pressure(events, today - dt.timedelta(days=RECENT_DAYS * k))
            for k in range(1, BASELINE_WINDOWS + 1)
        ]
        baseline = sum(p for p, _ in windows) / BASELINE_WINDOWS
        baseline_n = sum(n for _, n in windows)
        pressure_flag = recent >= MIN_PRESSURE and (
            baseline <= 0 or recent >= RATIO_THRESHOLD * baseline
        )
        overdue = days_overdue(r.review_due, today)
        urgency = 0.0
        if pressure_flag:
            urgency += recent / MIN_PRESSURE
        if overdue is not None:
            urgency += overdue / RECENT_DAYS
        risk_late = late.get(r.id, [])
        if risk_late:
            urgency += max(a.days_overdue or 0 for a in risk_late) / RECENT_DAYS
        score = scoring.score(r.likelihood, r.impact)
        rs = scoring.residual_score(
            r.likelihood, r.impact, r.residual_likelihood, r.residual_impact
        )
        out.append(
            RiskPressure(
                risk_id=r.id,
                ref=r.ref,
                title=r.title,
                classification=r.classification,
                owner=r.owner,
                category=r.category,
                status=r.status,
                score=score,
                band=scoring.band(score, bands),
                residual_score=rs,
                residual_band=scoring.band(rs, bands),
                review_due=r.review_due,
                recent_pressure=recent,
                baseline_pressure=baseline,
                ratio=(recent / baseline) if baseline > 0 else None,
                recent_events=recent_n,
                baseline_events=baseline_n,
                days_overdue=overdue,
                pressure_flag=pressure_flag,
                overdue_flag=overdue is not None,
                urgency=urgency,
                reasons=_reasons(
                    recent=recent,
                    baseline=baseline,
                    recent_events=recent_n,
                    pressure_flag=pressure_flag,
                    review_due=r.review_due,
                    days_overdue=overdue,
                )
                + [action_service.overdue_reason(a) for a in risk_late],
                overdue_actions=tuple(a.ref for a in risk_late),
            )
        )
    return out


def review_suggested(
    session: Session,
    *,
    today: dt.date,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> list[RiskPressure]:
    """Only the flagged risks, most urgent first."""
    flagged = [
        p
        for p in risk_pressure(session, today=today, filters=filters, bands=bands)
        if p.review_suggested
    ]
    flagged.sort(key=lambda p: (-p.urgency, -p.residual_score, p.ref))
    return flagged
