"""The five kinds of record, described once: what every screen, file and message calls them.

``KINDS`` is keyed by ``EntityKind`` (a ``StrEnum``, so ``KINDS["risk"]`` works too) and
ordered the way records depend on each other: stakeholders first, events last (the
order a register is filled, and the reverse of the order it is cleared); treatment
actions, which only point at risks, come after the events.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import SQLModel

from db.enums import EntityKind
from db.models import Action, Event, Partnership, Risk, Stakeholder


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``"0 changed cells"``, ``"1 changed cell"``, ``"1,200 risks"``: every count in words."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


@dataclass(frozen=True)
class KindInfo:
    kind: EntityKind
    noun: str  # "risk": in sentences ("1 risk")
    plural: str  # "risks": in sentences, file and sheet names
    label: str  # "Risk": a form's or a menu's title
    plural_label: str  # "Risks": a page's, a table's or a section's title
    prefix: str  # "R": refs look like R-007
    ref_width: int  # digits of the ref number
    title_field: str  # the field that names a record ("title" or "name")
    table: type[SQLModel]  # the table=True model class

    def format_ref(self, number: int) -> str:
        return f"{self.prefix}-{number:0{self.ref_width}d}"

    def count(self, n: int) -> str:
        """``"1 event"`` / ``"25 events"``."""
        return counted(n, self.noun, self.plural)


def _kind(
    kind: EntityKind, plural: str, prefix: str, width: int, title: str, table: type[SQLModel]
) -> KindInfo:
    noun = kind.value
    return KindInfo(
        kind=kind,
        noun=noun,
        plural=plural,
        label=noun.capitalize(),
        plural_label=plural.capitalize(),
        prefix=prefix,
        ref_width=width,
        title_field=title,
        table=table,
    )


KINDS: dict[EntityKind, KindInfo] = {
    EntityKind.stakeholder: _kind(
        EntityKind.stakeholder, "stakeholders", "S", 3, "name", Stakeholder
    ),
    EntityKind.partnership: _kind(
        EntityKind.partnership, "partnerships", "P", 3, "name", Partnership
    ),
    EntityKind.risk: _kind(EntityKind.risk, "risks", "R", 3, "title", Risk),
    EntityKind.event: _kind(EntityKind.event, "events", "E", 4, "title", Event),
    EntityKind.action: _kind(EntityKind.action, "actions", "A", 3, "title", Action),
}

# The order the screens list the kinds in: what is logged most often first.
SCREEN_ORDER: tuple[EntityKind, ...] = (
    EntityKind.event,
    EntityKind.risk,
    EntityKind.action,
    EntityKind.partnership,
    EntityKind.stakeholder,
)

# Derived views for code that needs one attribute by kind or by prefix.
REF_PREFIX: dict[str, str] = {k.value: info.prefix for k, info in KINDS.items()}
REF_WIDTH: dict[str, int] = {info.prefix: info.ref_width for info in KINDS.values()}
TABLES: dict[str, type[SQLModel]] = {k.value: info.table for k, info in KINDS.items()}
PLURAL: dict[str, str] = {k.value: info.plural for k, info in KINDS.items()}
_ALIASES: dict[str, EntityKind] = {
    **{info.noun: k for k, info in KINDS.items()},
    **{info.plural: k for k, info in KINDS.items()},
}


def kind_info(kind: str) -> KindInfo:
    """The description of ``kind`` ("risk" or ``EntityKind.risk``); ValueError if unknown."""
    try:
        return KINDS[EntityKind(kind)]
    except ValueError:
        raise ValueError(f"unknown kind {kind!r}") from None


def normalise_kind(kind: str) -> str:
    """``"events"`` or ``"Event"`` -> ``"event"``; anything else is a ValueError."""
    key = str(kind).strip().lower()
    if key not in _ALIASES:
        *first, last = (info.plural for info in KINDS.values())
        raise ValueError(f"unknown kind {kind!r}: use {', '.join(first)} or {last}")
    return _ALIASES[key].value


def count_noun(kind: str, n: int) -> str:
    """``"1 event"`` / ``"25 events"``."""
    return kind_info(kind).count(n)
