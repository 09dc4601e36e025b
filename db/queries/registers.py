"""The register tables as pages of rows: sorting, filtering and quick search in SQL.

A register view never loads a whole table.  It asks for one page at a time
(``fetch_page``: one ``SELECT ... ORDER BY ... LIMIT/OFFSET``) and, separately and
later, for the number of matching rows (``count_rows``), so the first rows of a
million-event register are on screen before the count is known.

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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, and_, false, func, literal, or_, select, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session

from db import scoring
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


def _text_condition(session: Session, spec: RegisterSpec, text: str) -> ColumnElement[bool]:
    """Quick search: a ref prefix (through the ref index), else any search column contains it."""
    needle = text.strip()
    if looks_like_ref(needle):
        upper = needle.upper()
        ref_col = spec.table.ref
        # A range, not a LIKE, so the unique index on ref serves it on every backend.
        return and_(ref_col >= upper, ref_col < upper + "\uffff")
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    pattern = _like_pattern(needle)
    parts: list[ColumnElement[bool]] = []
    for col in spec.search:
        # SQLite's LIKE ignores ASCII case already; ILIKE would wrap both sides in lower().
        parts.append(
            col.like(pattern, escape="\\") if is_sqlite else col.ilike(pattern, escape="\\")
        )
    return or_(*parts)


def where_clauses(
    session: Session, spec: RegisterSpec, flt: RegisterFilter | None, bands: Bands = DEFAULT_BANDS
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a filter (base-table columns only: count needs no join)."""
    if flt is None:
        return []
    out: list[ColumnElement[bool]] = []
    if flt.text.strip():
        out.append(_text_condition(session, spec, flt.text))
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
    if sort is not None:
        col = spec.column(sort.key)
        if col.sortable:
            return col
    return spec.column(spec.default_sort[0])


def _order_by(spec: RegisterSpec, sort: RegisterSort | None, *, scan: bool = False) -> list[Any]:
    key, descending = spec.default_sort
    if sort is not None:
        col = spec.column(sort.key)
        if col.sortable:
            key, descending = sort.key, sort.descending
    column = spec.column(key)
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


def page_statement(
    session: Session,
    *,
    kind: str,
    offset: int,
    limit: int,
    sort: RegisterSort | None = None,
    flt: RegisterFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> Any:
    """One page: the ids of the page chosen on the base table alone (filter, order,
    LIMIT/OFFSET), then the display columns joined for those few rows only."""
    spec = spec_for(kind)
    table: Any = spec.table
    sort_col = _sort_column(spec, sort)
    inner = select(table.id).select_from(table)
    if sort_col.joined:
        for target, onclause in spec.joins:
            inner = inner.outerjoin(target, onclause)
    conditions = where_clauses(session, spec, flt, bands)
    if conditions:
        inner = inner.where(*conditions)
    text = flt.text.strip() if flt is not None else ""
    scan = (
        bool(text)
        and not looks_like_ref(text)
        and session.get_bind().dialect.name == "sqlite"
        and not _sort_index_covers_search(spec, sort_col)
    )
    inner = (
        inner.order_by(*_order_by(spec, sort, scan=scan))
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    page = inner.subquery("page")
    stmt = select(table.id, *[c.expr.label(c.key) for c in spec.columns]).select_from(
        page.join(table, table.id == page.c.id)
    )
    for target, onclause in spec.joins:
        stmt = stmt.outerjoin(target, onclause)
    return stmt.order_by(*_order_by(spec, sort))


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
    session: Session,
    *,
    kind: str,
    offset: int,
    limit: int,
    sort: RegisterSort | None = None,
    flt: RegisterFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
    window: int = PROBE_ROWS,
) -> Any:
    """Ids of a quick-search page looked for among the first ``window`` rows of the order.

    The window is a prefix of the whole order (read through the sort index), so when it
    holds ``offset + limit`` matches, those are exactly the page: a common word is found
    in milliseconds without scanning the table.  Fewer matches mean the answer may lie
    further down, and ``fetch_page`` falls back to the scan.
    """
    spec = spec_for(kind)
    table: Any = spec.table
    prefix = select(table.id).order_by(*_order_by(spec, sort)).limit(window).subquery("probe")
    stmt = select(table.id).select_from(prefix.join(table, table.id == prefix.c.id))
    conditions = where_clauses(session, spec, flt, bands)
    if conditions:
        stmt = stmt.where(*conditions)
    return stmt.order_by(*_order_by(spec, sort)).offset(max(0, offset)).limit(max(0, limit))


def _display_statement(spec: RegisterSpec, ids: list[int], sort: RegisterSort | None) -> Any:
    table: Any = spec.table
    stmt = select(table.id, *[c.expr.label(c.key) for c in spec.columns]).select_from(table)
    for target, onclause in spec.joins:
        stmt = stmt.outerjoin(target, onclause)
    return stmt.where(table.id.in_(ids)).order_by(*_order_by(spec, sort))


def fetch_page(
    session: Session,
    *,
    kind: str,
    offset: int,
    limit: int,
    sort: RegisterSort | None = None,
    flt: RegisterFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> list[tuple[Any, ...]]:
    """One page of rows: ``(id, value of each spec column...)``."""
    spec = spec_for(kind)
    text = flt.text.strip() if flt is not None else ""
    probe = (
        bool(text)
        and not looks_like_ref(text)
        and not _sort_column(spec, sort).joined
        and not _sort_index_covers_search(spec, _sort_column(spec, sort))
        and session.get_bind().dialect.name == "sqlite"
        and offset + limit <= PROBE_ROWS // 4
    )
    if probe:
        stmt = probe_statement(
            session, kind=kind, offset=offset, limit=limit, sort=sort, flt=flt, bands=bands
        )
        ids = [int(r[0]) for r in session.execute(stmt)]
        if len(ids) == limit:
            return [tuple(row) for row in session.execute(_display_statement(spec, ids, sort))]
    stmt = page_statement(
        session, kind=kind, offset=offset, limit=limit, sort=sort, flt=flt, bands=bands
    )
    return [tuple(row) for row in session.execute(stmt)]


def count_rows(
    session: Session, *, kind: str, flt: RegisterFilter | None = None, bands: Bands = DEFAULT_BANDS
) -> int:
    spec = spec_for(kind)
    stmt = select(func.count()).select_from(spec.table)
    conditions = where_clauses(session, spec, flt, bands)
    if conditions:
        stmt = stmt.where(*conditions)
    return int(session.execute(stmt).scalar() or 0)


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


@dataclass
class RegisterRowSource:
    """The rows of one register kind, a page at a time, from a fresh short session per call.

    Qt-free: the GUI's windowed table model is fed from it (``count`` and ``fetch``);
    tests and exports use it directly.
    """

    register: Register
    kind: str
    bands_provider: Callable[[], Bands] = field(default=lambda: DEFAULT_BANDS)

    @property
    def spec(self) -> RegisterSpec:
        return spec_for(self.kind)

    @property
    def columns(self) -> tuple[RegisterColumn, ...]:
        return self.spec.columns

    def count(self, flt: RegisterFilter | None = None) -> int:
        with self.register.session() as session:
            return count_rows(session, kind=self.kind, flt=flt, bands=self.bands_provider())

    def fetch(
        self,
        offset: int,
        limit: int,
        sort: RegisterSort | None = None,
        flt: RegisterFilter | None = None,
    ) -> list[tuple[Any, ...]]:
        with self.register.session() as session:
            return fetch_page(
                session,
                kind=self.kind,
                offset=offset,
                limit=limit,
                sort=sort,
                flt=flt,
                bands=self.bands_provider(),
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
        while True:
            rows = self.fetch(offset, batch, sort, flt)
            if not rows:
                return
            yield rows
            if len(rows) < batch:
                return
            offset += len(rows)
