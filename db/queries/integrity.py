"""Database-level health checks for ``risk-tracker db check``.

SQLite checks its own pages (``PRAGMA integrity_check``) and, on request, the foreign
keys of every row (``PRAGMA foreign_key_check``).  PostgreSQL enforces both itself, so
on that backend these return ``None`` (not applicable) rather than a result.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


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
