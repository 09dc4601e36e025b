"""Treatment actions as the screens and the pack read them: open actions per risk and
the overdue ones, with the overdue rule of ``db.scoring`` (due before today, still
planned or in progress).  Qt-free; the dashboard, "review suggested" (``pressure``)
and the pack's register section all ask here, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from db import scoring
from db.enums import label
from db.queries import actions as q


@dataclass(frozen=True)
class ActionItem:
    id: int
    ref: str
    title: str
    owner: str | None
    due_on: dt.date | None
    status: str
    expected_likelihood: int | None
    expected_impact: int | None
    classification: str
    risk_ids: tuple[int, ...]
    risk_refs: tuple[str, ...]
    days_overdue: int | None  # None: not overdue

    @property
    def overdue(self) -> bool:
        return self.days_overdue is not None

    @property
    def status_label(self) -> str:
        return label(self.status)

    @property
    def expected_cell(self) -> str:
        """``"2×3"``, ``"2×–"`` or ``""``: the residual cell the action aims for."""
        if self.expected_likelihood is None and self.expected_impact is None:
            return ""
        return f"{self.expected_likelihood or '–'}×{self.expected_impact or '–'}"


def _items(rows: Iterable[Any], today: dt.date) -> list[ActionItem]:
    """One item per action (rows come one per action and risk), in the rows' order."""
    order: list[int] = []
    first: dict[int, Any] = {}
    risks: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        if row.id not in first:
            order.append(row.id)
            first[row.id] = row
        risks.setdefault(row.id, []).append((row.risk_id, row.risk_ref))
    out = []
    for action_id in order:
        r = first[action_id]
        linked = sorted(set(risks[action_id]), key=lambda x: x[1])
        out.append(
            ActionItem(
                id=int(r.id),
                ref=r.ref,
                title=r.title,
                owner=r.owner,
                due_on=r.due_on,
                status=str(r.status),
                expected_likelihood=r.expected_likelihood,
                expected_impact=r.expected_impact,
                classification=str(r.classification),
                risk_ids=tuple(i for i, _ in linked),
                risk_refs=tuple(ref for _, ref in linked),
                days_overdue=scoring.action_days_overdue(r.status, r.due_on, today),
            )
        )
    return out


def open_actions(
    session: Session,
    *,
    today: dt.date,
    levels: Sequence[str] | None = None,
    risk_ids: Iterable[int] | None = None,
) -> list[ActionItem]:
    """Planned and in-progress actions within the ceiling, soonest due first."""
    rows = q.action_risk_rows(session, levels=levels, open_only=True, risk_ids=risk_ids)
    return _items(rows, today)


def all_actions(
    session: Session,
    *,
    today: dt.date,
    levels: Sequence[str] | None = None,
    risk_ids: Iterable[int] | None = None,
) -> list[ActionItem]:
    """Every action within the ceiling, whatever its status, soonest due first."""
    rows = q.action_risk_rows(session, levels=levels, risk_ids=risk_ids)
    return _items(rows, today)


def overdue_actions(
    session: Session, *, today: dt.date, levels: Sequence[str] | None = None
) -> list[ActionItem]:
    """Open actions due before ``today`` within the ceiling, longest overdue first."""
    rows = q.action_risk_rows(session, levels=levels, overdue_on=today)
    return _items(rows, today)


def open_actions_by_risk(
    session: Session,
    *,
    today: dt.date,
    levels: Sequence[str] | None = None,
    risk_ids: Iterable[int] | None = None,
) -> dict[int, list[ActionItem]]:
    """Risk id -> its open actions (soonest due first); risks without any are absent."""
    out: dict[int, list[ActionItem]] = {}
    for item in open_actions(session, today=today, levels=levels, risk_ids=risk_ids):
        for risk_id in item.risk_ids:
            out.setdefault(risk_id, []).append(item)
    return out


def overdue_reason(item: ActionItem) -> str:
    """The "review suggested" reason an overdue action gives its risk, in words."""
    assert item.due_on is not None and item.days_overdue is not None
    days = f"{item.days_overdue} day{'s' if item.days_overdue != 1 else ''}"
    return f"action {item.ref} was due on {item.due_on.isoformat()} ({days} overdue)"
