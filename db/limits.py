"""What a register's columns can hold, beyond the models' own rules.

The models bound every whole number by what SQLite holds (64 bits, ``INT64_MAX``),
so a form or an import refuses more on every backend.  PostgreSQL registers keep
whole numbers in 32-bit ``integer`` columns (migration 0001), so there a field
whose model allows more (an event's ``reach``) is refused above ``INT32_MAX`` with a
field error, by the repository (forms, services) and by the import validator
(``--dry-run`` too): never an "integer out of range" from the server.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any

from annotated_types import Le

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def int_max_of(engine: Any) -> int:
    """The largest whole number a register on ``engine`` (or connection) holds."""
    return INT32_MAX if engine.dialect.name == "postgresql" else INT64_MAX


def int_max(session: Any) -> int:
    """The largest whole number the register behind ``session`` holds in a column."""
    return int_max_of(session.get_bind())


@cache
def wide_int_fields(model: Any) -> tuple[str, ...]:
    """The whole-number fields of ``model`` whose own rule allows more than 32 bits.
    Links (``*_id``) are left out: they name records the register numbered itself
    (and an import's placeholder for a record the same file creates)."""
    out = []
    for name, info in model.model_fields.items():
        if name.endswith("_id"):
            continue
        annotation = info.annotation
        optional = typing.get_origin(annotation) in (typing.Union, types.UnionType)
        args = set(typing.get_args(annotation)) - {type(None)}
        if annotation is not int and not (optional and args == {int}):
            continue
        highs: list[Any] = [m.le for m in info.metadata if isinstance(m, Le)]
        if not highs or min(highs) > INT32_MAX:
            out.append(name)
    return tuple(out)


def too_large(values: dict[str, Any], fields: tuple[str, ...], limit: int) -> list[str]:
    """The fields of ``values`` (among ``fields``) above ``limit``."""
    return [f for f in fields if isinstance(values.get(f), int) and abs(values[f]) > limit]


def reason(limit: int) -> str:
    return f"is too large for this register (at most {limit:,})"
