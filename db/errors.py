"""Errors the data layer raises for the user to read (never a traceback)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import ValidationError


class RegisterError(Exception):
    """A user-facing problem with one clear message (bad file, refused operation...)."""


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        if not self.field:  # a fault of the whole row (how the file is written)
            return f"{where}{self.reason}"
        return f"{where}{self.field}: {self.reason}"


# How many errors a person is shown at once (command line, import dialog); the rest
# are counted in one line "... and N more".
SHOWN_ERRORS = 100


def shown_errors(
    errors: list[FieldError], limit: int = SHOWN_ERRORS
) -> tuple[list[FieldError], str]:
    """The first ``limit`` errors and the line that counts the others ("" when none)."""
    more = len(errors) - limit
    return errors[:limit], (f"... and {more:,} more" if more > 0 else "")


class ValidationFailed(RegisterError):
    """Input that breaks a rule of the domain model; lists every field at fault."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @classmethod
    def from_pydantic(cls, exc: ValidationError, row: int | None = None) -> ValidationFailed:
        return cls(field_errors(exc, row))


def field_errors(exc: ValidationError, row: int | None = None) -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
        field = loc[0] if loc else ""
        msg = str(err.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        if not field and ": " in msg:  # model-level checks say "field: reason"
            field, msg = msg.split(": ", 1)
        out.append(FieldError(field or "record", _friendly(msg), row))
    return out


def _friendly(msg: str) -> str:
    replacements = {
        "String should have at least 1 character": "is required",
        "Field required": "is required",
        "Input should be a valid integer, unable to parse string as an integer": "must be a whole number",
        "Input should be a valid number, unable to parse string as a number": "must be a number",
        "Input should be a valid date or datetime, input is too short": "must be a date YYYY-MM-DD",
    }
    if msg in replacements:
        return replacements[msg]
    if msg.startswith("List should have at least 1 item"):  # a required link (an action's risks)
        return "must name at least one"
    msg = msg.replace("String should have", "must have").replace("Input should be", "must be")
    msg = msg.replace("Value should have", "must have")
    return msg[:1].lower() + msg[1:]


class ConflictError(RegisterError):
    """Someone else saved the record since it was read (optimistic locking)."""

    def __init__(self, kind: str, ref: str, changed_by: str, changed_at: dt.datetime | None):
        self.kind = kind
        self.ref = ref
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = f" at {changed_at:%Y-%m-%d %H:%M} UTC" if changed_at else ""
        super().__init__(
            f"{kind} {ref} was changed by {changed_by or 'another user'}{when} since you opened it"
        )


class NotFound(RegisterError):
    pass


class Cancelled(RegisterError):
    """The user stopped an operation (import, export, briefing pack, a job of the GUI, an
    undo step over another user's change); nothing was written."""
