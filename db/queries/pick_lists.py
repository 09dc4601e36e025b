"""Pick lists for the record forms: (id, ref, label) rows per kind, searchable, limited.

Forms pick partners, linked risks or the event a statement responds to.  Small
kinds are loaded whole; the event list can hold a million rows, so it is always
searched with a LIMIT, newest first:

* text that looks like a ref (``E-01``, ``e-0123``) is a range on the unique ref
  index: instant at any size;
* other text is matched (contains, any case) against the ref and the label of the
  ``window`` newest rows only, so a rare word costs a bounded scan, not a full one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from db.kinds import REF_PREFIX, TABLES, kind_info

_TABLES: dict[str, Any] = dict(TABLES)


def _label_column(kind: str) -> Any:
    return getattr(_TABLES[kind], kind_info(kind).title_field)


def _columns(kind: str) -> tuple[Any, ...]:
    table = _TABLES[kind]
    cols: tuple[Any, ...] = (table.id, table.ref, _label_column(kind))
    if kind == "event":
        cols += (table.occurred_on,)
    return cols


def _order(kind: str) -> tuple[Any, ...]:
    table = _TABLES[kind]
    if kind == "event":
        return (table.occurred_on.desc(), table.id.desc())
    if kind == "risk":
        return (table.ref,)
    return (func.lower(_label_column(kind)), table.id)


def _row(kind: str, row: Any) -> tuple[int, str, str]:
    label = row[2]
    if kind == "event" and row[3] is not None:
        label = f"{row[3].isoformat()} {label}"
    return int(row[0]), str(row[1]), str(label)


def ref_prefix(kind: str, text: str) -> str | None:
    """``e-01`` -> ``E-01`` when the text is the start of a ref of this kind."""
    candidate = text.strip().upper()
    prefix = REF_PREFIX[kind]
    return candidate if re.fullmatch(rf"{prefix}-\d+", candidate) else None


def choice_rows(
    session: Session,
    *,
    kind: str,
    text: str = "",
    limit: int | None = None,
    exclude_id: int | None = None,
    window: int | None = None,
) -> list[tuple[int, str, str]]:
    """Rows whose ref or label contains ``text`` (case-insensitive), in display order.

    ``window`` limits a text search to that many newest rows (ref searches are not
    limited: they use the ref index).
    """
    table = _TABLES[kind]
    stmt = select(*_columns(kind))
    needle = text.strip().lower()
    starts = ref_prefix(kind, text) if needle else None
    if starts is not None:
        # Refs are ASCII: everything that starts with the prefix sorts below prefix + DEL.
        stmt = stmt.where(table.ref >= starts, table.ref < starts + "\x7f")
        order: tuple[Any, ...] = (table.ref,)
    else:
        order = _order(kind)
        if needle:
            stmt = stmt.where(
                or_(
                    func.lower(table.ref).contains(needle, autoescape=True),
                    func.lower(_label_column(kind)).contains(needle, autoescape=True),
                )
            )
            if window is not None:
                newest = select(table.id).order_by(*_order(kind)).limit(window)
                stmt = stmt.where(table.id.in_(newest.scalar_subquery()))
    if exclude_id is not None:
        stmt = stmt.where(table.id != exclude_id)
    stmt = stmt.order_by(*order)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_row(kind, r) for r in session.execute(stmt).all()]


def choice_rows_by_id(
    session: Session, *, kind: str, ids: Iterable[int]
) -> list[tuple[int, str, str]]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    table = _TABLES[kind]
    stmt = select(*_columns(kind)).where(table.id.in_(wanted)).order_by(*_order(kind))
    return [_row(kind, r) for r in session.execute(stmt).all()]


def count_rows(session: Session, *, kind: str) -> int:
    table = _TABLES[kind]
    return int(session.execute(select(func.count()).select_from(table)).scalar() or 0)
