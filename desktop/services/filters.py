"""The one filter every analysis function accepts.

A ``RecordFilter`` is immutable and hashable, so views can keep it as a cache key and
hand it to a worker thread.  The classification ``ceiling`` is applied in the SQL
query (``db.classification.levels_up_to``): records above it never leave the
database, and links to such records are dropped from results.

Field semantics (None or an empty tuple means "no filter"):

* ``partnership_ids`` - risks linked to any of these partnerships; events whose
  partnership is one of them, or that name no partnership and are linked to such a
  risk (``db.queries.event_scope``); stakeholders who are
  their partner, linked to their risks or acting in their events.  Partnerships above
  the ceiling are ignored here as if they were not listed.
* ``categories``, ``owners`` (case-insensitive), ``statuses`` - risks only.
* ``include_closed`` - closed risks are left out unless this is set or ``statuses``
  names ``closed`` explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session

from db.classification import levels_up_to, parse_level
from db.queries.analysis import Criteria, risk_owner_names


def _tuple(values: Iterable[Any] | None) -> tuple[Any, ...] | None:
    if values is None:
        return None
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) if not isinstance(v, int) else v for v in values)


@dataclass(frozen=True)
class RecordFilter:
    ceiling: str | None = None
    partnership_ids: tuple[int, ...] | None = None
    categories: tuple[str, ...] | None = None
    owners: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    include_closed: bool = False

    def __post_init__(self) -> None:
        # Accept lists, sets and enum members; store plain tuples so the filter stays hashable.
        if self.ceiling is not None:
            object.__setattr__(self, "ceiling", parse_level(self.ceiling).value)
        if self.partnership_ids is not None:
            object.__setattr__(self, "partnership_ids", tuple(int(i) for i in self.partnership_ids))
        for name in ("categories", "owners", "statuses"):
            object.__setattr__(self, name, _tuple(getattr(self, name)))

    @property
    def levels(self) -> tuple[str, ...] | None:
        """Admitted classification levels, or None without a ceiling."""
        return tuple(levels_up_to(self.ceiling)) if self.ceiling is not None else None

    def admits(self, classification: str | None) -> bool:
        levels = self.levels
        return levels is None or (classification is not None and classification in levels)

    def criteria(self) -> Criteria:
        return Criteria(
            levels=self.levels,
            partnership_ids=self.partnership_ids or None,
            categories=self.categories or None,
            owners=self.owners or None,
            statuses=self.statuses or None,
            include_closed=self.include_closed,
        )

    def with_(self, **changes: Any) -> RecordFilter:
        """A copy with some fields changed: ``f.with_(include_closed=True)``."""
        return replace(self, **changes)


NO_FILTER = RecordFilter()


def criteria_of(filters: RecordFilter | None) -> Criteria:
    return (filters or NO_FILTER).criteria()


def risk_owners(session: Session, *, ceiling: str | None = None) -> list[str]:
    """Owner names for a filter pick list (of risks within ``ceiling`` when given)."""
    levels = tuple(levels_up_to(ceiling)) if ceiling is not None else None
    return risk_owner_names(session, levels=levels)
