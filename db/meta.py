"""Register-level facts stored in the ``app_meta`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, select

from db.models import AppMeta, AuditHead

if TYPE_CHECKING:
    from db.engine import Register


def mark_as_ours(register: Register) -> None:
    from db.engine import APP_MARKER, APP_MARKER_KEY

    with register.write() as session:
        if session.get(AppMeta, APP_MARKER_KEY) is None:
            session.add(AppMeta(key=APP_MARKER_KEY, value=APP_MARKER))
        if session.get(AuditHead, 1) is None:
            session.add(AuditHead(id=1))


def get_meta(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(AppMeta, key)
    return row.value if row is not None else default


def set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(AppMeta, key)
    if row is None:
        session.add(AppMeta(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def all_meta(session: Session) -> dict[str, str]:
    return {row.key: row.value for row in session.exec(select(AppMeta))}
