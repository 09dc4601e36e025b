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

# The NATO conventions, used when the marking prefix is NATO: portion marks (NU),
# (NR), (NC), (NS) and banners "NATO UNCLASSIFIED" ...  PUBLIC is not a NATO
# classification: it keeps (PU) and its banner stays "PUBLIC".
NATO_PREFIX = "NATO"
NATO_PORTION_MARKS: dict[Classification, str] = {
    Classification.PUBLIC: "PU",
    Classification.UNCLASSIFIED: "NU",
    Classification.RESTRICTED: "NR",
    Classification.CONFIDENTIAL: "NC",
    Classification.SECRET: "NS",
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


def is_nato(prefix: str | None) -> bool:
    return (prefix or "").strip().upper() == NATO_PREFIX


def portion_mark(level: Classification | str, prefix: str | None = "") -> str:
    """Portion mark printed beside a record, e.g. ``(R)``; ``(NR)`` under the NATO prefix."""
    marks = NATO_PORTION_MARKS if is_nato(prefix) else PORTION_MARKS
    return f"({marks[parse_level(level)]})"


def level_of_mark(text: str) -> Classification | None:
    """The level a printed portion mark (``(C)``, ``NC``...) stands for, under either convention."""
    code = text.strip().strip("()").upper()
    for marks in (PORTION_MARKS, NATO_PORTION_MARKS):
        for level, value in marks.items():
            if value == code:
                return level
    return None


def banner_text(level: Classification | str, prefix: str | None = "") -> str:
    """Banner shown at the top and bottom of every page: ``NATO RESTRICTED``."""
    prefix = (prefix or "").strip()
    parsed = parse_level(level)
    if is_nato(prefix) and parsed is Classification.PUBLIC:
        return parsed.value
    return f"{prefix} {parsed.value}" if prefix else parsed.value
