"""Which events a set of partnerships is about: the one rule the pack and the analysis share.

An event concerns the partnerships when its own partnership is one of them, or when
it names no partnership (none within the ceiling: a link above it does not exist)
and is linked to one of their risks.  An event about *another* partnership belongs
to that partnership, even when it touches a shared risk: a one-partnership pack
never counts or lists it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from db.queries.tables import Event, Partnership


def event_concerns(
    partnership_ids: Any, via_risk_event_ids: Any, levels: Sequence[str] | None
) -> ColumnElement[bool]:
    """``partnership_ids``: the scope's partnerships (a list or a sub-select of ids);
    ``via_risk_event_ids``: a sub-select of the events linked to their risks."""
    visible = select(Partnership.id)
    if levels is not None:
        visible = visible.where(Partnership.classification.in_(list(levels)))
    names_none = or_(Event.partnership_id.is_(None), Event.partnership_id.not_in(visible))
    return or_(
        Event.partnership_id.in_(partnership_ids),
        and_(names_none, Event.id.in_(via_risk_event_ids)),
    )
