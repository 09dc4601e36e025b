"""Reading the cells of an import file: the header matched to the kind's columns, and
each cell turned into the value of its field (not yet checked against the model).

Text cells lose the apostrophe that export puts in front of formula-like text (see
``db.importexport.neutralise``).  Enum columns take the value or its label in any
case; ``classification`` takes a level in any case; ``stance`` also takes
Hostile .. Champion and the likelihood/impact columns the scale labels (Rare ..
Almost certain, Minimal .. Severe).  Dates are ``YYYY-MM-DD`` (or a date cell in
XLSX).  A blank cell means "not given".  A cell that cannot be read raises
``ValueError`` with the reason the user sees.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from db.classification import parse_level
from db.enums import parse_enum
from db.errors import FieldError, ValidationFailed
from db.importexport.columns import (
    DATE,
    ENUM,
    FLOAT,
    INT,
    LEVEL,
    LIST_SEPARATOR,
    STANCE_WORDS,
    TEXT,
    Column,
    columns_for,
    header_key,
)
from db.importexport.neutralise import restore
from db.scales import IMPACT_LABELS, LIKELIHOOD_LABELS

INT64 = 2**63  # databases store whole numbers in 64 bits

_LIKELIHOOD_WORDS = {label.casefold(): n for n, label in enumerate(LIKELIHOOD_LABELS, 1)}
_IMPACT_WORDS = {label.casefold(): n for n, label in enumerate(IMPACT_LABELS, 1)}
_WORDS: dict[str, dict[str, int]] = {
    "stance": STANCE_WORDS,
    "likelihood": _LIKELIHOOD_WORDS,
    "residual_likelihood": _LIKELIHOOD_WORDS,
    "impact": _IMPACT_WORDS,
    "residual_impact": _IMPACT_WORDS,
    "expected_likelihood": _LIKELIHOOD_WORDS,
    "expected_impact": _IMPACT_WORDS,
}
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text_value(raw: Any) -> str:
    """A cell as text: neutralisation undone; XLSX numbers and dates written plainly."""
    if isinstance(raw, str):
        return restore(raw)
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        if raw.time() == dt.time(0):
            return raw.date().isoformat()
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


def tokens(raw: Any, many: bool) -> list[str]:
    """The refs or names a link cell gives (``;``-separated when ``many``)."""
    if is_blank(raw):
        return []
    text = text_value(raw).strip()
    if not many:
        return [text] if text else []
    return [t.strip() for t in text.split(LIST_SEPARATOR) if t.strip()]


def _int_value(raw: Any, words: dict[str, int] | None) -> int:
    if isinstance(raw, bool):
        raise ValueError("must be a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError("must be a whole number")
    text = restore(str(raw)).strip()
    if words:
        found = words.get(text.casefold())
        if found is not None:
            return found
    try:
        return int(text)
    except ValueError:
        pass
    try:  # "12.0", "1e3": read exactly (a float would round 64-bit numbers)
        exact = Decimal(text.replace("_", "x"))  # as int() and float(): no "1_0"
    except InvalidOperation:
        exact = Decimal("NaN")
    if exact.is_finite() and exact.adjusted() > 40:  # "1e400000000": no huge int built
        raise ValueError("is too large a number")
    if exact.is_finite() and exact == exact.to_integral_value():
        return int(exact)
    if words:
        names = ", ".join(w.capitalize() for w in words)
        raise ValueError(f"must be a whole number or one of {names}")
    raise ValueError("must be a whole number")


def _float_value(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    if isinstance(raw, (int, float)):
        number = float(raw)
    else:
        try:
            number = float(restore(str(raw)).strip())
        except ValueError:
            raise ValueError("must be a number") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _date_value(raw: Any) -> dt.date:
    if raw.__class__ is str and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return dt.date.fromisoformat(raw)  # the usual YYYY-MM-DD, answered first
        except ValueError:
            pass
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0):
            raise ValueError("must be a date YYYY-MM-DD, without a time")
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        match = _DATE_RE.fullmatch(raw.strip())
        if match:
            try:
                return dt.date.fromisoformat(match.group(1))
            except ValueError:
                raise ValueError("is not a real date (YYYY-MM-DD)") from None
    raise ValueError("must be a date YYYY-MM-DD")


def converter(column: Column) -> Callable[[Any], Any]:
    """The cell -> value function of a (not blank) value column, the common spellings
    answered first."""
    ctype = column.type
    if ctype == TEXT:

        def text(raw: Any) -> Any:
            if raw.__class__ is str:
                return restore(raw) if raw[:1] == "'" else raw
            return text_value(raw)

        return text
    if ctype == INT:
        words = _WORDS.get(column.name)

        def whole(raw: Any) -> Any:
            number = None
            if raw.__class__ is str:
                try:
                    number = int(raw)
                except ValueError:
                    pass
            if number is None:
                number = _int_value(raw, words)
            if not -INT64 <= number < INT64:
                raise ValueError("is too large a number")
            return number

        return whole
    if ctype in (ENUM, LEVEL):
        assert column.enum is not None
        enum = column.enum
        exact = {m.value: m.value for m in enum}

        def parse(text: str) -> str:
            return parse_level(text).value if ctype == LEVEL else parse_enum(enum, text).value

        def choice(raw: Any) -> Any:
            found = exact.get(raw) if raw.__class__ is str else None
            return found if found is not None else parse(text_value(raw))

        return choice
    if ctype == DATE:
        return _date_value
    if ctype == FLOAT:
        return _float_value
    raise AssertionError(ctype)  # pragma: no cover


def int_column(raws: Sequence[Any]) -> list[int] | None:
    """A whole column of text cells read as ``converter`` reads whole numbers, when
    every cell is a plain decimal integer in range; None otherwise (cell by cell)."""
    try:
        numbers = list(map(int, raws))  # what the converter tries first
    except (ValueError, TypeError):
        return None
    if numbers and (min(numbers) < -INT64 or max(numbers) >= INT64):
        return None
    return numbers


def map_header(
    kind: str, header: Sequence[Any], rows: list[tuple[int, list[Any]]]
) -> list[tuple[int, Column]]:
    """(cell index, column) of each header cell; ValidationFailed (row 1) for unknown,
    repeated or unnamed columns."""
    known = {c.name: c for c in columns_for(kind)}
    errors: list[FieldError] = []
    used: list[tuple[int, Column]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = header_key(raw)
        if not key:
            for _number, cells in rows:
                if index < len(cells) and not is_blank(cells[index]):
                    errors.append(
                        FieldError(
                            f"column {index + 1}", "has values but no name in the header row", 1
                        )
                    )
                    break
            continue
        column = known.get(key)
        if column is None:
            names = ", ".join(known)
            errors.append(
                FieldError(
                    str(raw).strip(), f"unknown column; the columns of {kind} files are: {names}", 1
                )
            )
            continue
        if key in seen:
            errors.append(
                FieldError(key, f"appears twice (columns {seen[key] + 1} and {index + 1})", 1)
            )
            continue
        seen[key] = index
        used.append((index, column))
    if errors:
        raise ValidationFailed(errors)
    return used
