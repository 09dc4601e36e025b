"""Refs and names in an import file, resolved to the records they mean.

* A row's own ``ref``: empty (a new record gets the next ref), a ref in the register
  (that record is updated), a new ref (the record is created under it) or a ref that
  once belonged to a deleted record (refused: refs are never reused).
* Link cells: ``partner``, ``stakeholder``, ``partnership`` and each ``;``-separated
  item of ``risks``, ``partnerships`` and ``stakeholders`` name a record by ref or by
  name (stakeholders and partnerships by name ignoring case, risks by title); an
  event's ``responds_to`` names an event by ref, which may be one this file creates
  (``PENDING_ID`` until it exists).

``Links.cell`` is the one resolver: both validation routes ask it, and it answers
each distinct cell once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlmodel import Session

from db import repository
from db.errors import FieldError
from db.importexport.cells import is_blank, text_value, tokens
from db.importexport.columns import REFS, Column
from db.importexport.reader import Table
from db.kinds import REF_PREFIX
from db.limits import INT32_MAX
from db.queries import importexport as q

# A placeholder id for a link to a record created by this same file: the models only
# check that an id is positive; the real id is filled in once the record exists.
PENDING_ID = 1 << 62
# The ref counter keeps the number after the highest ref in a 32-bit column.
REF_NUMBER_MAX = INT32_MAX - 1


def normal_ref(kind: str, text: str) -> str | None:
    """``"e-12"`` -> ``"E-0012"`` for an event; None when it is not a ref of ``kind``."""
    parsed = repository.parse_ref(text)
    if parsed is None or parsed[0] != REF_PREFIX[kind]:
        return None
    return repository.format_ref(*parsed)


# --------------------------------------------------------------------------- own refs


def _ref_number(ref: str) -> int:
    parsed = repository.parse_ref(ref)
    assert parsed is not None
    return parsed[1]


@dataclass
class OwnRefs:
    """The ``ref`` column of a file, checked against itself and the register."""

    refs: list[str | None]  # per row: its ref (normalised), None when empty or bad
    existing: dict[str, int]  # ref -> id of the register's record (update rows)
    new: set[str]  # refs the file creates records under
    bad_rows: set[int] = field(default_factory=set)  # row numbers with a refused ref
    errors: list[FieldError] = field(default_factory=list)

    def is_new(self, ref: str | None) -> bool:
        return ref is None or ref not in self.existing


def own_refs(session: Session, kind: str, table: Table, index: int | None) -> OwnRefs:
    if index is None:  # no ref column: every row a new record with the next ref
        return OwnRefs([None] * len(table.rows), {}, set())
    refs: list[str | None] = []
    first_row: dict[str, int] = {}
    bad_rows: set[int] = set()
    errors: list[FieldError] = []
    for number, cells in table.rows:
        ref: str | None = None
        if index is not None and index < len(cells) and not is_blank(cells[index]):
            text = text_value(cells[index]).strip()
            ref = normal_ref(kind, text)
            if ref is None:
                example = repository.format_ref(REF_PREFIX[kind], 1)
                article = "an" if kind[0] in "aeiou" else "a"
                reason = f"{text!r} is not {article} {kind} ref (like {example})"
                errors.append(FieldError("ref", reason, number))
                bad_rows.add(number)
            elif _ref_number(ref) > REF_NUMBER_MAX:
                largest = repository.format_ref(REF_PREFIX[kind], REF_NUMBER_MAX)
                errors.append(FieldError("ref", f"{ref} is too large (at most {largest})", number))
                bad_rows.add(number)
                ref = None
            elif ref in first_row:
                errors.append(FieldError("ref", f"{ref} is also on row {first_row[ref]}", number))
                bad_rows.add(number)
            else:
                first_row[ref] = number
        refs.append(ref)
    existing = q.ids_by_ref(session, kind=kind, refs=first_row)
    new = set(first_row) - set(existing)
    for ref in sorted(q.refs_ever_used(session, kind=kind, refs=new)):
        reason = (
            f"{ref} belonged to a deleted {kind} and refs are never reused; "
            "leave ref empty to get a new one"
        )
        errors.append(FieldError("ref", reason, first_row[ref]))
        bad_rows.add(first_row[ref])
    return OwnRefs(refs, existing, new, bad_rows, errors)


# --------------------------------------------------------------------------- link cells


@dataclass(frozen=True, slots=True)
class Resolved:
    """What one link cell names; shared by every row with that cell, so never changed."""

    found: dict[int, str]  # id -> ref of each record it names (PENDING_ID: made by this file)
    errors: tuple[str, ...]  # why a ref or name names no record (one per such item)


class _Targets:
    """Finds the records of one kind that a file names, by ref or by name."""

    def __init__(self, kind: str, in_file: set[str]):
        self.kind = kind
        self.by_ref: dict[str, int] = {}
        self.by_name: dict[str, list[tuple[int, str]]] = {}
        self.in_file = in_file  # refs of records this file creates (events only)

    def prefetch(self, session: Session, names: set[str]) -> None:
        refs = {r for t in names if (r := normal_ref(self.kind, t)) is not None}
        self.by_ref.update(q.ids_by_ref(session, kind=self.kind, refs=refs))
        keys = {t.casefold() for t in names if normal_ref(self.kind, t) not in self.by_ref}
        if not keys:
            pass
        elif self.kind in ("stakeholder", "partnership"):
            found = q.ids_by_name_key(session, kind=self.kind, keys=keys)
            for key, (record_id, ref) in found.items():
                self.by_name[key] = [(record_id, ref)]
        elif self.kind == "risk":
            for record_id, ref, title in q.risk_titles(session):
                key = title.strip().casefold()
                if key in keys:
                    self.by_name.setdefault(key, []).append((record_id, ref))

    def resolve(self, token: str) -> tuple[int, str]:
        """(id, ref) of the record ``token`` names, or ValueError saying why none."""
        ref = normal_ref(self.kind, token)
        if ref is not None:
            if ref in self.by_ref:
                return self.by_ref[ref], ref
            if ref in self.in_file:
                return PENDING_ID, ref
        matches = self.by_name.get(token.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            refs = ", ".join(sorted(r for _, r in matches))
            raise ValueError(f"{token!r} matches {len(matches)} {self.kind}s ({refs}); use the ref")
        how = "ref" if self.kind == "event" else "ref or name"
        raise ValueError(f"no {self.kind} with {how} {token!r}")


class Links:
    """The link columns of one file, with every record they name looked up at once."""

    def __init__(
        self,
        session: Session,
        kind: str,
        table: Table,
        columns: Sequence[tuple[int, Column]],
        new_refs: set[str],
    ):
        self._targets: dict[str, _Targets] = {}
        self._answers: dict[str, dict[str, Resolved | None]] = {}
        self._checked: dict[str, dict[str, Any]] = {}
        all_cells = list(map(itemgetter(1), table.rows))
        narrowest = min(map(len, all_cells), default=0)
        for index, column in columns:
            assert column.target is not None
            targets = _Targets(column.target, new_refs if column.target == kind else set())
            names: set[str] = set()
            distinct = (
                set(map(itemgetter(index), all_cells))
                if index < narrowest
                else {cells[index] for cells in all_cells if index < len(cells)}
            )
            for raw in distinct:
                names.update(tokens(raw, column.type == REFS))
            targets.prefetch(session, names)
            self._targets[column.name] = targets
            self._answers[column.name] = {}

    def checked(self, column: Column) -> dict[str, Any]:
        """Where the validator keeps, for this file, its answer about each distinct
        text cell of ``column`` (a cell's answer depends on the cell alone: what it
        names, and that field's rules), so a file checked part by part looks each
        cell up and checks it once (``db.importexport.offload``)."""
        return self._checked.setdefault(column.name, {})

    def cell(self, column: Column, raw: Any) -> Resolved | None:
        """What ``raw`` in ``column`` names; None for a blank cell (not given)."""
        if raw.__class__ is not str:  # (1, 1.0 and True would share a key)
            return self._resolve(column, raw)
        answers = self._answers[column.name]
        answer = answers.get(raw, answers)
        if answer is answers:
            answer = answers[raw] = self._resolve(column, raw)
        return answer  # type: ignore[return-value]

    def _resolve(self, column: Column, raw: Any) -> Resolved | None:
        items = tokens(raw, column.type == REFS)
        if not items:
            return None
        targets = self._targets[column.name]
        found: dict[int, str] = {}
        errors: list[str] = []
        for token in items:
            try:
                target_id, target_ref = targets.resolve(token)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            found[target_id] = target_ref
        return Resolved(found, tuple(errors))
