"""The classification scale: ordered handling labels for the register's own content.

These are labels, not accreditation: the tracker is not an accredited system for
classified information.  Ordering is what matters: a briefing pack is built under a
*ceiling* and must never contain a record above it.
"""

from __future__ import annotations

from enum import StrEnum


class Classification(StrEnum):
    PUBLIC = "PUBLIC"
    UNCLASSIFIED = "UNCLASSIFIED"
    RESTRICTED = "RESTRICTED"
    CONFIDENTIAL = "CONFIDENTIAL"
    SECRET = "SECRET"


LEVELS: tuple[Classification, ...] = tuple(Classification)
DEFAULT_LEVEL = Classification.UNCLASSIFIED

PORTION_MARKS: dict[Classification, str] = {
    Classification.PUBLIC: "PU",
    Classification.UNCLASSIFIED: "U",
    Classification.RESTRICTED: "R",
    Classification.CONFIDENTIAL: "C",
    Classification.SECRET: "S",
}


def rank(level: Classification | str) -> int:
    """Position of a level on the scale (PUBLIC is 0)."""
    return LEVELS.index(parse_level(level))


def parse_level(raw: object) -> Classification:
    if isinstance(raw, Classification):
        return raw
    text = str(raw).strip().upper().replace(" ", "_")
    try:
        return Classification(text)
    except ValueError:
        allowed = ", ".join(level.value for level in LEVELS)
        raise ValueError(f"must be one of {allowed}") from None


def levels_up_to(ceiling: Classification | str) -> list[str]:
    """Every level at or below ``ceiling``: the set a ceiling-filtered query admits."""
    top = rank(ceiling)
    return [level.value for level in LEVELS[: top + 1]]


def highest(levels: list[str] | set[str]) -> Classification | None:
    """The highest of ``levels`` or None when there are none."""
    parsed = [parse_level(x) for x in levels]
    return max(parsed, key=rank) if parsed else None


def portion_mark(level: Classification | str) -> str:
    """Portion mark printed beside a record, e.g. ``(R)``."""
    return f"({PORTION_MARKS[parse_level(level)]})"


def banner_text(level: Classification | str, prefix: str = "") -> str:
    """Banner shown at the top and bottom of every page: ``NATO RESTRICTED``."""
    prefix = prefix.strip()
    name = parse_level(level).value
    return f"{prefix} {name}" if prefix else name
