"""Register-level facts stored in the ``app_meta`` table."""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import AppMeta


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
