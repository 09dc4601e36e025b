"""Queries about treatment actions: the open actions of risks and the overdue ones.

Keyword-only, session first; the classification ceiling (``levels``) is applied in
the query, so an action above it never leaves the database.  Each action comes with
the ids and refs of the risks it names (one row per action and risk).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlmodel import Session

from db import scoring
from db.queries.tables import Action, ActionRiskLink, Risk
from db.scoring import OPEN_ACTION_STATUSES

ACTION_COLUMNS = (
    Action.id,
    Action.ref,
    Action.title,
    Action.owner,
    Action.due_on,
    Action.status,
    Action.expected_likelihood,
    Action.expected_impact,
    Action.classification,
)


def action_risk_rows(
    session: Session,
    *,
    levels: Sequence[str] | None,
    open_only: bool = False,
    overdue_on: dt.date | None = None,
    risk_ids: Iterable[int] | None = None,
) -> list[Row[Any]]:
    """(action columns..., risk_id, risk_ref) per action and linked risk, by due date then
    ref (no due date last).  ``open_only``: planned or in progress; ``overdue_on``: only
    actions overdue on that day.  A risk above the ceiling is not named either."""
    stmt = (
        select(*ACTION_COLUMNS, Risk.id.label("risk_id"), Risk.ref.label("risk_ref"))
        .join(ActionRiskLink, ActionRiskLink.action_id == Action.id)
        .join(Risk, Risk.id == ActionRiskLink.risk_id)
    )
    if levels is not None:
        stmt = stmt.where(Action.classification.in_(list(levels)))
        stmt = stmt.where(Risk.classification.in_(list(levels)))
    if open_only:
        stmt = stmt.where(Action.status.in_(sorted(OPEN_ACTION_STATUSES)))
    if overdue_on is not None:
        stmt = stmt.where(scoring.action_overdue_sql(Action.status, Action.due_on, overdue_on))
    if risk_ids is not None:
        stmt = stmt.where(Risk.id.in_(list(risk_ids)))
    stmt = stmt.order_by(Action.due_on.is_(None), Action.due_on, Action.ref, Risk.ref)
    return list(session.execute(stmt).all())
