"""Enumerations of the domain model (PRODUCT.md "Domain model").

Every enum is a ``StrEnum`` whose values are the lower-case names used in the
database and in CSV/XLSX files.  ``parse_enum`` accepts a value or a label,
case-insensitively, as import files may carry either.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class StakeholderKind(StrEnum):
    government = "government"
    defence_body = "defence_body"
    company = "company"
    research_community = "research_community"
    customers = "customers"
    employees = "employees"
    media = "media"
    civil_society = "civil_society"
    investors = "investors"
    regulator = "regulator"
    other = "other"


class PartnershipStatus(StrEnum):
    exploring = "exploring"
    negotiating = "negotiating"
    agreed = "agreed"
    active = "active"
    paused = "paused"
    ended = "ended"
    halted = "halted"


class Network(StrEnum):
    unclassified = "unclassified"
    classified = "classified"
    mixed = "mixed"
    not_applicable = "not_applicable"


class RiskCategory(StrEnum):
    reputational = "reputational"
    commercial = "commercial"
    operational = "operational"
    legal_regulatory = "legal_regulatory"
    political = "political"
    ethical = "ethical"
    security = "security"
    people = "people"


class Treatment(StrEnum):
    mitigate = "mitigate"
    accept = "accept"
    avoid = "avoid"
    transfer = "transfer"
    monitor = "monitor"


class RiskStatus(StrEnum):
    open = "open"
    monitoring = "monitoring"
    closed = "closed"


class ActionStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class EventKind(StrEnum):
    criticism = "criticism"
    media_report = "media_report"
    customer_action = "customer_action"
    employee_action = "employee_action"
    statement = "statement"
    government_action = "government_action"
    partnership_milestone = "partnership_milestone"
    other = "other"


class Channel(StrEnum):
    press = "press"
    social_media = "social_media"
    open_letter = "open_letter"
    internal = "internal"
    official_statement = "official_statement"
    briefing = "briefing"
    regulator_filing = "regulator_filing"
    other = "other"


class EntityKind(StrEnum):
    stakeholder = "stakeholder"
    partnership = "partnership"
    risk = "risk"
    event = "event"
    action = "action"


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    import_ = "import"
    restore = "restore"


STANCE_LABELS: dict[int, str] = {
    -2: "Hostile",
    -1: "Critical",
    0: "Neutral",
    1: "Supportive",
    2: "Champion",
}

# An event's sentiment (-2..+2) has its own words: an event is negative, a stakeholder hostile.
SENTIMENT_LABELS: dict[int, str] = {
    -2: "Very negative",
    -1: "Negative",
    0: "Neutral",
    1: "Positive",
    2: "Very positive",
}


def signed_words(value: int, labels: dict[int, str]) -> str:
    """``-1 Negative``, ``0 Neutral``, ``+2 Champion``: the number, then its word."""
    number = f"{value:+d}" if value else "0"
    return f"{number} {labels.get(value, '')}".strip()


E = TypeVar("E", bound=StrEnum)


def label(value: StrEnum | str) -> str:
    """Human label of an enum value: ``defence_body`` -> ``Defence body``."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def parse_enum(enum: type[E], raw: object) -> E:
    """Accept the value (``defence_body``) or its label (``Defence body``), any case."""
    if isinstance(raw, enum):
        return raw
    text = str(raw).strip().lower().replace(" ", "_").replace("-", "_")
    if text == "import_" or (enum is AuditAction and text == "import"):
        return enum("import")  # type: ignore[return-value]
    try:
        return enum(text)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValueError(f"must be one of {allowed}") from None
