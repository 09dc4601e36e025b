"""The scoring rules, in one place: score, band, the residual cell and "adverse".

Every surface (the screens, the command line, the briefing pack, the importer's
checks) asks this module; where a query needs a rule in SQL, its expression sits
beside the Python function and the tests prove the two agree at every level of the
1..5 scales and at each band boundary.

* **Score** = likelihood x impact (1 to 25).
* **Band** of a score: low up to ``bands.low_max``, medium up to ``medium_max``, high
  up to ``high_max`` (each bound included), critical above.  The bounds are the
  register's (:class:`Bands`), passed in by the caller.
* **Residual cell**: the residual likelihood and impact when *both* are recorded,
  else the inherent cell ("a risk without residual scores sits at its inherent cell").
  A half-recorded pair (which the models refuse, but an old audit entry could hold)
  counts as no residual scores.
* **Adverse event**: negative sentiment, or a criticism not logged with a positive
  sentiment.
* **Overdue action**: a treatment action still open (planned or in progress) whose
  due date is before today; due today is not overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_

SCALE: tuple[int, ...] = (1, 2, 3, 4, 5)
MAX_SCORE = 25
BAND_NAMES: tuple[str, ...] = ("low", "medium", "high", "critical")
# Event kinds that are adverse by nature unless logged with a positive sentiment.
ADVERSE_BY_KIND: tuple[str, ...] = ("criticism",)


@dataclass(frozen=True)
class Bands:
    """Upper bounds (inclusive) of the low, medium and high bands; critical is the rest.

    Defaults: low 1-4, medium 5-9, high 10-14, critical 15-25.
    """

    low_max: int = 4
    medium_max: int = 9
    high_max: int = 14

    def __post_init__(self) -> None:
        if not (1 <= self.low_max < self.medium_max < self.high_max < MAX_SCORE):
            raise ValueError("bands must satisfy 1 <= low < medium < high < 25")

    def band(self, score: int) -> str:
        """The band of ``score`` (the rule itself: each upper bound is in its band)."""
        if score <= self.low_max:
            return "low"
        if score <= self.medium_max:
            return "medium"
        if score <= self.high_max:
            return "high"
        return "critical"

    def to_text(self) -> str:
        return f"{self.low_max},{self.medium_max},{self.high_max}"

    @classmethod
    def from_text(cls, text: str) -> Bands:
        parts = [int(p) for p in text.split(",")]
        if len(parts) != 3:
            raise ValueError("bands are three numbers: low,medium,high upper bounds")
        return cls(*parts)

    def ranges(self) -> list[tuple[str, int, int]]:
        return [
            ("low", 1, self.low_max),
            ("medium", self.low_max + 1, self.medium_max),
            ("high", self.medium_max + 1, self.high_max),
            ("critical", self.high_max + 1, MAX_SCORE),
        ]


DEFAULT_BANDS = Bands()


# --------------------------------------------------------------------------- score and band


def score(likelihood: int, impact: int) -> int:
    """Likelihood x impact."""
    return likelihood * impact


def score_sql(likelihood: Any, impact: Any) -> Any:
    """``score`` as a SQL expression of two columns (or expressions)."""
    return likelihood * impact


def band(value: int, bands: Bands = DEFAULT_BANDS) -> str:
    """The band of a score under ``bands`` (the register's)."""
    return bands.band(value)


def band_for(likelihood: int, impact: int, bands: Bands = DEFAULT_BANDS) -> str:
    return bands.band(score(likelihood, impact))


def high_or_critical(by_band: dict[str, int]) -> int:
    """Risks in the high or critical band, from counts by band."""
    return by_band.get("high", 0) + by_band.get("critical", 0)


# --------------------------------------------------------------------------- residual cell


def has_residual(residual_likelihood: int | None, residual_impact: int | None) -> bool:
    return residual_likelihood is not None and residual_impact is not None


def residual_cell(
    likelihood: int, impact: int, residual_likelihood: int | None, residual_impact: int | None
) -> tuple[int, int]:
    """The residual (likelihood, impact): the recorded pair, else the inherent cell."""
    if residual_likelihood is not None and residual_impact is not None:
        return residual_likelihood, residual_impact
    return likelihood, impact


def residual_score(
    likelihood: int, impact: int, residual_likelihood: int | None, residual_impact: int | None
) -> int:
    return score(*residual_cell(likelihood, impact, residual_likelihood, residual_impact))


def cell(
    likelihood: int,
    impact: int,
    residual_likelihood: int | None,
    residual_impact: int | None,
    *,
    residual: bool,
) -> tuple[int, int]:
    """The cell of the inherent (``residual=False``) or the residual matrix."""
    if residual:
        return residual_cell(likelihood, impact, residual_likelihood, residual_impact)
    return likelihood, impact


def residual_cell_sql(
    likelihood: Any, impact: Any, residual_likelihood: Any, residual_impact: Any
) -> tuple[Any, Any]:
    """``residual_cell`` as two SQL expressions (likelihood, impact) of a risk's columns."""
    both = and_(residual_likelihood.is_not(None), residual_impact.is_not(None))
    return (
        case((both, residual_likelihood), else_=likelihood),
        case((both, residual_impact), else_=impact),
    )


def residual_score_sql(
    likelihood: Any, impact: Any, residual_likelihood: Any, residual_impact: Any
) -> Any:
    return score_sql(*residual_cell_sql(likelihood, impact, residual_likelihood, residual_impact))


def risk_cell_sql(table: Any, *, residual: bool) -> tuple[Any, Any]:
    """The inherent or residual cell of the risk table (or an alias of it) in SQL."""
    if residual:
        return residual_cell_sql(
            table.likelihood, table.impact, table.residual_likelihood, table.residual_impact
        )
    return table.likelihood, table.impact


# --------------------------------------------------------------------------- adverse events


def is_adverse(sentiment: int, kind: str) -> bool:
    """Negative sentiment, or a criticism not logged with a positive sentiment."""
    return sentiment < 0 or (str(kind) in ADVERSE_BY_KIND and sentiment <= 0)


def adverse_sql(sentiment: Any, kind: Any) -> ColumnElement[bool]:
    """``is_adverse`` as a SQL condition on an event's sentiment and kind columns."""
    return or_(sentiment < 0, and_(kind.in_(ADVERSE_BY_KIND), sentiment <= 0))


# --------------------------------------------------------------------------- treatment actions


# The statuses of an action still to be carried out (db.enums.ActionStatus planned and
# in_progress, written out: this module sits below db.enums): only these can be overdue.
OPEN_ACTION_STATUSES: frozenset[str] = frozenset({"planned", "in_progress"})


def action_is_open(status: str) -> bool:
    """Planned or in progress: still to be carried out (done and dropped are not)."""
    return str(status) in OPEN_ACTION_STATUSES


def action_days_overdue(status: str, due_on: dt.date | None, today: dt.date) -> int | None:
    """Days an open action is past its due date; None when it is not overdue.

    Overdue means due *before* today: an action due today is not overdue yet, one due
    yesterday is one day overdue.  Done and dropped actions are never overdue."""
    if due_on is None or not action_is_open(status) or due_on >= today:
        return None
    return (today - due_on).days


def action_overdue_sql(status: Any, due_on: Any, today: dt.date) -> ColumnElement[bool]:
    """``action_days_overdue(...) is not None`` as a SQL condition."""
    return and_(status.in_(sorted(OPEN_ACTION_STATUSES)), due_on.is_not(None), due_on < today)
