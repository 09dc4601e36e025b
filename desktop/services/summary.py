"""Key figures of a period, the previous period to compare with, the top risks,
notable events and a few plain sentences stating those facts (executive summary).

Figures about the state of the register (risks per band, partnerships per status)
are taken at the end of each period: now for a period that ends today or later,
rebuilt from the audit trail for one that ended earlier.  Counts of things that
happened (events, adverse events, new risks) are over the period's days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from db import scoring
from db.classification import portion_mark
from db.enums import PartnershipStatus, label
from db.queries import analysis as q
from db.scoring import BAND_NAMES, DEFAULT_BANDS, Bands
from desktop.services import history
from desktop.services.filters import NO_FILTER, RecordFilter
from desktop.services.matrix import risk_matrices
from desktop.services.periods import previous_period
from desktop.services.pressure import days_overdue
from desktop.services.timeline import EventItem, events_between
from desktop.services.wording import count_of, long_date

# An event of this severity or more is "notable" (the dashboard, the pack's summary).
NOTABLE_SEVERITY = 4


@dataclass(frozen=True)
class PeriodFigures:
    start: dt.date
    end: dt.date
    events: int
    adverse_events: int
    new_risks: int
    risks_by_band: dict[str, int] = field(
        default_factory=dict
    )  # inherent, open risks at period end
    residual_by_band: dict[str, int] = field(default_factory=dict)
    partnerships_by_status: dict[str, int] = field(default_factory=dict)  # at period end

    @property
    def inherent_high_or_critical(self) -> int:
        """Open risks in the high or critical band before mitigation at the end of the period."""
        return scoring.high_or_critical(self.risks_by_band)

    @property
    def residual_high_or_critical(self) -> int:
        """Open risks in the high or critical band after mitigation (residual) at the end of
        the period: the figure the dashboard, the pack and the sentences state."""
        return scoring.high_or_critical(self.residual_by_band)

    @classmethod
    def empty(cls, start: dt.date, end: dt.date) -> PeriodFigures:
        """No figures (a pack preview that runs no analysis)."""
        return cls(start=start, end=end, events=0, adverse_events=0, new_risks=0)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class RiskSummary:
    """A risk as a register row: inherent and residual scores, treatment, review."""

    id: int
    ref: str
    title: str
    classification: str
    category: str
    owner: str | None
    status: str
    likelihood: int
    impact: int
    score: int
    band: str
    residual_likelihood: int
    residual_impact: int
    residual_score: int
    residual_band: str
    treatment: str
    mitigation: str | None
    review_due: dt.date | None
    days_overdue: int | None  # None when not overdue


def _partnership_statuses(
    session: Session, *, end: dt.date, filters: RecordFilter
) -> dict[str, int]:
    criteria = filters.criteria()
    if history.is_current(end):
        counts = q.partnership_status_counts(session, criteria=criteria)
    else:
        (table,) = history.states_on(
            session, kind="partnership", days=[end], fields=["status"], levels=filters.levels
        )
        wanted: set[str] | None = None
        if criteria.partnership_ids:
            wanted = set(
                q.partnership_refs_for(session, ids=criteria.partnership_ids, levels=filters.levels)
            )
        counts = {}
        for ref, status in table.column("status").items():
            if ref in table and (wanted is None or ref in wanted) and status:
                counts[status] = counts.get(status, 0) + 1
    order = [s.value for s in PartnershipStatus]
    return {
        s: counts[s] for s in sorted(counts, key=lambda s: order.index(s) if s in order else 99)
    }


def period_figures(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> PeriodFigures:
    filters = filters or NO_FILTER
    criteria = filters.criteria()
    events, adverse = q.event_counts(session, criteria=criteria, start=start, end=end)
    new_risks = q.count_new_risks(
        session, criteria=criteria, start=history.start_of_day(start), end=history.end_of_day(end)
    )
    inherent, residual = risk_matrices(
        session,
        filters=filters,
        as_of=None if history.is_current(end) else end,
        bands=bands,
        with_points=False,
    )
    return PeriodFigures(
        start=start,
        end=end,
        events=events,
        adverse_events=adverse,
        new_risks=new_risks,
        risks_by_band={b: inherent.totals_by_band.get(b, 0) for b in BAND_NAMES},
        residual_by_band={b: residual.totals_by_band.get(b, 0) for b in BAND_NAMES},
        partnerships_by_status=_partnership_statuses(session, end=end, filters=filters),
    )


def compare_periods(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> tuple[PeriodFigures, PeriodFigures]:
    """(this period, the previous period of equal length just before it)."""
    p_start, p_end = previous_period(start, end)
    return (
        period_figures(session, start=start, end=end, filters=filters, bands=bands),
        period_figures(session, start=p_start, end=p_end, filters=filters, bands=bands),
    )


def _summary(row: Any, bands: Bands, today: dt.date) -> RiskSummary:
    rl, ri = scoring.residual_cell(
        row.likelihood, row.impact, row.residual_likelihood, row.residual_impact
    )
    inherent, residual = scoring.score(row.likelihood, row.impact), scoring.score(rl, ri)
    return RiskSummary(
        id=row.id,
        ref=row.ref,
        title=row.title,
        classification=row.classification,
        category=row.category,
        owner=row.owner,
        status=row.status,
        likelihood=row.likelihood,
        impact=row.impact,
        score=inherent,
        band=scoring.band(inherent, bands),
        residual_likelihood=rl,
        residual_impact=ri,
        residual_score=residual,
        residual_band=scoring.band(residual, bands),
        treatment=row.treatment,
        mitigation=row.mitigation,
        review_due=row.review_due,
        days_overdue=days_overdue(row.review_due, today),
    )


def risk_register(
    session: Session,
    *,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
    today: dt.date | None = None,
    limit: int | None = None,
) -> list[RiskSummary]:
    """Risks by residual score (highest first), then inherent score, then ref."""
    today = today or history.today_utc()
    rows = q.risk_rows(
        session, criteria=(filters or NO_FILTER).criteria(), by_residual_score=True, limit=limit
    )
    return [_summary(r, bands, today) for r in rows]


def top_residual_risks(
    session: Session,
    *,
    n: int = 5,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
    today: dt.date | None = None,
) -> list[RiskSummary]:
    return risk_register(session, filters=filters, bands=bands, today=today, limit=n)


def notable_events(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    min_severity: int = NOTABLE_SEVERITY,
    filters: RecordFilter | None = None,
    limit: int | None = None,
) -> list[EventItem]:
    """Events of the period with severity >= ``min_severity``, most severe first."""
    return events_between(
        session, start=start, end=end, filters=filters, min_severity=min_severity, limit=limit
    )


# --------------------------------------------------------------------------- sentences


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _versus(now: int, before: int) -> str:
    if now == before:
        return f"the same as in the previous period ({before:,})"
    word = "up" if now > before else "down"
    return f"{word} from {before:,} in the previous period"


@dataclass(frozen=True)
class TopRisk:
    """The highest residual risk, as the summary names it."""

    ref: str
    classification: str
    title: str
    residual_score: int
    residual_band: str


def register_order(residual_score: int, score: int, ref: str) -> tuple[int, int, str]:
    """Sort key of the risk register: highest residual score first, then inherent, then
    ref (``q.risk_rows(by_residual_score=True)`` is its twin in SQL)."""
    return (-residual_score, -score, ref)


def _marked(record: Any, mark: Callable[[str], str]) -> str:
    level = getattr(record, "classification", None) or getattr(record, "level", None)
    return f"{mark(str(level))} {record.ref}" if level else str(record.ref)


def summary_sentences(
    current: PeriodFigures,
    previous: PeriodFigures | None,
    flagged: Sequence[Any] | None = None,
    *,
    top: TopRisk | None = None,
    notable: int | None = None,
    mark: Callable[[str], str] = portion_mark,
) -> list[str]:
    """Plain sentences that state the figures; no judgement beyond the numbers.

    The one summary of a period: the pack's executive summary prints these.
    ``flagged``: the risks flagged "review suggested" (anything with a ``ref``);
    ``top``: the highest residual risk; ``notable``: the number of events of
    ``NOTABLE_SEVERITY`` or more in the period; ``mark``: the portion mark printed
    before a ref (flagged risks with a ``level`` or ``classification`` carry one).  High and critical risks are counted
    after mitigation (residual), as the dashboard and the pack's key figures count them.
    """
    out: list[str] = []
    period = f"between {long_date(current.start)} and {long_date(current.end)}"
    high = current.residual_high_or_critical
    high_text = f"{count_of(high, 'open risk is', 'open risks are')} in the high or critical band after mitigation"
    if previous is not None:
        out.append(
            f"{count_of(current.events, 'event was', 'events were')} logged {period}, "
            f"{_versus(current.events, previous.events)}."
        )
        out.append(
            f"{count_of(current.adverse_events, 'of them was', 'of them were')} adverse "
            f"(previous period: {previous.adverse_events:,})."
            if current.events
            else f"No adverse events (previous period: {previous.adverse_events:,})."
        )
        out.append(
            f"{count_of(current.new_risks, 'new risk was', 'new risks were')} opened "
            f"(previous period: {previous.new_risks:,})."
        )
        out.append(
            f"{high_text} at the end of the period, against "
            f"{previous.residual_high_or_critical:,} at the end of the previous one."
        )
    else:
        out.append(
            f"{count_of(current.events, 'event was', 'events were')} logged {period}, "
            f"{count_of(current.adverse_events, 'adverse one', 'adverse ones')} among them."
        )
        out.append(f"{count_of(current.new_risks, 'new risk was', 'new risks were')} opened.")
        out.append(f"{high_text}.")
    if top is not None:
        out.append(
            f"The highest residual risk is {mark(top.classification)} {top.ref} "
            f"\u201c{top.title}\u201d, scored {top.residual_score} ({top.residual_band})."
        )
    if notable:
        out.append(
            f"{count_of(notable, 'event')} of severity {NOTABLE_SEVERITY} or more occurred in the period."
        )
    if current.partnerships_by_status:
        parts = ", ".join(
            f"{n} {label(s).lower()}" for s, n in current.partnerships_by_status.items()
        )
        total = sum(current.partnerships_by_status.values())
        out.append(f"{count_of(total, 'partnership is', 'partnerships are')} tracked: {parts}.")
    if flagged:
        refs = ", ".join(_marked(p, mark) for p in flagged[:5])
        more = f" and {len(flagged) - 5} more" if len(flagged) > 5 else ""
        out.append(
            f"{count_of(len(flagged), 'risk is', 'risks are')} flagged for review: {refs}{more}."
        )
    elif flagged is not None:
        out.append("No risk is flagged for review.")
    return [_sentence(text) for text in out]
