"""The register tables as pages of rows: sorting, filtering and quick search in SQL.

A register view never loads a whole table.  It asks for one page at a time
(``fetch_page``: one ``SELECT ... ORDER BY ... LIMIT``) and, separately and later,
for the number of matching rows (``count_rows``; on PostgreSQL ``estimate_rows``
reads the planner's figure meanwhile), so the first rows of a million-event register
are on screen before the count is known.  A page next to one already read is found
by seeking past that page's edge row (keyset paging), and a page in the second half
is read backwards from the end, so no page query skips a million rows with OFFSET.

Refs sort by id (creation order): "E-10000" would sort before "E-9999" as text.
Sorting always ends with the record id, in the same direction as the sort key, so
pages are stable and an index on the sort column (SQLite indexes carry the rowid)
serves the whole ``ORDER BY``.

``RegisterRowSource`` wraps these functions for one kind with one short read
session per call; it is what the GUI's windowed table model is fed from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import Session

from db import interruptible, scoring
from db.classification import LEVELS
from db.enums import (
    ActionStatus,
    EntityKind,
    EventKind,
    PartnershipStatus,
    RiskCategory,
    RiskStatus,
    StakeholderKind,
)
from db.kinds import KINDS
from db.models import Action, ActionRiskLink, Event, Partnership, Risk, Stakeholder
from db.scales import DEFAULT_BANDS, Bands

if TYPE_CHECKING:
    from db.engine import Register

# How a column's values are shown; the GUI maps each to a display rule.
TEXT, REF, DATE, ENUM, INT, NUMBER, STANCE, SENTIMENT, SCORE, LEVEL = (
    "text",
    "ref",
    "date",
    "enum",
    "int",
    "number",
    "stance",
    "sentiment",
    "score",
    "level",
)


@dataclass(frozen=True)
class RegisterColumn:
    key: str
    label: str
    expr: Any  # a SQL column expression
    format: str = TEXT
    sortable: bool = True
    sort_expr: Any = None  # what ORDER BY uses when it is not ``expr``
    joined: bool = False  # the value comes from a joined table (partner's name...)

    @property
    def order_expr(self) -> Any:
        return self.expr if self.sort_expr is None else self.sort_expr


@dataclass(frozen=True)
class ChoiceFilter:
    """A filter on one enum column: the values the user may pick."""

    label: str  # "Kind", "Status", "Category"
    expr: Any
    values: tuple[str, ...]


@dataclass(frozen=True)
class RegisterSpec:
    kind: str
    title: str  # "Events"
    table: Any
    columns: tuple[RegisterColumn, ...]
    joins: tuple[tuple[Any, Any], ...]  # (target, on clause) outer joins for display columns
    search: tuple[Any, ...]  # text columns searched by the quick search
    choice: ChoiceFilter | None = None  # kind / category
    status: ChoiceFilter | None = None
    date: Any = None  # the date column of the date-range filter
    date_label: str = ""
    score: Any = None  # score expression for the band filter (risks)
    default_sort: tuple[str, bool] = ("ref", False)  # (column key, descending)

    def column(self, key: str) -> RegisterColumn:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def column_index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)


@dataclass(frozen=True)
class RegisterFilter:
    """What the user narrowed a register to.  Empty tuples mean "any"."""

    text: str = ""
    choices: tuple[str, ...] = ()  # event kind, stakeholder kind or risk category
    statuses: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    classifications: tuple[str, ...] = ()
    # What a dashboard figure counts (the register shows them when the figure is clicked):
    adverse: bool = False  # events: db.scoring's "adverse" rule
    residual_bands: tuple[str, ...] = ()  # risks: band of the residual score (or inherent)
    created_from: dt.date | None = None  # risks: created on or after this day (UTC)
    created_to: dt.date | None = None  # ... and on or before this one

    def is_empty(self) -> bool:
        return self == RegisterFilter()


@dataclass(frozen=True)
class RegisterSort:
    key: str
    descending: bool = False


# --------------------------------------------------------------------------- specs


def _choices(label: str, expr: Any, values: type[StrEnum]) -> ChoiceFilter:
    return ChoiceFilter(label, expr, tuple(e.value for e in values))


def _register(
    kind: EntityKind,
    table: Any,
    columns: tuple[RegisterColumn, ...],
    *,
    level_sortable: bool = True,
    **rest: Any,
) -> RegisterSpec:
    """A register: its ref first (sorted by id, creation order), the kind's own
    columns, its classification last."""
    rest.setdefault("joins", ())
    return RegisterSpec(
        kind=kind.value,
        title=KINDS[kind].plural_label,
        table=table,
        columns=(
            RegisterColumn("ref", "Ref", table.ref, REF, sort_expr=table.id),
            *columns,
            RegisterColumn(
                "classification",
                "Classification",
                table.classification,
                LEVEL,
                sortable=level_sortable,
            ),
        ),
        **rest,
    )


def _owned_register(
    kind: EntityKind,
    table: Any,
    name: RegisterColumn,
    columns: tuple[RegisterColumn, ...],
    *,
    statuses: type[StrEnum],
    **rest: Any,
) -> RegisterSpec:
    """A register of owned work (risks, actions, partnerships): named or titled first,
    searched by that name and by owner, filtered by status."""
    return _register(
        kind,
        table,
        (name, *columns),
        search=(name.expr, table.owner),
        status=_choices("Status", table.status, statuses),
        **rest,
    )


def _specs() -> dict[str, RegisterSpec]:
    partner = aliased(Stakeholder, name="partner")
    ev_stakeholder = aliased(Stakeholder, name="ev_stakeholder")
    ev_partnership = aliased(Partnership, name="ev_partnership")
    t_ev: Any = Event
    t_r: Any = Risk
    t_p: Any = Partnership
    t_s: Any = Stakeholder
    t_a: Any = Action
    t_ar: Any = ActionRiskLink
    # The refs of an action's risks in one cell (a correlated subquery: no join rows).
    action_risks = (
        select(func.aggregate_strings(t_r.ref, ", "))
        .select_from(t_ar)
        .join(t_r, t_r.id == t_ar.risk_id)
        .where(t_ar.action_id == t_a.id)
        .scalar_subquery()
    )
    score = scoring.score_sql(*scoring.risk_cell_sql(t_r, residual=False))
    residual = scoring.score_sql(*scoring.risk_cell_sql(t_r, residual=True))
    specs = (
        _register(
            EntityKind.event,
            t_ev,
            (
                RegisterColumn("occurred_on", "Date", t_ev.occurred_on, DATE),
                RegisterColumn("title", "Title", t_ev.title),
                RegisterColumn("kind", "Kind", t_ev.kind, ENUM),
                RegisterColumn(
                    "stakeholder", "Stakeholder", ev_stakeholder.name, sortable=False, joined=True
                ),
                RegisterColumn(
                    "partnership", "Partnership", ev_partnership.name, sortable=False, joined=True
                ),
                RegisterColumn("severity", "Severity", t_ev.severity, INT),
                RegisterColumn("sentiment", "Sentiment", t_ev.sentiment, SENTIMENT, sortable=False),
                RegisterColumn("channel", "Channel", t_ev.channel, ENUM, sortable=False),
            ),
            level_sortable=False,
            joins=(
                (ev_stakeholder, ev_stakeholder.id == t_ev.stakeholder_id),
                (ev_partnership, ev_partnership.id == t_ev.partnership_id),
            ),
            search=(t_ev.title,),
            choice=_choices("Kind", t_ev.kind, EventKind),
            date=t_ev.occurred_on,
            date_label="Occurred",
            default_sort=("occurred_on", True),
        ),
        _owned_register(
            EntityKind.risk,
            t_r,
            RegisterColumn("title", "Title", t_r.title),
            (
                RegisterColumn("category", "Category", t_r.category, ENUM),
                RegisterColumn("likelihood", "Likelihood", t_r.likelihood, INT),
                RegisterColumn("impact", "Impact", t_r.impact, INT),
                RegisterColumn("score", "Score", score, SCORE),
                RegisterColumn("residual_score", "Residual", residual, SCORE),
                RegisterColumn("status", "Status", t_r.status, ENUM),
                RegisterColumn("owner", "Owner", t_r.owner),
                RegisterColumn("review_due", "Review due", t_r.review_due, DATE),
            ),
            statuses=RiskStatus,
            choice=_choices("Category", t_r.category, RiskCategory),
            date=t_r.review_due,
            date_label="Review due",
            score=score,
            default_sort=("score", True),
        ),
        _owned_register(
            EntityKind.partnership,
            t_p,
            RegisterColumn("name", "Name", t_p.name),
            (
                RegisterColumn("partner", "Partner", partner.name, joined=True),
                RegisterColumn("status", "Status", t_p.status, ENUM),
                RegisterColumn("network", "Network", t_p.network, ENUM),
                RegisterColumn("announced_on", "Announced", t_p.announced_on, DATE),
                RegisterColumn("ended_on", "Ended", t_p.ended_on, DATE),
                RegisterColumn("owner", "Owner", t_p.owner),
            ),
            statuses=PartnershipStatus,
            joins=((partner, partner.id == t_p.partner_id),),
            date=t_p.announced_on,
            date_label="Announced",
            default_sort=("ref", False),
        ),
        _register(
            EntityKind.stakeholder,
            t_s,
            (
                RegisterColumn("name", "Name", t_s.name),
                RegisterColumn("kind", "Kind", t_s.kind, ENUM),
                RegisterColumn("influence", "Influence", t_s.influence, INT),
                RegisterColumn("interest", "Interest", t_s.interest, INT),
                RegisterColumn("stance", "Stance", t_s.stance, STANCE),
                RegisterColumn("relationship_owner", "Relationship owner", t_s.relationship_owner),
            ),
            search=(t_s.name, t_s.relationship_owner),
            choice=_choices("Kind", t_s.kind, StakeholderKind),
            default_sort=("ref", False),
        ),
        _owned_register(
            EntityKind.action,
            t_a,
            RegisterColumn("title", "Title", t_a.title),
            (
                RegisterColumn("risks", "Risks", action_risks, sortable=False),
                RegisterColumn("owner", "Owner", t_a.owner),
                RegisterColumn("due_on", "Due", t_a.due_on, DATE),
                RegisterColumn("status", "Status", t_a.status, ENUM),
                RegisterColumn("expected_likelihood", "Expected L", t_a.expected_likelihood, INT),
                RegisterColumn("expected_impact", "Expected I", t_a.expected_impact, INT),
            ),
            statuses=ActionStatus,
            date=t_a.due_on,
            date_label="Due",
            default_sort=("due_on", False),
        ),
    )
    return {spec.kind: spec for spec in specs}


SPECS: dict[str, RegisterSpec] = _specs()
CLASSIFICATION_VALUES: tuple[str, ...] = tuple(level.value for level in LEVELS)
KIND_ORDER: tuple[str, ...] = ("risk", "event", "partnership", "stakeholder", "action")


def spec_for(kind: str) -> RegisterSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown register kind {kind!r}") from None


# --------------------------------------------------------------------------- SQL


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


REF_LIKE = re.compile(r"^[A-Za-z]-\d*$")


def looks_like_ref(text: str) -> bool:
    """``E-00``, ``r-12``: the quick search then means "refs starting with this"."""
    return bool(REF_LIKE.match(text.strip()))


def _text_condition(sqlite: bool, spec: RegisterSpec, text: str) -> ColumnElement[bool]:
    """Quick search: a ref prefix (through the ref index), else any search column contains it."""
    needle = text.strip()
    if looks_like_ref(needle):
        upper = needle.upper()
        ref_col = spec.table.ref
        # A range, not a LIKE, so the unique index on ref serves it on every backend.
        return and_(ref_col >= upper, ref_col < upper + "\uffff")
    pattern = _like_pattern(needle)
    parts: list[ColumnElement[bool]] = []
    for col in spec.search:
        # SQLite's LIKE ignores ASCII case already; ILIKE would wrap both sides in lower().
        parts.append(col.like(pattern, escape="\\") if sqlite else col.ilike(pattern, escape="\\"))
    return or_(*parts)


def where_clauses(
    session: Session, spec: RegisterSpec, flt: RegisterFilter | None, bands: Bands = DEFAULT_BANDS
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a filter (base-table columns only: count needs no join)."""
    return _conditions(session.get_bind().dialect.name == "sqlite", spec, flt, bands)


def _conditions(
    sqlite: bool, spec: RegisterSpec, flt: RegisterFilter | None, bands: Bands
) -> list[ColumnElement[bool]]:
    if flt is None:
        return []
    out: list[ColumnElement[bool]] = []
    if flt.text.strip():
        out.append(_text_condition(sqlite, spec, flt.text))
    if flt.choices and spec.choice is not None:
        out.append(spec.choice.expr.in_(list(flt.choices)))
    if flt.statuses and spec.status is not None:
        out.append(spec.status.expr.in_(list(flt.statuses)))
    if flt.bands and spec.score is not None:
        ranges = [(lo, hi) for name, lo, hi in bands.ranges() if name in flt.bands]
        out.append(or_(*[spec.score.between(lo, hi) for lo, hi in ranges]) if ranges else false())
    if spec.date is not None:
        if flt.date_from is not None:
            out.append(spec.date >= flt.date_from)
        if flt.date_to is not None:
            out.append(spec.date <= flt.date_to)
    if flt.classifications:
        out.append(spec.table.classification.in_(list(flt.classifications)))
    out += _figure_clauses(spec, flt, bands)
    return out


def _figure_clauses(
    spec: RegisterSpec, flt: RegisterFilter, bands: Bands
) -> list[ColumnElement[bool]]:
    """The conditions behind a dashboard figure, by the rules of ``db.scoring``."""
    table: Any = spec.table
    out: list[ColumnElement[bool]] = []
    if flt.adverse and spec.kind == "event":
        out.append(scoring.adverse_sql(table.sentiment, table.kind))
    if spec.kind == "risk":
        if flt.residual_bands:
            residual = scoring.residual_score_sql(
                table.likelihood, table.impact, table.residual_likelihood, table.residual_impact
            )
            ranges = [(lo, hi) for name, lo, hi in bands.ranges() if name in flt.residual_bands]
            out.append(or_(*[residual.between(lo, hi) for lo, hi in ranges]) if ranges else false())
        if flt.created_from is not None:
            start = dt.datetime.combine(flt.created_from, dt.time.min, tzinfo=dt.UTC)
            out.append(table.created_at >= start)
        if flt.created_to is not None:
            after = flt.created_to + dt.timedelta(days=1)
            out.append(table.created_at < dt.datetime.combine(after, dt.time.min, tzinfo=dt.UTC))
    return out


def _without_index(expr: Any, fmt: str) -> Any:
    """The same ordering, but an expression SQLite cannot serve from an index."""
    if fmt in (INT, NUMBER, SCORE, STANCE, SENTIMENT, REF):
        return expr + 0
    return type_coerce(expr, String).concat("")


def _sort_index_covers_search(spec: RegisterSpec, column: RegisterColumn) -> bool:
    """True when the quick search looks only at the sort column itself (events sorted
    by title): walking that column's index then tests each row in the index entry,
    with no table read, which beats any scan whether matches are common or rare."""
    return (
        column.sort_expr is None
        and bool(spec.search)
        and all(c is column.expr for c in spec.search)
    )


def _sort_column(spec: RegisterSpec, sort: RegisterSort | None) -> RegisterColumn:
    return spec.column(effective_sort(spec, sort).key)


def effective_sort(spec: RegisterSpec, sort: RegisterSort | None) -> RegisterSort:
    """The order the rows are really in: ``sort`` when its column is sortable, else the
    register's default order."""
    if sort is not None and spec.column(sort.key).sortable:
        return sort
    key, descending = spec.default_sort
    return RegisterSort(key, descending)


def _order_by(spec: RegisterSpec, sort: RegisterSort | None, *, scan: bool = False) -> list[Any]:
    chosen = effective_sort(spec, sort)
    descending = chosen.descending
    column = spec.column(chosen.key)
    expr = column.order_expr
    tie = spec.table.id
    if scan:
        # A quick search may match few rows.  Walking the sort index then costs one
        # random table read per row (seconds on a million rows when matches are rare);
        # one sequential scan with a top-N sort costs the same whatever the matches.
        expr = _without_index(expr, REF if column.sort_expr is not None else column.format)
        tie = tie + 0
    if descending:
        return [expr.desc(), tie.desc()]
    return [expr.asc(), tie.asc()]


def _may_be_null(column: RegisterColumn) -> bool:
    """False only for a plain NOT NULL column of the record table itself."""
    columns = getattr(getattr(column.order_expr, "property", None), "columns", None)
    if column.joined or not columns:
        return True
    return bool(columns[0].nullable)


# The shapes of a seek past the last row of the page before (keyset paging).
AFTER_ID, AFTER_NULL, AFTER_VALUE = "id", "null", "value"


def _after_shape(
    spec: RegisterSpec, sort: RegisterSort | None, row: Sequence[Any]
) -> tuple[str, dict[str, Any]]:
    """Which seek ``row`` (``(id, value of each column...)``, as a page returns it)
    needs, and its bound values."""
    column = spec.column(effective_sort(spec, sort).key)
    params: dict[str, Any] = {"after_id": int(row[0])}
    if column.sort_expr is not None:  # refs: the order is the id's
        return AFTER_ID, params
    value = row[1 + spec.column_index(column.key)]
    if value is None:
        return AFTER_NULL, params
    params["after_value"] = value
    return AFTER_VALUE, params


def _after_clause(
    sqlite: bool, spec: RegisterSpec, sort: RegisterSort | None, shape: str
) -> ColumnElement[bool]:
    """The rows after a given one in the register's order: the seek of keyset paging.

    The order is (sort value, id), both the same way, so "after" is one row-value
    comparison, which the sort index serves.  NULL sort values come first ascending on
    SQLite and last ascending on PostgreSQL (and the other way descending): the
    condition follows the backend's own rule, so a seek gives exactly the rows an
    OFFSET would.  Values are bound (``after_id``, ``after_value``).
    """
    chosen = effective_sort(spec, sort)
    column = spec.column(chosen.key)
    tie: Any = spec.table.id
    last_id = bindparam("after_id", type_=tie.type)

    def beyond(left: Any, right: Any) -> ColumnElement[bool]:
        return left < right if chosen.descending else left > right  # type: ignore[no-any-return]

    if shape == AFTER_ID:
        return beyond(tie, last_id)
    expr = column.order_expr
    nulls_first = sqlite != chosen.descending
    if shape == AFTER_NULL:
        among_nulls = and_(expr.is_(None), beyond(tie, last_id))
        return or_(among_nulls, expr.is_not(None)) if nulls_first else among_nulls
    seek = beyond(tuple_(expr, tie), tuple_(bindparam("after_value", type_=expr.type), last_id))
    if not nulls_first and _may_be_null(column):
        return or_(seek, expr.is_(None))
    return seek


@dataclass(frozen=True)
class _Shape:
    """What decides the SQL of a page; the rest (limit, offset, seek values) is bound."""

    sqlite: bool
    kind: str
    sort: RegisterSort | None
    flt: RegisterFilter | None
    bands: Bands
    after: str | None  # AFTER_ID, AFTER_NULL, AFTER_VALUE or None
    skip: bool  # OFFSET rows (no seek)


def _scan(shape: _Shape) -> bool:
    """Order by expressions no index serves, so the planner finds the matches first?"""
    text = shape.flt.text.strip() if shape.flt is not None else ""
    if not text or looks_like_ref(text):
        return False
    # PostgreSQL reads the table row of every index entry it walks, so a quick search
    # always scans there (through the trigram index, which finds the matches).
    spec = spec_for(shape.kind)
    return not (shape.sqlite and _sort_index_covers_search(spec, _sort_column(spec, shape.sort)))


@lru_cache(maxsize=256)
def _page_sql(shape: _Shape) -> Any:
    """The page statement of a shape, built once: rebuilding it (and SQLAlchemy's cache
    key of a fresh statement) cost more than the database's own work on a page."""
    spec = spec_for(shape.kind)
    table: Any = spec.table
    sort = shape.sort
    conditions = _conditions(shape.sqlite, spec, shape.flt, shape.bands)
    if shape.after is not None:
        conditions.append(_after_clause(shape.sqlite, spec, sort, shape.after))
    scan = _scan(shape)
    order = _order_by(spec, sort, scan=scan)
    # Rendered into the SQL at execution: the planner then knows how few rows are
    # wanted, and the driver's prepared statement keeps one plan for every page.
    limit = bindparam("page_limit", type_=Integer, literal_execute=True)
    if not shape.skip and not scan and not (shape.sqlite and shape.flt is not None):
        # No rows to skip, read in index order: the page in one SELECT, the shape of a
        # hand-written query (the planner joins the display tables for the page's rows
        # only).  A filter on SQLite is tested faster on the ids' index alone, before
        # any join.  A quick search on PostgreSQL sorts its matches instead, and the
        # planner would join every match before that sort (a fifth of the time of a
        # search matching 200,000 of a million rows): there the page's ids come first.
        flat = select(table.id, *[c.expr.label(c.key) for c in spec.columns]).select_from(table)
        for target, onclause in spec.joins:
            flat = flat.outerjoin(target, onclause)
        if conditions:
            flat = flat.where(*conditions)
        return flat.order_by(*order).limit(limit)
    inner = select(table.id).select_from(table)
    if _sort_column(spec, sort).joined:
        for target, onclause in spec.joins:
            inner = inner.outerjoin(target, onclause)
    if conditions:
        inner = inner.where(*conditions)
    inner = inner.order_by(*order).limit(limit)
    if shape.skip:
        inner = inner.offset(bindparam("page_offset", type_=Integer, literal_execute=True))
    page = inner.subquery("page")
    stmt = select(table.id, *[c.expr.label(c.key) for c in spec.columns]).select_from(
        page.join(table, table.id == page.c.id)
    )
    for target, onclause in spec.joins:
        stmt = stmt.outerjoin(target, onclause)
    return stmt.order_by(*_order_by(spec, sort))


def _on_sqlite(db: Session | Connection) -> bool:
    """Is ``db`` (a session, or a bare connection: the register's page reads) SQLite?"""
    dialect = db.dialect if isinstance(db, Connection) else db.get_bind().dialect
    return bool(dialect.name == "sqlite")


def _page_query(
    session: Session | Connection,
    *,
    kind: str,
    offset: int,
    limit: int,
    sort: RegisterSort | None,
    flt: RegisterFilter | None,
    bands: Bands,
    after: Sequence[Any] | None,
) -> tuple[Any, dict[str, Any]]:
    spec = spec_for(kind)
    params: dict[str, Any] = {"page_limit": max(0, limit)}
    after_shape = None
    if after is not None:
        after_shape, seek = _after_shape(spec, sort, after)
        params.update(seek)
    skip = after is None and offset > 0
    if skip:
        params["page_offset"] = offset
    sqlite = _on_sqlite(session)
    flt = None if flt is None or flt.is_empty() else flt
    return _page_sql(_Shape(sqlite, kind, sort, flt, bands, after_shape, skip)), params


def page_statement(
    session: Session,
    *,
    kind: str,
    offset: int,
    limit: int,
    sort: RegisterSort | None = None,
    flt: RegisterFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
    after: Sequence[Any] | None = None,
) -> Any:
    """One page: the ids of the page chosen on the base table alone (filter, order,
    LIMIT/OFFSET, or the rows after ``after``), then the display columns joined for
    those few rows only (on PostgreSQL without rows to skip, one plain SELECT)."""
    stmt, params = _page_query(
        session, kind=kind, offset=offset, limit=limit, sort=sort, flt=flt, bands=bands, after=after
    )
    return stmt.params(**params)


def shown_ids(
    session: Session,
    *,
    kind: str,
    sort: RegisterSort | None = None,
    flt: RegisterFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> list[int]:
    """The ids of every matching row in the order the register shows them (one query)."""
    spec = spec_for(kind)
    table: Any = spec.table
    stmt = select(table.id).select_from(table)
    if _sort_column(spec, sort).joined:
        for target, onclause in spec.joins:
            stmt = stmt.outerjoin(target, onclause)
    conditions = where_clauses(session, spec, flt, bands)
    if conditions:
        stmt = stmt.where(*conditions)
    return [int(i) for i in session.execute(stmt.order_by(*_order_by(spec, sort))).scalars()]


PROBE_ROWS = 10_000  # how far down the sort order a quick search looks before scanning


def probe_statement(
    session: Session | Connection,
    *,
    kind: str,
    offset: int,
    limit: int,
    sort: RegisterSort | None = None,
    flt: RegisterFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
    window: int = PROBE_ROWS,
    after: Sequence[Any] | None = None,
) -> Any:
    """Ids of a quick-search page looked for among the first ``window`` rows of the order
    (after the row ``after``, when given).

    The window is a prefix of the whole order (read through the sort index), so when it
    holds ``offset + limit`` matches, those are exactly the page: a common word is found
    in milliseconds without scanning the table.  Fewer matches mean the answer may lie
    further down, and ``fetch_page`` falls back to the scan.
    """
    spec = spec_for(kind)
    table: Any = spec.table
    sqlite = _on_sqlite(session)
    conditions = _conditions(sqlite, spec, flt, bands)
    order = _order_by(spec, sort)
    # SQLite joins the window back to the table row by row; PostgreSQL would rather
    # find every match of the filter first and join those to the window (a bitmap
    # scan over the whole table: seconds), so there the window carries the columns
    # the filter and the order need, and nothing is joined.
    columns = [table.id] if sqlite else _columns_of(table, [*conditions, *order])
    first = select(*columns)
    seek: dict[str, Any] = {}
    if after is not None:
        shape, seek = _after_shape(spec, sort, after)
        first = first.where(_after_clause(sqlite, spec, sort, shape))
    prefix = first.order_by(*order).limit(window).subquery("probe")
    if sqlite:
        stmt = select(table.id).select_from(prefix.join(table, table.id == prefix.c.id))
    else:
        adapter = ClauseAdapter(prefix)
        conditions = [adapter.traverse(c) for c in conditions]
        order = [adapter.traverse(o) for o in order]
        stmt = select(prefix.c.id)
    if conditions:
        stmt = stmt.where(*conditions)
    stmt = stmt.order_by(*order).offset(max(0, offset)).limit(max(0, limit))
    return stmt.params(**seek) if seek else stmt


def _columns_of(table: Any, clauses: list[Any]) -> list[Any]:
    """The id and every column of ``table`` that ``clauses`` read, once each."""
    base = table.__table__
    seen = {"id": base.c.id}
    for clause in clauses:
        for element in visitors.iterate(clause):
            if isinstance(element, Column) and element.table is base:
                seen.setdefault(element.key, base.c[element.key])
    return list(seen.values())


def _display_statement(spec: RegisterSpec, ids: list[int], sort: RegisterSort | None) -> Any:
    table: Any = spec.table
    stmt = select(table.id, *[c.expr.label(c.key) for c in spec.columns]).select_from(table)
    for target, onclause in spec.joins:
        stmt = stmt.outerjoin(target, onclause)
    return stmt.where(table.id.in_(ids)).order_by(*_order_by(spec, sort))


def _backwards(
    offset: int,
    limit: int,
    total: int | None,
    after: Sequence[Any] | None,
    before: Sequence[Any] | None,
) -> tuple[int, int, Sequence[Any] | None] | None:
    """``(offset, limit, seek)`` of a page read in the reversed order, when that is the
    cheaper way: the rows just before ``before`` (a seek past it, backwards), or, the
    total known, a page nearer the end than the start.  None: read it forwards."""
    if after is not None:
        return None
    if before is not None:
        return 0, limit, before
    if total is None or offset <= 0:
        return None
    rest = total - offset  # this page's rows and all after them
    if rest - limit >= offset:
        return None  # nearer the start
    if rest <= limit:
        return 0, max(0, rest), None  # the last page, or past the end
    return rest - limit, limit, None


def fetch_page(
    session: Session | Connection,
    *,
    kind: str,
    offset: int,
    limit: int,
    sort: RegisterSort | None = None,
    flt: RegisterFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
    after: Sequence[Any] | None = None,
    total: int | None = None,
    before: Sequence[Any] | None = None,
) -> list[tuple[Any, ...]]:
    """One page of rows: ``(id, value of each spec column...)``.

    ``after``: the last row of the page before (as this returned it): the page is
    then read by seeking past it (keyset paging), not by skipping ``offset`` rows,
    which on a million rows means reading them all.  ``total``: the exact number of
    matching rows; a page nearer the end than the start is then read backwards from
    the end, so the last page costs what the first does.  ``before``: the first row
    of the page after; the page is the ``limit`` rows just before it (a seek too).
    """
    spec = spec_for(kind)
    backwards = _backwards(offset, limit, total, after, before)
    if backwards is not None:  # the same rows, read in the reversed order
        back_offset, back_limit, seek = backwards
        if back_limit <= 0:
            return []
        chosen = effective_sort(spec, sort)
        rows = fetch_page(
            session,
            kind=kind,
            offset=back_offset,
            limit=back_limit,
            sort=RegisterSort(chosen.key, not chosen.descending),
            flt=flt,
            bands=bands,
            after=seek,
        )
        rows.reverse()
        return rows
    if after is not None:
        offset = 0
    text = flt.text.strip() if flt is not None else ""
    sqlite = _on_sqlite(session)
    probe = (
        bool(text)
        and not looks_like_ref(text)
        and not _sort_column(spec, sort).joined
        and not (sqlite and _sort_index_covers_search(spec, _sort_column(spec, sort)))
        and offset + limit <= PROBE_ROWS // 4
    )
    # Core: the rows are plain tuples, no ORM layer
    connection = session if isinstance(session, Connection) else session.connection()
    # the page asked for, as the probe and the scan both take it
    page: dict[str, Any] = {
        "kind": kind,
        "offset": offset,
        "limit": limit,
        "sort": sort,
        "flt": flt,
        "bands": bands,
        "after": after,
    }
    if probe:
        ids = [int(r[0]) for r in connection.execute(probe_statement(session, **page))]
        if len(ids) == limit:
            shown = connection.execute(_display_statement(spec, ids, sort))
            return [tuple(row) for row in shown.fetchall()]
    stmt, params = _page_query(session, **page)
    return [tuple(row) for row in connection.execute(stmt, params).fetchall()]


def count_rows(
    session: Session, *, kind: str, flt: RegisterFilter | None = None, bands: Bands = DEFAULT_BANDS
) -> int:
    spec = spec_for(kind)
    stmt = select(func.count()).select_from(spec.table)
    conditions = where_clauses(session, spec, flt, bands)
    if conditions:
        stmt = stmt.where(*conditions)
    return int(session.execute(stmt).scalar() or 0)


def estimate_rows(session: Session, *, kind: str, flt: RegisterFilter | None = None) -> int | None:
    """A quick estimate of the number of rows, where one is cheap; None where not.

    PostgreSQL, no filter: the table's row count as the planner knows it
    (``pg_class.reltuples``, kept by autovacuum and ``ANALYZE``), a catalogue read
    instead of a scan of every row.  Where row-level security binds the reader, the
    planner's estimate for the policy-filtered table instead (``EXPLAIN``): the whole
    table's figure would count rows the reader may not see.  SQLite, a filter, or a
    table never analysed: None (the exact count follows anyway).
    """
    if (flt is not None and not flt.is_empty()) or session.get_bind().dialect.name != "postgresql":
        return None
    from sqlalchemy import text

    name = str(spec_for(kind).table.__tablename__)
    bound = session.execute(
        text("SELECT row_security_active(CAST(:t AS regclass))"), {"t": name}
    ).scalar()
    if bound:
        quoted = session.get_bind().dialect.identifier_preparer.quote(name)
        explain = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {quoted}"  # noqa: S608 - a table of SPECS
        plan = session.execute(text(explain)).scalar()
        plans: Any = plan
        value = plans[0]["Plan"]["Plan Rows"] if plans else None
    else:
        value = session.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": name}
        ).scalar()
    if value is None or float(value) < 0:  # -1: never vacuumed nor analysed
        return None
    return int(round(float(value)))


def describe_rows(session: Session, *, kind: str, ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """``(id, ref, title or name)`` of some records, for confirmations ("delete E-0001 ...")."""
    spec = spec_for(kind)
    table: Any = spec.table
    label_col = table.title if hasattr(table, "title") else table.name
    out: list[tuple[int, str, str]] = []
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        stmt = select(table.id, table.ref, label_col).where(table.id.in_(chunk)).order_by(table.ref)
        out.extend((int(r[0]), str(r[1]), str(r[2])) for r in session.execute(stmt))
    return out


def answering_events(session: Session, *, ids: Sequence[int]) -> list[tuple[str, str, str]]:
    """``(ref, title, ref answered)`` of the events that respond to one of ``ids`` and are
    not among them: a delete of ``ids`` leaves them answering nothing."""
    event: Any = Event
    answered: Any = aliased(Event, name="answered")
    id_list = list(ids)
    deleted = set(id_list)
    out: list[tuple[str, str, str]] = []
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        stmt = (
            select(event.id, event.ref, event.title, answered.ref)
            .join(answered, answered.id == event.responds_to_id)
            .where(event.responds_to_id.in_(chunk))
        )
        out.extend(
            (str(r[1]), str(r[2]), str(r[3])) for r in session.execute(stmt) if r[0] not in deleted
        )
    return sorted(out)


def register_is_empty(session: Session) -> bool:
    """True when the register holds no record of any kind (the first-run welcome)."""
    for kind in KIND_ORDER:
        table: Any = spec_for(kind).table
        if session.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
            return False
    return True


# --------------------------------------------------------------------------- row source


def _watched(token: interruptible.Interruptible | None, reader: Session | Connection) -> Any:
    return nullcontext() if token is None else token.watching(reader)


@dataclass
class RegisterRowSource:
    """The rows of one register kind, a page at a time, from a fresh short session per call.

    Qt-free: the GUI's windowed table model is fed from it (``count`` and ``fetch``);
    tests and exports use it directly.
    """

    register: Register
    kind: str
    bands_provider: Callable[[], Bands] = field(default=lambda: DEFAULT_BANDS)
    # id(engine) -> (engine, its read-statement variant)
    _autocommit: dict[int, tuple[Any, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _read_engine(self) -> Any:
        """The engine for single read statements.  On PostgreSQL in autocommit: a
        single SELECT sees one snapshot anyway, and no BEGIN and ROLLBACK round trips
        are added to the page query (on a busy server each costs a scheduling slice).
        On SQLite likewise without BEGIN: a statement outside a transaction reads a
        snapshot of its own."""
        engine = (
            self.register.engine
            if interruptible.current() is None
            else self.register.background_engine  # a background count: a pool of its own
        )
        cached = self._autocommit.get(id(engine))
        if cached is None or cached[0] is not engine:
            options: dict[str, Any] = (
                {"sqlite_begin": "NONE"}
                if self.register.is_sqlite
                else {"isolation_level": "AUTOCOMMIT"}
            )
            cached = self._autocommit[id(engine)] = (engine, engine.execution_options(**options))
        return cached[1]

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        """A session for one read-only statement (``_read_engine``).  A background
        count's (``db.interruptible.current()``) is watched: the user may interrupt it."""
        with (
            Session(self._read_engine(), expire_on_commit=False) as session,
            _watched(interruptible.current(), session),
        ):
            yield session

    @contextmanager
    def _page_reading(self) -> Iterator[Connection]:
        """A bare connection for one page: a page is read many times a second while
        scrolling, and an ORM session's set-up and tear-down cost a third of the
        page's own SQL work on SQLite."""
        with (
            self._read_engine().connect() as connection,
            _watched(interruptible.current(), connection),
        ):
            yield connection

    @property
    def spec(self) -> RegisterSpec:
        return spec_for(self.kind)

    @property
    def columns(self) -> tuple[RegisterColumn, ...]:
        return self.spec.columns

    def count(self, flt: RegisterFilter | None = None) -> int:
        with self._reading() as session:
            return count_rows(session, kind=self.kind, flt=flt, bands=self.bands_provider())

    def estimate(self, flt: RegisterFilter | None = None) -> int | None:
        """A cheap estimate of ``count(flt)`` where the backend has one (``estimate_rows``)."""
        if flt is not None and not flt.is_empty():
            return None
        with self._reading() as session:
            return estimate_rows(session, kind=self.kind, flt=flt)

    def fetch(
        self,
        offset: int,
        limit: int,
        sort: RegisterSort | None = None,
        flt: RegisterFilter | None = None,
        *,
        after: Sequence[Any] | None = None,
        total: int | None = None,
        before: Sequence[Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Rows ``offset`` to ``offset + limit``; ``after`` (the row before ``offset``),
        ``before`` (the row after the page) and ``total`` (the exact count) let the
        database seek instead of skipping rows (``fetch_page``)."""
        with self._page_reading() as connection:
            return fetch_page(
                connection,
                kind=self.kind,
                offset=offset,
                limit=limit,
                sort=sort,
                flt=flt,
                bands=self.bands_provider(),
                after=after,
                total=total,
                before=before,
            )

    def shown_ids(
        self, sort: RegisterSort | None = None, flt: RegisterFilter | None = None
    ) -> list[int]:
        with self.register.session() as session:
            return shown_ids(
                session, kind=self.kind, sort=sort, flt=flt, bands=self.bands_provider()
            )

    def iter_rows(
        self, sort: RegisterSort | None = None, flt: RegisterFilter | None = None, batch: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Every matching row, a batch at a time (export of the rows shown)."""
        offset = 0
        last: tuple[Any, ...] | None = None
        while True:
            rows = self.fetch(offset, batch, sort, flt, after=last)
            if not rows:
                return
            yield rows
            if len(rows) < batch:
                return
            offset += len(rows)
            last = rows[-1]
