"""What the figures mean: the drivers of adverse events and the outlook, in sentences.

The one interpretation of a period, shared by the dashboard and the briefing pack's
summary (``summary_sentences`` states the figures; this says what produced them and
what is coming).  Every rule is the services' own:

* **Drivers**: the adverse events of the period (``db.scoring.is_adverse``, as
  ``PeriodFigures.adverse_events`` counts them) by stakeholder, by channel and by
  the risks they are linked to, the largest first (ties by ref or name), each with
  its count in the previous period of equal length (``periods.previous_period``).
  A stakeholder or risk above the ceiling is not named (the event counts as having
  no stakeholder named; the link to the risk does not exist).
* **Rising pressure**: an open risk whose recent pressure (``pressure.risk_pressure``
  on the last day of the period) is at least ``MIN_PRESSURE`` and above its own
  baseline.
* **Reviews falling due**: open risks whose review date falls in the
  ``REVIEW_HORIZON_DAYS`` days after the period's last day (overdue ones are
  "review suggested" already).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from db.classification import portion_mark
from db.enums import RiskStatus, label
from db.queries import analysis as q
from db.scoring import DEFAULT_BANDS, Bands
from desktop.services.filters import NO_FILTER, RecordFilter
from desktop.services.periods import previous_period
from desktop.services.pressure import MIN_PRESSURE, RECENT_DAYS, risk_pressure
from desktop.services.timeline import events_between
from desktop.services.wording import count_of, long_date

TOP_DRIVERS = 3
REVIEW_HORIZON_DAYS = 30
MAX_NAMED = 5


@dataclass(frozen=True)
class Driver:
    """One source of adverse events: a stakeholder, a channel or a risk."""

    key: str  # the ref, or the channel's value
    name: str  # the stakeholder's name, the risk's title, the channel's label
    classification: str | None  # None for a channel
    count: int
    previous: int


@dataclass(frozen=True)
class Watch:
    """A risk the outlook names."""

    ref: str
    title: str
    classification: str
    review_due: dt.date | None = None
    recent_pressure: float = 0.0
    baseline_pressure: float = 0.0


@dataclass(frozen=True)
class Interpretation:
    start: dt.date
    end: dt.date
    adverse: int
    previous_adverse: int
    stakeholders: list[Driver] = field(default_factory=list)
    unnamed: int = 0  # adverse events of the period with no stakeholder named
    channels: list[Driver] = field(default_factory=list)
    risks: list[Driver] = field(default_factory=list)
    rising: list[Watch] = field(default_factory=list)
    falling_due: list[Watch] = field(default_factory=list)


def _ranked(now: Counter[str], before: Counter[str], n: int) -> list[tuple[str, int, int]]:
    keys = sorted(now, key=lambda k: (-now[k], k))[:n]
    return [(k, now[k], before.get(k, 0)) for k in keys]


def interpret(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> Interpretation:
    """The drivers of the period's adverse events and the outlook from its last day."""
    filters = filters or NO_FILTER
    p_start, p_end = previous_period(start, end)
    now_events = [
        e for e in events_between(session, start=start, end=end, filters=filters) if e.adverse
    ]
    old_events = [
        e for e in events_between(session, start=p_start, end=p_end, filters=filters) if e.adverse
    ]

    # A stakeholder is named only when within the ceiling (``event_rows``' rule); its mark
    # is its own level.
    who = {
        r.ref: (r.name, r.classification)
        for r in q.stakeholder_rows(
            session, criteria=RecordFilter(ceiling=filters.ceiling).criteria()
        )
    }
    by_who = Counter(e.stakeholder_ref for e in now_events if e.stakeholder_ref)
    by_who_before = Counter(e.stakeholder_ref for e in old_events if e.stakeholder_ref)
    stakeholders = [
        Driver(ref, *who[ref], n, before)
        for ref, n, before in _ranked(by_who, by_who_before, TOP_DRIVERS)
    ]
    by_channel = Counter(e.channel for e in now_events)
    by_channel_before = Counter(e.channel for e in old_events)
    channels = [
        Driver(ch, label(ch).lower(), None, n, before)
        for ch, n, before in _ranked(by_channel, by_channel_before, TOP_DRIVERS)
    ]

    risk_rows = q.risk_rows(session, criteria=filters.criteria())
    visible = {r.id: r for r in risk_rows}
    now_ids = {e.id for e in now_events}
    old_ids = {e.id for e in old_events}
    by_risk: Counter[str] = Counter()
    by_risk_before: Counter[str] = Counter()
    for risk_id, event_id, *_rest in q.adverse_event_links(
        session, risk_ids=list(visible), start=p_start, end=end, levels=filters.levels
    ):
        ref = visible[risk_id].ref
        if event_id in now_ids:
            by_risk[ref] += 1
        elif event_id in old_ids:
            by_risk_before[ref] += 1
    by_ref = {r.ref: r for r in risk_rows}
    risks = [
        Driver(ref, by_ref[ref].title, by_ref[ref].classification, n, before)
        for ref, n, before in _ranked(by_risk, by_risk_before, TOP_DRIVERS)
    ]

    closed = RiskStatus.closed.value
    pressures = risk_pressure(session, today=end, filters=filters, bands=bands)
    rising = [
        Watch(
            p.ref, p.title, p.classification, p.review_due, p.recent_pressure, p.baseline_pressure
        )
        for p in sorted(pressures, key=lambda p: (-p.recent_pressure, p.ref))
        if p.status != closed
        and p.recent_pressure >= MIN_PRESSURE
        and p.recent_pressure > p.baseline_pressure
    ]
    horizon = end + dt.timedelta(days=REVIEW_HORIZON_DAYS)
    falling_due = [
        Watch(r.ref, r.title, r.classification, r.review_due)
        for r in sorted(
            (r for r in risk_rows if r.status != closed and r.review_due is not None),
            key=lambda r: (r.review_due, r.ref),
        )
        if end < r.review_due <= horizon
    ]
    return Interpretation(
        start=start,
        end=end,
        adverse=len(now_events),
        previous_adverse=len(old_events),
        stakeholders=stakeholders,
        unnamed=sum(1 for e in now_events if not e.stakeholder_ref),
        channels=channels,
        risks=risks,
        rising=rising,
        falling_due=falling_due,
    )


# --------------------------------------------------------------------------- sentences


def _refs(items: list[Watch], mark: Callable[[str], str], *, dated: bool = False) -> str:
    parts = [
        f"{mark(w.classification)} {w.ref}"
        + (f" on {long_date(w.review_due)}" if dated and w.review_due else "")
        for w in items[:MAX_NAMED]
    ]
    more = f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else ""
    return ", ".join(parts) + more


def driver_sentences(i: Interpretation, mark: Callable[[str], str] = portion_mark) -> list[str]:
    """What produced the period's adverse events, against the previous period."""
    if not i.adverse:
        return [
            "No adverse event was logged in the period"
            + (f" (previous period: {i.previous_adverse:,})." if i.previous_adverse else ".")
        ]
    out: list[str] = []
    if i.stakeholders:
        named = "; ".join(
            f"{mark(d.classification or '')} {d.key} {d.name} ({d.count:,}, previous period {d.previous:,})"
            for d in i.stakeholders
        )
        lead = "came from" if len(i.stakeholders) == 1 else "came mostly from"
        out.append(
            f"The {count_of(i.adverse, 'adverse event')} of the period (previous period: "
            f"{i.previous_adverse:,}) {lead} {named}."
        )
        if i.unnamed:
            out.append(
                f"{count_of(i.unnamed, 'adverse event has', 'adverse events have')} no stakeholder named."
            )
    else:
        out.append(f"None of the {count_of(i.adverse, 'adverse event')} names a stakeholder.")
    if i.channels:
        out.append(
            "By channel: "
            + "; ".join(
                f"{d.name} {d.count:,} (previous period {d.previous:,})" for d in i.channels
            )
            + "."
        )
    if i.risks:
        out.append(
            "The risks they bear on most: "
            + "; ".join(
                f"{mark(d.classification or '')} {d.key} \u201c{d.name}\u201d "
                f"({count_of(d.count, 'adverse event')}, previous period {d.previous:,})"
                for d in i.risks
            )
            + "."
        )
    else:
        out.append("None of them is linked to a risk.")
    return out


def outlook_sentences(i: Interpretation, mark: Callable[[str], str] = portion_mark) -> list[str]:
    """Risks whose pressure is rising and reviews falling due soon."""
    out: list[str] = []
    if i.rising:
        out.append(
            f"Pressure is rising on {count_of(len(i.rising), 'risk')}: {_refs(i.rising, mark)} "
            f"(adverse events of the last {RECENT_DAYS} days above the risk's usual level)."
        )
    else:
        out.append("No risk is under rising pressure.")
    if i.falling_due:
        out.append(
            f"{count_of(len(i.falling_due), 'review falls', 'reviews fall')} due in the next "
            f"{REVIEW_HORIZON_DAYS} days: {_refs(i.falling_due, mark, dated=True)}."
        )
    else:
        out.append(f"No review falls due in the next {REVIEW_HORIZON_DAYS} days.")
    return out


def interpretation_sentences(
    i: Interpretation, mark: Callable[[str], str] = portion_mark
) -> list[str]:
    """The drivers, then the outlook: what the dashboard shows and the pack prints."""
    return driver_sentences(i, mark) + outlook_sentences(i, mark)
