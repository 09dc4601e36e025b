"""Small helpers that write valid records through the repository (tests only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db import repository


def stakeholder(session: Any, name: str = "NATO", **kw: Any) -> Any:
    return repository.create(
        session, "stakeholder", {"name": name, "kind": "defence_body", **kw}, actor="tester"
    )


def partnership(session: Any, partner_id: int, name: str = "NATO talks", **kw: Any) -> Any:
    data = {"name": name, "partner_id": partner_id, "status": "exploring", **kw}
    return repository.create(session, "partnership", data, actor="tester")


def risk(session: Any, title: str = "Backlash from researchers", **kw: Any) -> Any:
    data = {"title": title, "likelihood": 3, "impact": 4, **kw}
    return repository.create(session, "risk", data, actor="tester")


def event(session: Any, title: str = "Researchers criticise the deal", **kw: Any) -> Any:
    data = {"title": title, "occurred_on": dt.date.today(), "kind": "criticism", **kw}
    return repository.create(session, "event", data, actor="tester")
