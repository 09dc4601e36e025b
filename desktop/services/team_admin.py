"""The team of the open register as the Users page manages it (Qt-free).

Each action is one short write transaction through ``db.team``; the database decides
whether the user may do it (officers and the owner) and says why not, which arrives
here as a ``RegisterError`` with one sentence.
"""

from __future__ import annotations

from db import team
from db.engine import Register


class TeamAdmin:
    """List, add, change and remove the members of ``register``'s team."""

    def __init__(self, register: Register):
        self.register = register

    def members(self) -> list[team.Member]:
        with self.register.session() as session:
            return team.members(session)

    def add(self, name: str, role: str, clearance: str, password: str | None) -> team.Member:
        with self.register.write() as session:
            return team.add_member(session, name, role, clearance, password=password or None)

    def change(self, name: str, *, role: str | None, clearance: str | None) -> None:
        with self.register.write() as session:
            team.set_member(session, name, role=role, clearance=clearance)

    def remove(self, name: str) -> None:
        with self.register.write() as session:
            team.remove_member(session, name)
