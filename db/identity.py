"""Who is writing: the actor the audit trail names.

On PostgreSQL the actor is the login role (``current_user``): the server itself
stamps every audit entry with it (migration 0009), so the program hashes the entry
with the name the server will store.  On SQLite it is the operating-system user.
The display name a user chose is recorded beside it (``audit_entry.actor_name``),
never instead of it.
"""

from __future__ import annotations

import getpass

from sqlalchemy import text
from sqlmodel import Session

UNKNOWN_OS_USER = "unknown"


def os_user() -> str:
    """The operating-system login name ("unknown" where there is no user database)."""
    try:
        return getpass.getuser() or UNKNOWN_OS_USER
    except Exception:  # no user database on the machine (some containers)
        return UNKNOWN_OS_USER


def actor_of(session: Session) -> str:
    """The actor of the writes made in ``session``."""
    if session.get_bind().dialect.name == "postgresql":
        return str(session.execute(text("SELECT current_user")).scalar_one())
    return os_user()


def shown_actor(actor: str, actor_name: str) -> str:
    """An actor as a person reads it: ``jsmith (Jane Smith)``, or ``jsmith`` alone."""
    return f"{actor} ({actor_name})" if actor_name and actor_name != actor else actor
