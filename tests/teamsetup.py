"""A PostgreSQL register with a team of three, for the team tests (issue 15).

``make_team`` copies the template register into a new database, fills it as the
owner with records at every level (SECRET ones among them, linked to visible ones),
and adds three members through ``db.team``:

* ``reader``  - role reader,  cleared up to RESTRICTED;
* ``editor``  - role editor,  cleared up to CONFIDENTIAL;
* ``officer`` - role officer, cleared up to SECRET.

Login roles are the server's, not the database's, so each team's names carry a
suffix of their own; ``Team.drop`` removes the roles and the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from db import repository, team
from db.engine import Register, open_register
from db.models import BriefingRecord
from tests.pgserver import PgServer

_TEAMS = itertools.count(1)
LEVELS = ("PUBLIC", "UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET")
SECRET_TITLE = "Secret launch timetable"  # a word that must never reach a RESTRICTED member


@dataclass
class Team:
    server: PgServer
    database: str
    names: dict[str, str]  # "reader" -> its login role
    refs: dict[str, list[str]] = field(default_factory=dict)  # level -> refs at that level

    def url(self, who: str = "owner") -> str:
        if who == "owner":
            return self.server.url(self.database)
        return (
            f"postgresql+psycopg://{self.names[who]}@127.0.0.1:{self.server.port}/{self.database}"
        )

    def open(self, who: str = "owner") -> Register:
        return open_register(self.url(who), create=False)

    def owner_count(self, sql: str, **params: Any) -> int:
        """A count (or another whole number) read with the owner's connection."""
        reg = self.open()
        try:
            with reg.session() as session:
                return int(session.execute(text(sql), params).scalar_one())
        finally:
            reg.dispose()

    def drop(self) -> None:
        self.server.drop_database(self.database)
        with self.server.admin() as conn:
            for name in self.names.values():
                conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def _fill(reg: Register, refs: dict[str, list[str]]) -> None:
    today = dt.date.today()
    with reg.write() as s:
        by_level: dict[str, dict[str, Any]] = {}
        for n, level in enumerate(LEVELS):
            title = SECRET_TITLE if level == "SECRET" else f"{level.title()} matter"
            sh = repository.create(
                s,
                "stakeholder",
                {"name": f"{level} body", "kind": "civil_society", "classification": level},
                actor="owner",
            )
            pa = repository.create(
                s,
                "partnership",
                {"name": f"{level} talks", "partner_id": sh.id, "classification": level},
                actor="owner",
            )
            ri = repository.create(
                s,
                "risk",
                {
                    "title": f"{title} risk",
                    "likelihood": 1 + n,
                    "impact": 5 - n,
                    "classification": level,
                    "partnership_ids": [pa.id],
                },
                actor="owner",
            )
            ev = repository.create(
                s,
                "event",
                {
                    "title": f"{title} event",
                    "occurred_on": today - dt.timedelta(days=n),
                    "kind": "criticism",
                    "classification": level,
                    "stakeholder_id": sh.id,
                    "risk_ids": [ri.id],
                },
                actor="owner",
            )
            ac = repository.create(
                s,
                "action",
                {"title": f"{title} action", "classification": level, "risk_ids": [ri.id]},
                actor="owner",
            )
            by_level[level] = {"sh": sh, "pa": pa, "ri": ri, "ev": ev, "ac": ac}
            refs[level] = [sh.ref, pa.ref, ri.ref, ev.ref, ac.ref]
        # Visible records tied to SECRET ones: links that must stay hidden.
        low, top = by_level["PUBLIC"], by_level["SECRET"]
        repository.update(
            s,
            "risk",
            low["ri"].id,
            {"stakeholder_ids": [top["sh"].id], "partnership_ids": [low["pa"].id, top["pa"].id]},
            actor="owner",
        )
        repository.update(
            s, "event", top["ev"].id, {"risk_ids": [top["ri"].id, low["ri"].id]}, actor="owner"
        )
        repository.update(
            s, "action", low["ac"].id, {"risk_ids": [low["ri"].id, top["ri"].id]}, actor="owner"
        )
        # A visible event about a SECRET stakeholder, answering a SECRET event.
        hidden_about = repository.create(
            s,
            "event",
            {
                "title": "Restricted note on a hidden body",
                "occurred_on": today,
                "classification": "RESTRICTED",
                "stakeholder_id": top["sh"].id,
                "responds_to_id": top["ev"].id,
            },
            actor="owner",
        )
        refs["HIDDEN_TARGETS"] = [hidden_about.ref]
        # A record that was RESTRICTED and is SECRET now: its old entries go up with it.
        raised = repository.create(
            s,
            "risk",
            {"title": "Raised later risk", "classification": "RESTRICTED"},
            actor="owner",
        )
        repository.update(s, "risk", raised.id, {"classification": "SECRET"}, actor="owner")
        refs["SECRET"].append(raised.ref)
        # A deleted SECRET record: its entries stay SECRET.
        gone = repository.create(
            s,
            "event",
            {"title": "Secret gone event", "occurred_on": today, "classification": "SECRET"},
            actor="owner",
        )
        repository.delete(s, "event", gone.id, actor="owner")
        refs["SECRET_DELETED"] = [gone.ref]
        s.add(
            BriefingRecord(
                title="Secret pack",
                ceiling="SECRET",
                banner_level="SECRET",
                sha256="0" * 64,
                file_name="secret.pdf",
            )
        )


def make_team(server: PgServer) -> Team:
    database = server.create_database(template=server.ensure_template(), prefix="team")
    suffix = f"{os.getpid()}_{next(_TEAMS)}"
    names = {who: f"{who}_{suffix}" for who in ("reader", "editor", "officer")}
    crew = Team(server, database, names)
    reg = crew.open()
    try:
        _fill(reg, crew.refs)
        with reg.write() as s:
            team.add_member(s, names["officer"], "officer", "SECRET", password="officer pw")
            team.add_member(s, names["editor"], "editor", "CONFIDENTIAL")
            team.add_member(s, names["reader"], "reader", "RESTRICTED")
    except BaseException:
        reg.dispose()
        crew.drop()
        raise
    reg.dispose()
    return crew


@contextmanager
def team_with(server: PgServer, fill: Callable[[Any, Team], None]) -> Iterator[Team]:
    """``make_team``, then ``fill(session, team)`` in one write as the owner; the team
    is dropped when the block ends."""
    made = make_team(server)
    try:
        reg = made.open()
        try:
            with reg.write() as s:
                fill(s, made)
        finally:
            reg.dispose()
        yield made
    finally:
        made.drop()


def commented_risk(
    session: Any,
    title: str,
    words: str,
    *,
    level: str = "RESTRICTED",
    said_level: str | None = None,
    said_on: dt.date | None = None,
    actor: str = "owner",
) -> Any:
    """A risk at ``level`` with an owner's commentary (``said_level``: the commentary's
    own classification, None for the risk's)."""
    return repository.create(
        session,
        "risk",
        {
            "title": title,
            "classification": level,
            "commentary": words,
            "commentary_on": said_on,
            "commentary_classification": said_level,
        },
        actor=actor,
    )
