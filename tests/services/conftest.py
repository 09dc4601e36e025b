"""Helpers for the analysis tests: a clock for audit times, and small record builders.

Records are written through ``db.repository`` (validation and audit entries
included) into the real SQLite file of the ``register`` fixture.  ``clock`` fixes
the time that the repository and the audit trail stamp, so a history can be laid
out over days and replayed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import db.audit
import db.repository
from db import repository as repo
from db.models import EventCreate, PartnershipCreate, RiskCreate, StakeholderCreate

ACTOR = "tester"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)

    def set(self, day: dt.date, hour: int = 9, minute: int = 0) -> None:
        self.now = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(db.audit, "utcnow", c)
    monkeypatch.setattr(db.repository, "utcnow", c)
    return c


def stakeholder(s: Any, name: str, **kw: Any) -> Any:
    return repo.create(s, "stakeholder", StakeholderCreate(name=name, **kw), actor=ACTOR)


def partnership(s: Any, name: str, partner_id: int, **kw: Any) -> Any:
    return repo.create(
        s, "partnership", PartnershipCreate(name=name, partner_id=partner_id, **kw), actor=ACTOR
    )


def risk(s: Any, title: str, likelihood: int, impact: int, **kw: Any) -> Any:
    return repo.create(
        s, "risk", RiskCreate(title=title, likelihood=likelihood, impact=impact, **kw), actor=ACTOR
    )


def event(s: Any, title: str, occurred_on: dt.date, **kw: Any) -> Any:
    return repo.create(
        s, "event", EventCreate(title=title, occurred_on=occurred_on, **kw), actor=ACTOR
    )


def update(s: Any, kind: str, record_id: int, **values: Any) -> Any:
    model = repo.spec(kind).update
    return repo.update(s, kind, record_id, model(**values), actor=ACTOR)


def delete(s: Any, kind: str, record_id: int) -> dict[str, Any]:
    return repo.delete(s, kind, record_id, actor=ACTOR)


def restore(s: Any, kind: str, snap: dict[str, Any]) -> Any:
    return repo.restore(s, kind, snap, actor=ACTOR)
