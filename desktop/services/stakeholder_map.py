"""The stakeholder map: influence x interest, stance as colour, stance then and now.

``since`` adds each stakeholder's stance at the end of that day (UTC), rebuilt from
the audit trail, so a map or a table can show who warmed or cooled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from db.enums import STANCE_LABELS
from db.queries import analysis as q
from desktop.services import history
from desktop.services.filters import NO_FILTER, RecordFilter


@dataclass(frozen=True)
class StakeholderPoint:
    id: int
    ref: str
    name: str
    kind: str
    influence: int
    interest: int
    stance: int
    classification: str
    stance_before: int | None = (
        None  # at ``since``; None without ``since`` or if it did not exist then
    )

    @property
    def stance_label(self) -> str:
        return STANCE_LABELS.get(self.stance, str(self.stance))

    @property
    def stance_changed(self) -> bool:
        return self.stance_before is not None and self.stance_before != self.stance


def stakeholder_map(
    session: Session, *, filters: RecordFilter | None = None, since: dt.date | None = None
) -> list[StakeholderPoint]:
    filters = filters or NO_FILTER
    rows = q.stakeholder_rows(session, criteria=filters.criteria())
    before: history.StateTable | None = None
    if since is not None:
        (before,) = history.states_on(
            session, kind="stakeholder", days=[since], fields=["stance"], levels=filters.levels
        )
    out = []
    for r in rows:
        stance_before = None
        if before is not None and r.ref in before:
            value = before.get(r.ref, "stance")
            stance_before = int(value) if value is not None else None
        out.append(
            StakeholderPoint(
                id=r.id,
                ref=r.ref,
                name=r.name,
                kind=r.kind,
                influence=r.influence,
                interest=r.interest,
                stance=r.stance,
                classification=r.classification,
                stance_before=stance_before,
            )
        )
    return out
