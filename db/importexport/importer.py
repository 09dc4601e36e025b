"""Importing stakeholders, partnerships, risks or events from a CSV or XLSX file.

All or nothing.  Every row is validated first, through the kind's ``*Create`` model
(or, for a row whose ``ref`` is already in the register, its ``*Update`` model and
the whole record re-checked); every bad row is collected as ``row N: field: reason``
(the header is row 1) and if there is any, nothing is written and ``ValidationFailed``
lists them all.  The writing happens in one transaction, so a crash or a cancel
half-way leaves the register as it was.

Cells
    Text cells lose the apostrophe that export puts in front of formula-like text
    (see ``db.importexport.neutralise``).  Enum columns take the value or its label
    in any case (``Defence body``); ``classification`` takes a level in any case;
    ``stance`` also takes Hostile/Critical/Neutral/Supportive/Champion and the
    likelihood/impact columns the scale labels (Rare .. Almost certain, Minimal ..
    Severe).  Dates are ``YYYY-MM-DD`` (or a date cell in XLSX).  An empty cell means
    "not given": on a new record the default applies (and a required field is
    reported missing); on an update an optional field is cleared, a field with a
    default is left as it is.

Refs
    No ``ref``: a new record with the next ref.  A ref already in the register:
    that record is updated (through ``db.repository.update``, audited as an
    update).  A new ref: the record is created under it, and refs handed out
    afterwards continue after it.  A ref that once belonged to a deleted record is
    refused, since refs are never reused.

Links
    ``partner``, ``stakeholder``, ``partnership`` and each ``;``-separated item of
    ``risks``, ``partnerships`` and ``stakeholders`` name a record by ref or by name
    (stakeholders and partnerships by name ignoring case, risks by title); an event's
    ``responds_to`` names an event by ref, which may be an event created further up
    or down in the same file.

The pipeline
    ``reader`` (the file into rows of cells) -> ``cells`` (header and cell values)
    -> ``links`` (own refs and link cells resolved, each distinct cell once) ->
    ``validate`` (the one validator: the models' rules, column by column for new
    records with the model itself as the reference and for every other row) ->
    ``write`` (one transaction; audit text from ``db.audit``).  ``plan`` holds what
    passes between validating and writing.  On SQLite a large file of new records
    is validated and built batch by batch in a forked child while this process
    writes (``offload``: the same checks, errors and rows, in the same one
    transaction).
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from db.bulk import collector_paused
from db.engine import Register
from db.importexport import offload, streamed
from db.importexport.cells import map_header
from db.importexport.columns import OWN_REF, normalise_kind
from db.importexport.links import Links, own_refs
from db.importexport.plan import ImportResult, Plan, Resolved
from db.importexport.progress import Cancel, Progress, Ticker
from db.importexport.reader import Table, read_table
from db.importexport.validate import validate
from db.importexport.write import write

__all__ = ["ImportResult", "import_file", "import_table", "prepare", "resolve", "write"]


def resolve(session: Session, kind: str, table: Table) -> Resolved:
    """The file's header mapped, its own refs checked and its link cells looked up."""
    columns = map_header(kind, table.header, table.rows)
    own_index = next((i for i, c in columns if c.type == OWN_REF), None)
    own = own_refs(session, kind, table, own_index)
    links = Links(session, kind, table, [(i, c) for i, c in columns if c.is_link], own.new)
    return Resolved(kind, table, columns, own, links)


def prepare(
    session: Session,
    kind: str,
    table: Table,
    ticker: Ticker | None = None,
    *,
    column_wise: bool = True,
    resolved: Resolved | None = None,
) -> Plan:
    """Every row of ``table`` read, resolved and validated: the plan of what to write,
    or ValidationFailed listing every bad row.  ``column_wise=False`` validates every
    row through the model (the reference the column-wise route is proved against)."""
    r = resolved or resolve(session, kind, table)
    return validate(
        session, kind, table, r.columns, r.own, r.links, ticker, column_wise=column_wise
    )


def import_table(
    register: Register,
    kind: str,
    table: Table,
    *,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    kind = normalise_kind(kind)
    total = len(table.rows) * (1 if dry_run else 2)
    ticker = Ticker(total, progress, cancel, "import")
    if dry_run:
        with register.session() as session, collector_paused():
            plan = prepare(session, kind, table, ticker)
        ticker.finish()
        return ImportResult(
            kind,
            created=len(plan.creates),
            updated=len(plan.updates),
            unchanged=len(plan.unchanged),
            dry_run=True,
            created_refs=[r.ref for r in plan.creates if r.ref],
            updated_refs=[r.ref for r in plan.updates if r.ref],
        )
    with register.write() as session, collector_paused():
        resolved = resolve(session, kind, table)
        # a large file of new records: checked and built in a second process (SQLite),
        # or checked batch by batch while the server writes the batch before (PostgreSQL)
        offloaded = offload.import_new(
            session, resolved, actor=actor, ticker=ticker
        ) or streamed.import_new(session, resolved, actor=actor, ticker=ticker)
        if offloaded is not None:
            result = offloaded
        else:
            plan = prepare(session, kind, table, ticker, resolved=resolved)
            ticker.check()
            result = write(session, plan, actor=actor, ticker=ticker)
        ticker.check()  # a cancel now still rolls everything back
    ticker.finish()
    return result


def import_file(
    register: Register,
    kind: str,
    path: str | Path,
    *,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    """Import ``path`` (.csv or .xlsx) into ``register`` as records of ``kind``.

    ``kind`` is singular or plural (``"event"`` / ``"events"``).  Raises
    ``ValidationFailed`` listing every bad row (nothing written), ``Cancelled`` when
    ``cancel()`` returned True (nothing written) or ``RegisterError`` for a file that
    cannot be read.
    """
    kind = normalise_kind(kind)
    with collector_paused():
        table = read_table(path, cancel=cancel)
        return import_table(
            register, kind, table, actor=actor, dry_run=dry_run, progress=progress, cancel=cancel
        )
