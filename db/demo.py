"""The demo register, built from the reference story in ``shared/seed``.

The story itself (records and the order they are written in) is data, in
``db/demo_story.toml`` beside this module; this module loads it and writes it.

The story is a news report: an AI company (OpenAI) exploring a partnership with NATO on
unclassified networks days after a contract with the US Department of Defence; a
competitor (Anthropic) dropped by federal agencies over its position on military use;
researchers criticising the deal; subscribers cancelling; the company clarifying that
its tools will not be used to spy on US citizens and that a remark about classified
networks was a slip; the Pentagon saying the NSA would not directly use the services;
and the chief executive calling the deal "complicated but correct" while admitting the
reputational risk.

The records keep those facts and are written in our own words.  The register is kept
from the company's side, so the company itself is not one of its stakeholders.

**Dates and figures are illustrative, not reported.**  The story gives no dates, no
cancellation counts and no audience sizes; the demo places its events over the eight
weeks before ``today`` (so "the last 30 days" always has content) and uses plausible,
mutually consistent numbers.  Every record's notes say so.  A few records (the
partnerships with an allied ministry and with federal agencies, the internal letter,
the security review) are what the story implies rather than what it reports; their
notes say that too.

Every write goes through ``db.repository`` (validated and audited) in one transaction.
Each step is stamped with its illustrative time (``db.models.clock_at``), so the audit
history moves the way the story does: risks re-scored after the cancellations, a
stance turning critical, the NATO talks moving from exploring to negotiating.  That is
what the "as of" matrix and the "what changed" sections replay.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from db import repository
from db.engine import Register
from db.errors import RegisterError
from db.kinds import KINDS
from db.models import clock_at

DEMO_ACTOR = "demo"
STORY_FILE = Path(__file__).with_name("demo_story.toml")

# The order in which a forced load clears the register: what points at others first.
CLEAR_ORDER = tuple(kind.value for kind in reversed(KINDS))


@dataclass(frozen=True)
class Step:
    """One write of the demo history: ``days`` before today at ``hour``:``minute`` UTC."""

    days: int
    hour: int
    op: str  # "create" or "update"
    kind: str
    key: str
    data: dict[str, Any] = field(default_factory=dict)
    minute: int = 0


@dataclass(frozen=True)
class Story:
    """The contents of ``demo_story.toml``: record values by key, and the steps in order."""

    notes: dict[str, str]
    records: dict[str, dict[str, dict[str, Any]]]  # kind -> key -> values
    steps: tuple[Step, ...]

    @functools.cached_property
    def event_days(self) -> dict[str, int]:
        """Each event's date (days before today): the day of the step that creates it."""
        return {s.key: s.days for s in self.steps if s.kind == "event" and s.op == "create"}


@functools.cache
def story() -> Story:
    with STORY_FILE.open("rb") as fh:
        raw = tomllib.load(fh)
    records = {info.noun: raw[info.plural] for info in KINDS.values()}
    steps = tuple(Step(**step) for step in raw["timeline"]["steps"])
    return Story(notes=raw["notes"], records=records, steps=steps)


def _timeline() -> list[Step]:
    """Every write of the demo history, oldest first."""
    return list(story().steps)


def _notes(*extra: str) -> str:
    return " ".join((story().notes["illustrative"], *extra))


# --------------------------------------------------------------------------- building payloads


class _Ids:
    """Keys of the demo's records -> their ids, as they are created."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __getitem__(self, key: str) -> int:
        return self.ids[key]

    def many(self, keys: list[str]) -> list[int]:
        return [self.ids[k] for k in keys]


def _implied(values: dict[str, Any]) -> list[str]:
    return [story().notes["implied"]] if values.get("implied") else []


def _stakeholder_payload(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k != "implied"}
    data["notes"] = _notes(*_implied(values))
    return data


def _partnership_payload(values: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k not in ("partner", "implied")}
    data["partner_id"] = ids[values["partner"]]
    data["notes"] = _notes(*_implied(values))
    return data


def _risk_payload(values: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    data = {
        k: v for k, v in values.items() if k not in ("partnerships", "stakeholders", "review_in")
    }
    if "review_in" in values:
        data["review_due"] = today + dt.timedelta(days=values["review_in"])
    data["partnership_ids"] = ids.many(values.get("partnerships", []))
    data["stakeholder_ids"] = ids.many(values.get("stakeholders", []))
    data["notes"] = _notes(story().notes["review"])
    return data


def _event_payload(key: str, values: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    skip = ("stakeholder", "partnership", "risks", "responds_to", "figures", "implied")
    data = {k: v for k, v in values.items() if k not in skip}
    data["occurred_on"] = today - dt.timedelta(days=story().event_days[key])
    if values.get("stakeholder"):
        data["stakeholder_id"] = ids[values["stakeholder"]]
    if values.get("partnership"):
        data["partnership_id"] = ids[values["partnership"]]
    if values.get("responds_to"):
        data["responds_to_id"] = ids[values["responds_to"]]
    data["risk_ids"] = ids.many(values.get("risks", []))
    extra = []
    if values.get("figures"):
        extra.append(story().notes["figures"].format(what=values["figures"]))
    data["notes"] = _notes(*extra, *_implied(values))
    return data


def _action_payload(values: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k not in ("risks", "due_in")}
    if "due_in" in values:
        data["due_on"] = today + dt.timedelta(days=values["due_in"])
    data["risk_ids"] = ids.many(values["risks"])
    data["notes"] = _notes()
    return data


def _update_payload(kind: str, data: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("announced_on", "ended_on"):
            out[name] = today - dt.timedelta(days=value)
        elif name in ("risks", "partnerships", "stakeholders"):
            out[f"{name[:-1]}_ids"] = ids.many(value)
        else:
            out[name] = value
    return out


def _moment(today: dt.date, step: Step) -> dt.datetime:
    day = today - dt.timedelta(days=step.days)
    return dt.datetime.combine(day, dt.time(step.hour, step.minute), tzinfo=dt.UTC)


def _apply(session: Session, step: Step, ids: _Ids, today: dt.date, actor: str) -> None:
    if step.op == "update":
        changes = _update_payload(step.kind, step.data, ids, today)
        repository.update(session, step.kind, ids[step.key], changes, actor=actor)  # type: ignore[arg-type]
        return
    values = story().records[step.kind][step.key]
    payload: dict[str, Any]
    if step.kind == "stakeholder":
        payload = _stakeholder_payload(values)
    elif step.kind == "partnership":
        payload = _partnership_payload(values, ids, today)
        payload.update(_update_payload(step.kind, step.data, ids, today))
    elif step.kind == "risk":
        payload = _risk_payload(values, ids, today)
    elif step.kind == "action":
        payload = _action_payload(values, ids, today)
    else:
        payload = _event_payload(step.key, values, ids, today)
    record = repository.create(session, step.kind, payload, actor=actor)  # type: ignore[arg-type]
    ids.ids[step.key] = record.id


# --------------------------------------------------------------------------- loading


def _is_empty(session: Session) -> bool:
    return not any(repository.counts(session).values())


def _ids_of(session: Session, kind: str) -> Iterator[int]:
    table: Any = repository.spec(kind).table
    yield from list(session.execute(select(table.id).order_by(table.id)).scalars())


def clear(session: Session, *, actor: str) -> dict[str, int]:
    """Delete every record (stakeholders, partnerships, risks, events, actions) through the repository
    (so each delete is audited); returns how many of each were deleted."""
    removed: dict[str, int] = {}
    for kind in CLEAR_ORDER:
        n = 0
        for record_id in _ids_of(session, kind):
            repository.delete(session, kind, record_id, actor=actor)
            n += 1
        removed[kind] = n
    return removed


def load_demo(
    register: Register,
    *,
    actor: str = DEMO_ACTOR,
    today: dt.date | None = None,
    force: bool = False,
) -> dict[str, int]:
    """Load the demo register; returns the number of records created per kind.

    Refuses a register that already holds records unless ``force``, which first
    deletes them (audited) and then loads the demo, all in one transaction.  The
    demo's dates are placed relative to ``today`` (default: the current date), so the
    same ``today`` always gives the same records.
    """
    today = today or dt.date.today()
    with register.write() as session:
        if not _is_empty(session):
            if not force:
                counts = repository.counts(session)
                held = ", ".join(f"{n} {kind}s" for kind, n in counts.items() if n)
                raise RegisterError(
                    f"{register.display_name()} is not empty ({held}); the demo loads only "
                    "into an empty register (use --force to replace its records)"
                )
            clear(session, actor=actor)
        ids = _Ids()
        for step in _timeline():
            with clock_at(_moment(today, step)):
                _apply(session, step, ids, today, actor)
        return repository.counts(session)
