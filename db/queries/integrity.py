"""Database-level health checks for ``risk-tracker db check``.

SQLite checks its own pages (``PRAGMA integrity_check``) and, on request, the foreign
keys of every row (``PRAGMA foreign_key_check``).  PostgreSQL enforces both itself, so
on that backend these return ``None`` (not applicable) rather than a result.

The current records' references and links, by ref, are read here too: the form the
audit trail names them in, so ``desktop.services.integrity`` can compare the rows
with the trail's replay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import aliased
from sqlmodel import Session

from db.kinds import TABLES


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def integrity_problems(session: Session, *, limit: int = 20) -> list[str] | None:
    """SQLite's integrity check: [] when sound, else its messages; None on PostgreSQL."""
    if not _is_sqlite(session):
        return None
    # The limit is an int from our own code, never user input.
    rows = session.execute(text(f"PRAGMA integrity_check({int(limit)})")).scalars().all()
    return [] if list(rows) == ["ok"] else [str(r) for r in rows]


def foreign_key_problems(session: Session) -> list[str] | None:
    """Rows whose foreign key points nowhere: [] when none; None on PostgreSQL."""
    if not _is_sqlite(session):
        return None
    rows = session.execute(text("PRAGMA foreign_key_check")).all()
    return [
        f"{table} row {rowid} points at a missing {parent}" for table, rowid, parent, _fk in rows
    ]


# --------------------------------------------------------------------------- records by ref


def reference_refs(session: Session, kind: str, column: str, other_kind: str) -> dict[str, str]:
    """``{ref: referenced record's ref}`` for one reference column (``event.stakeholder_id``)."""
    own: Any = TABLES[kind]
    other: Any = aliased(TABLES[other_kind])
    stmt = select(own.ref, other.ref).join(other, getattr(own, column) == other.id)
    return {ref: target for ref, target in session.execute(stmt)}


def link_refs(
    session: Session, kind: str, link_table: Any, own_col: str, other_col: str, other_kind: str
) -> dict[str, list[str]]:
    """``{ref: sorted refs of the linked records}`` for one many-to-many link."""
    own: Any = TABLES[kind]
    other: Any = aliased(TABLES[other_kind])
    stmt = (
        select(own.ref, other.ref)
        .join(link_table, getattr(link_table, own_col) == own.id)
        .join(other, getattr(link_table, other_col) == other.id)
    )
    out: dict[str, list[str]] = {}
    for ref, target in session.execute(stmt):
        out.setdefault(ref, []).append(target)
    return {ref: sorted(targets) for ref, targets in out.items()}
