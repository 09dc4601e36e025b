"""What an import will do: the validated rows, sorted into creates, updates and rows
that change nothing, and what it did (``ImportResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from db.importexport.columns import Column, count_noun

if TYPE_CHECKING:
    from db.importexport.links import Links, OwnRefs
    from db.importexport.reader import Table


@dataclass(slots=True)
class Row:
    """One valid row of the file."""

    number: int  # as a spreadsheet numbers it (the header is row 1)
    ref: str | None  # its own ref (normalised); None: a new record gets the next one
    record_id: int | None = None  # the record an update row changes
    values: dict[str, Any] = field(default_factory=dict)  # the model's field values
    link_refs: dict[str, Any] = field(default_factory=dict)  # export name -> ref / sorted refs
    pending: dict[str, str] = field(default_factory=dict)  # field -> ref created by this file
    changed: bool = True


@dataclass
class Resolved:
    """A file read and looked up, before its rows are checked: its columns (cell
    index, column), its own refs and its link cells resolved."""

    kind: str
    table: Table
    columns: list[tuple[int, Column]]
    own: OwnRefs
    links: Links


@dataclass
class Plan:
    kind: str
    creates: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    unchanged: list[Row] = field(default_factory=list)


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    created_refs: list[str] = field(default_factory=list)
    updated_refs: list[str] = field(default_factory=list)
    # ref -> {field: value before the import} of each updated record (links as id lists),
    # what an undo of the import puts back.
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        detail = f"{self.created:,} new, {self.updated:,} updated"
        if self.unchanged:
            detail += f", {self.unchanged:,} unchanged"
        if self.dry_run:
            return f"dry run: {count_noun(self.kind, self.rows)} valid ({detail}); nothing written"
        return f"imported {count_noun(self.kind, self.rows)} ({detail})"
