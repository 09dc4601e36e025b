"""The likelihood x impact risk matrix: now, as of a past date, and what moved.

* The current matrix is one aggregated query (``GROUP BY`` likelihood, impact) when
  only counts are wanted, or one query for the points of every cell.
* "As of" a date reads each risk's title, scores, status, classification, category,
  owner and partnerships as they were at the end of that date (UTC) from the
  risk-state history, which equals the audit trail's replay (see
  :mod:`desktop.services.history`), then applies the same filters.  Counts only
  (``with_points=False``) are one ``GROUP BY`` over that history in the database
  (``db.risk_states.cell_counts_at``: the filters of ``_past_refs`` in SQL) unless an
  owner or partnership filter needs the states themselves.
* In the residual matrix a risk without residual scores sits at its inherent cell.
* Closed risks are left out unless the filter asks for them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from sqlmodel import Session

from db import risk_states, scoring
from db.queries import analysis as q
from db.scoring import BAND_NAMES, DEFAULT_BANDS, Bands
from desktop.services import history
from desktop.services.filters import NO_FILTER, RecordFilter

CELLS: tuple[tuple[int, int], ...] = tuple((lk, im) for lk in range(1, 6) for im in range(1, 6))


@dataclass(frozen=True)
class RiskPoint:
    """One risk in a cell.  ``id`` is None for a risk that has since been deleted."""

    id: int | None
    ref: str
    title: str
    classification: str
    likelihood: int
    impact: int
    score: int
    band: str
    status: str
    # In the residual matrix: no residual scores recorded, so it sits at its inherent cell.
    inherent_used: bool = False


@dataclass(frozen=True)
class MatrixCell:
    likelihood: int
    impact: int
    score: int
    band: str
    count: int
    points: tuple[RiskPoint, ...] = ()

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(p.ref for p in self.points)


@dataclass(frozen=True)
class RiskMatrix:
    """25 cells (likelihood 1-5 x impact 1-5), counts, points and totals by band."""

    residual: bool
    as_of: dt.date | None
    bands: Bands
    cells: tuple[MatrixCell, ...]
    totals_by_band: dict[str, int] = field(default_factory=dict)
    total: int = 0
    with_points: bool = True

    def cell(self, likelihood: int, impact: int) -> MatrixCell:
        if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
            raise ValueError("likelihood and impact run from 1 to 5")
        return self.cells[(likelihood - 1) * 5 + (impact - 1)]

    def count(self, likelihood: int, impact: int) -> int:
        return self.cell(likelihood, impact).count

    def counts(self) -> list[list[int]]:
        """``counts()[likelihood - 1][impact - 1]``."""
        return [[self.cell(lk, im).count for im in range(1, 6)] for lk in range(1, 6)]

    def points(self) -> list[RiskPoint]:
        return [p for c in self.cells for p in c.points]

    def classifications(self) -> set[str]:
        """Levels of the risks shown (for a banner: the highest level actually included)."""
        return {p.classification for p in self.points()}


@dataclass(frozen=True)
class Movement:
    """How one risk moved between two dates.

    ``from_cell``/``to_cell`` are (likelihood, impact); None when the risk was not in
    the matrix at that date.  ``direction`` compares scores when both sides exist
    ("same" otherwise).  ``appeared``: in the later matrix only (new, reopened or newly
    matching the filter).  ``closed``: in the earlier matrix only because it was
    closed by the later date.  ``removed``: in the earlier matrix only for another
    reason (deleted, or no longer matching the filter)."""

    id: int | None
    ref: str
    title: str
    classification: str
    from_cell: tuple[int, int] | None
    to_cell: tuple[int, int] | None
    from_score: int | None
    to_score: int | None
    from_band: str | None
    to_band: str | None
    direction: str
    appeared: bool = False
    closed: bool = False
    removed: bool = False

    @property
    def moved(self) -> bool:
        return (
            self.from_cell is not None
            and self.to_cell is not None
            and self.from_cell != self.to_cell
        )


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class RiskSnapshot:
    """A risk's matrix-relevant values at one moment (internal, but plain data)."""

    id: int | None
    ref: str
    title: str
    classification: str
    status: str
    likelihood: int
    impact: int
    residual_likelihood: int | None
    residual_impact: int | None
    category: str | None = None
    owner: str | None = None

    def cell(self, residual: bool) -> tuple[int, int]:
        return scoring.cell(
            self.likelihood,
            self.impact,
            self.residual_likelihood,
            self.residual_impact,
            residual=residual,
        )

    def score(self, residual: bool) -> int:
        return scoring.score(*self.cell(residual))


# (id, ref, title, classification, status, likelihood, impact, residual_l, residual_i,
#  category, owner): one risk at one moment, as a plain tuple (cheap at 100,000 risks).
RiskRow = tuple[Any, ...]


def _needs(
    filters: RecordFilter, *, residual: bool | None = None, titles: bool = True
) -> list[str]:
    """Fields a replay must follow: the scores of the matrix asked for (``residual``
    None: both), status and classification, titles for points, and filtered fields."""
    fields = ["classification", "status", "likelihood", "impact"]
    if residual is None or residual:
        fields += ["residual_likelihood", "residual_impact"]
    if titles:
        fields.append("title")
    if filters.categories:
        fields.append("category")
    if filters.owners:
        fields.append("owner")
    if filters.partnership_ids:
        fields.append("partnerships")
    return fields


def _past_refs(
    table: history.StateTable, filters: RecordFilter, wanted: set[str] | None
) -> list[str]:
    """Refs of the replayed risks that pass ``filters`` (the Python twin of
    ``q.risk_conditions``); risks with an incomplete history are left out."""
    cols = table.values
    status = cols["status"]
    refs = [ref for ref in table if ref in cols["likelihood"] and ref in cols["impact"]]
    statuses = set(filters.statuses or ())
    if statuses:
        refs = [ref for ref in refs if (status.get(ref) or "open") in statuses]
    if not filters.criteria().closed_wanted():
        refs = [ref for ref, st in zip(refs, map(status.get, refs), strict=True) if st != q.CLOSED]
    if filters.categories:
        categories, category = set(filters.categories), cols["category"]
        refs = [ref for ref in refs if category.get(ref) in categories]
    if filters.owners:
        owners, owner = {o.strip().lower() for o in filters.owners}, cols["owner"]
        refs = [ref for ref in refs if (owner.get(ref) or "").strip().lower() in owners]
    if wanted is not None:
        links = cols["partnerships"]
        refs = [ref for ref in refs if wanted.intersection(links.get(ref) or ())]
    return refs


def _past_rows(
    table: history.StateTable, refs: list[str], ids: dict[str, int] | None
) -> list[RiskRow]:
    cols = table.values
    title, level, status = cols.get("title", {}), cols["classification"], cols["status"]
    lk, im = cols["likelihood"], cols["impact"]
    rl, ri = cols.get("residual_likelihood", {}), cols.get("residual_impact", {})
    category, owner = cols.get("category", {}), cols.get("owner", {})
    get_id = ids.get if ids is not None else (lambda _ref: None)
    return [
        (
            get_id(ref),
            ref,
            title.get(ref) or "",
            level.get(ref) or "",
            status.get(ref) or "open",
            lk[ref],
            im[ref],
            rl.get(ref),
            ri.get(ref),
            category.get(ref),
            owner.get(ref),
        )
        for ref in refs
    ]


def _past_counts(
    table: history.StateTable, refs: list[str], residual: bool
) -> dict[tuple[int, int], int]:
    """Risks per cell, counted without building a row per risk."""
    cols = table.values
    ls = list(map(cols["likelihood"].__getitem__, refs))
    is_ = list(map(cols["impact"].__getitem__, refs))
    if residual:
        rls = map(cols["residual_likelihood"].get, refs)
        ris = map(cols["residual_impact"].get, refs)
        pairs = map(scoring.residual_cell, ls, is_, rls, ris)
        return dict(Counter(pairs))
    return dict(Counter(zip(ls, is_, strict=True)))


def rows_on(
    session: Session,
    *,
    days: Iterable[dt.date | None],
    filters: RecordFilter | None = None,
    with_ids: bool = True,
    residual: bool | None = None,
) -> list[list[RiskRow]]:
    """For each day (None or from today on = now), the risks in the matrix under
    ``filters`` at the end of that day (UTC) as plain tuples (see ``RiskRow``).

    ``with_ids=False`` (counts only) leaves out the ids and the titles of replayed risks
    (their title changes are not read); ``residual`` False/True reads only the inherent
    or residual score changes of the past (None: both)."""
    moments = [None if d is None or history.is_current(d) else history.end_of_day(d) for d in days]
    return rows_at(session, moments=moments, filters=filters, with_ids=with_ids, residual=residual)


def rows_at(
    session: Session,
    *,
    moments: Iterable[dt.datetime | None],
    filters: RecordFilter | None = None,
    with_ids: bool = True,
    residual: bool | None = None,
) -> list[list[RiskRow]]:
    """As ``rows_on``, just before each instant (None = now): the entries written
    before it replayed (``history.states_at``), so a record made later that same day
    is not there yet."""
    filters = filters or NO_FILTER
    cutoffs = list(moments)
    levels = filters.levels
    out: list[list[RiskRow] | None] = [None] * len(cutoffs)
    past = [k for k, c in enumerate(cutoffs) if c is not None]
    if len(past) < len(cutoffs):
        now = [
            (
                r.id,
                r.ref,
                r.title,
                r.classification,
                r.status,
                r.likelihood,
                r.impact,
                r.residual_likelihood,
                r.residual_impact,
                r.category,
                r.owner,
            )
            for r in q.risk_rows(session, criteria=filters.criteria())
        ]
        for k, c in enumerate(cutoffs):
            if c is None:
                out[k] = now
    if past:
        wanted: set[str] | None = None
        if filters.partnership_ids:
            wanted = set(
                q.partnership_refs_for(session, ids=filters.partnership_ids, levels=levels)
            )
        tables = history.states_at(
            session,
            kind="risk",
            cutoffs=[c for c in cutoffs if c is not None],
            fields=_needs(filters, residual=residual),
            levels=levels,
            read=_needs(filters, residual=residual, titles=with_ids),
        )
        ids = q.ids_by_ref(session, kind="risk", levels=levels) if with_ids else None
        for k, table in zip(past, tables, strict=True):
            out[k] = _past_rows(table, _past_refs(table, filters, wanted), ids)
    return [o or [] for o in out]


def _past_tables(
    session: Session, *, day: dt.date, filters: RecordFilter, residual: bool | None
) -> tuple[history.StateTable, list[str]]:
    """One replayed day for counts only: the state and the refs in the matrix."""
    wanted: set[str] | None = None
    if filters.partnership_ids:
        wanted = set(
            q.partnership_refs_for(session, ids=filters.partnership_ids, levels=filters.levels)
        )
    (table,) = history.states_at(
        session,
        kind="risk",
        cutoffs=[history.end_of_day(day)],
        fields=_needs(filters, residual=residual, titles=False),
        levels=filters.levels,
    )
    return table, _past_refs(table, filters, wanted)


def _counted_at(
    session: Session, *, day: dt.date, filters: RecordFilter, residual: bool | None
) -> list[tuple[Any, ...]] | None:
    """The past matrix counted by the database (``risk_states.cell_counts_at``), the
    same risks ``_past_refs`` keeps; None when a filter (owners, partnerships) needs
    the states themselves."""
    c = filters.criteria()
    if c.owners or c.partnership_ids:
        return None
    return risk_states.cell_counts_at(
        session,
        cutoff=history.end_of_day(day),
        levels=c.levels,
        statuses=c.statuses,
        closed_wanted=c.closed_wanted(),
        categories=c.categories,
        residual=residual,
    )


def _past_cell_counts(
    session: Session, *, day: dt.date, filters: RecordFilter, residual: bool
) -> dict[tuple[int, int], int]:
    """Risks per cell of the past inherent or residual matrix."""
    counted = _counted_at(session, day=day, filters=filters, residual=residual)
    if counted is not None:
        return {(lk, im): n for lk, im, n in counted}
    table, refs = _past_tables(session, day=day, filters=filters, residual=residual)
    return _past_counts(table, refs, residual)


def _snapshot(row: RiskRow) -> RiskSnapshot:
    return RiskSnapshot(*row)


def snapshots_on(
    session: Session, *, days: Iterable[dt.date | None], filters: RecordFilter | None = None
) -> list[dict[str, RiskSnapshot]]:
    """For each day (None = now), the risks in the matrix under ``filters``, by ref."""
    return [
        {row[1]: _snapshot(row) for row in rows}
        for rows in rows_on(session, days=days, filters=filters)
    ]


def snapshots_at(
    session: Session, *, moments: Iterable[dt.datetime | None], filters: RecordFilter | None = None
) -> list[dict[str, RiskSnapshot]]:
    """For each instant (None = now), the risks in the matrix under ``filters``, by ref."""
    return [
        {row[1]: _snapshot(row) for row in rows}
        for rows in rows_at(session, moments=moments, filters=filters)
    ]


def _cell_of(row: RiskRow, residual: bool) -> tuple[int, int]:
    return scoring.cell(row[5], row[6], row[7], row[8], residual=residual)


# --------------------------------------------------------------------------- matrix


def _bands_of_cells(bands: Bands) -> dict[tuple[int, int], str]:
    return {cell: scoring.band_for(*cell, bands) for cell in CELLS}


def _build(
    counts: dict[tuple[int, int], int],
    points: dict[tuple[int, int], list[RiskPoint]] | None,
    *,
    residual: bool,
    as_of: dt.date | None,
    bands: Bands,
    presorted: bool = False,
) -> RiskMatrix:
    cells = []
    by_ref = attrgetter("ref")
    totals = dict.fromkeys(BAND_NAMES, 0)
    for lk, im in CELLS:
        score = scoring.score(lk, im)
        band = scoring.band(score, bands)
        n = counts.get((lk, im), 0)
        totals[band] += n
        pts: tuple[RiskPoint, ...] = ()
        if points is not None:
            found = points.get((lk, im), ())
            pts = tuple(found) if presorted else tuple(sorted(found, key=by_ref))
        cells.append(MatrixCell(lk, im, score, band, n, pts))
    return RiskMatrix(
        residual=residual,
        as_of=as_of,
        bands=bands,
        cells=tuple(cells),
        totals_by_band=totals,
        total=sum(totals.values()),
        with_points=points is not None,
    )


def _from_rows(
    rows: list[RiskRow], *, residual: bool, as_of: dt.date | None, bands: Bands, with_points: bool
) -> RiskMatrix:
    counts: dict[tuple[int, int], int] = {}
    points: dict[tuple[int, int], list[RiskPoint]] = {}
    band_of = _bands_of_cells(bands)
    for row in rows:
        cell = _cell_of(row, residual)
        counts[cell] = counts.get(cell, 0) + 1
        if with_points:
            lk, im = cell
            points.setdefault(cell, []).append(
                RiskPoint(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    lk,
                    im,
                    scoring.score(lk, im),
                    band_of[cell],
                    row[4],
                    residual and not scoring.has_residual(row[7], row[8]),
                )
            )
    return _build(
        counts, points if with_points else None, residual=residual, as_of=as_of, bands=bands
    )


def risk_matrix(
    session: Session,
    *,
    residual: bool = False,
    filters: RecordFilter | None = None,
    as_of: dt.date | None = None,
    bands: Bands = DEFAULT_BANDS,
    with_points: bool = True,
) -> RiskMatrix:
    """The 5x5 matrix.  ``with_points=False`` gives counts only (one GROUP BY)."""
    filters = filters or NO_FILTER
    if history.is_current(as_of):
        criteria = filters.criteria()
        if not with_points:
            counts = {
                (lk, im): n
                for lk, im, n in q.risk_cell_counts(session, criteria=criteria, residual=residual)
            }
            return _build(counts, None, residual=residual, as_of=as_of, bands=bands)
        points: dict[tuple[int, int], list[RiskPoint]] = {cell: [] for cell in CELLS}
        band_of = _bands_of_cells(bands)
        for rid, ref, title, level, status, lk, im, rl, ri in q.risk_point_rows(
            session, criteria=criteria, residual=residual
        ):
            cell = (lk, im)
            fallback = residual and not scoring.has_residual(rl, ri)
            points[cell].append(
                RiskPoint(
                    rid,
                    ref,
                    title,
                    level,
                    lk,
                    im,
                    scoring.score(lk, im),
                    band_of[cell],
                    status,
                    fallback,
                )
            )
        counts = {cell: len(pts) for cell, pts in points.items()}
        return _build(counts, points, residual=residual, as_of=as_of, bands=bands, presorted=True)
    if not with_points:
        assert as_of is not None
        counts = _past_cell_counts(session, day=as_of, filters=filters, residual=residual)
        return _build(counts, None, residual=residual, as_of=as_of, bands=bands)
    (rows,) = rows_on(
        session, days=[as_of], filters=filters, with_ids=with_points, residual=residual
    )
    return _from_rows(rows, residual=residual, as_of=as_of, bands=bands, with_points=with_points)


def risk_matrices(
    session: Session,
    *,
    filters: RecordFilter | None = None,
    as_of: dt.date | None = None,
    bands: Bands = DEFAULT_BANDS,
    with_points: bool = True,
) -> tuple[RiskMatrix, RiskMatrix]:
    """(inherent, residual) side by side; an as-of date is replayed only once."""
    if history.is_current(as_of):
        return (
            risk_matrix(
                session,
                residual=False,
                filters=filters,
                as_of=as_of,
                bands=bands,
                with_points=with_points,
            ),
            risk_matrix(
                session,
                residual=True,
                filters=filters,
                as_of=as_of,
                bands=bands,
                with_points=with_points,
            ),
        )
    if not with_points:
        assert as_of is not None
        filters = filters or NO_FILTER
        counted = _counted_at(session, day=as_of, filters=filters, residual=None)
        if counted is not None:
            inherent: Counter[tuple[int, int]] = Counter()
            left: Counter[tuple[int, int]] = Counter()
            for lk, im, rl, ri, n in counted:
                inherent[(lk, im)] += n
                left[scoring.residual_cell(lk, im, rl, ri)] += n
            return (
                _build(dict(inherent), None, residual=False, as_of=as_of, bands=bands),
                _build(dict(left), None, residual=True, as_of=as_of, bands=bands),
            )
        table, refs = _past_tables(session, day=as_of, filters=filters, residual=None)
        return (
            _build(
                _past_counts(table, refs, False), None, residual=False, as_of=as_of, bands=bands
            ),
            _build(_past_counts(table, refs, True), None, residual=True, as_of=as_of, bands=bands),
        )
    (rows,) = rows_on(session, days=[as_of], filters=filters, with_ids=with_points)
    return (
        _from_rows(rows, residual=False, as_of=as_of, bands=bands, with_points=with_points),
        _from_rows(rows, residual=True, as_of=as_of, bands=bands, with_points=with_points),
    )


# --------------------------------------------------------------------------- movement


def direction(before: int | None, after: int | None) -> str:
    """ "up", "down" or "same" (also when either score is unknown)."""
    if before is None or after is None or before == after:
        return "same"
    return "up" if after > before else "down"


def trend(before: int | None, after: int) -> str:
    """A risk's trend since an earlier moment: "new" when it did not exist then."""
    return "new" if before is None else direction(before, after)


def movements(
    before: dict[str, RiskSnapshot],
    after: dict[str, RiskSnapshot],
    *,
    residual: bool,
    filters: RecordFilter,
    bands: Bands = DEFAULT_BANDS,
) -> list[Movement]:
    """Compare two snapshots taken with closed risks included (``snapshots_on`` with
    ``filters.with_(include_closed=True, statuses=None)``), judging presence in the
    matrix by ``filters``."""
    closed_ok = filters.criteria().closed_wanted()
    statuses = set(filters.statuses or ())

    def shown(snap: RiskSnapshot | None) -> bool:
        if snap is None:
            return False
        if statuses and snap.status not in statuses:
            return False
        return snap.status != q.CLOSED or closed_ok

    out: list[Movement] = []
    for ref in sorted(set(before) | set(after)):
        a, b = before.get(ref), after.get(ref)
        a_in, b_in = shown(a), shown(b)
        if not a_in and not b_in:
            continue
        a_cell = a.cell(residual) if a_in and a is not None else None
        b_cell = b.cell(residual) if b_in and b is not None else None
        a_score = scoring.score(*a_cell) if a_cell else None
        b_score = scoring.score(*b_cell) if b_cell else None
        latest = b if b is not None else a
        assert latest is not None
        out.append(
            Movement(
                id=latest.id,
                ref=ref,
                title=latest.title,
                classification=latest.classification,
                from_cell=a_cell,
                to_cell=b_cell,
                from_score=a_score,
                to_score=b_score,
                from_band=scoring.band(a_score, bands) if a_score else None,
                to_band=scoring.band(b_score, bands) if b_score else None,
                direction=direction(a_score, b_score),
                appeared=not a_in and b_in,
                closed=a_in and not b_in and b is not None and b.status == q.CLOSED,
                removed=a_in and not b_in and (b is None or b.status != q.CLOSED),
            )
        )

    def order(m: Movement) -> tuple[int, int, str]:
        if m.appeared:
            return (0, 0, m.ref)
        if m.closed or m.removed:
            return (2, 0, m.ref)
        return (1, -((m.to_score or 0) - (m.from_score or 0)), m.ref)

    out.sort(key=order)
    return out


def risk_movement(
    session: Session,
    *,
    since: dt.date,
    until: dt.date | None = None,
    residual: bool = False,
    filters: RecordFilter | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> list[Movement]:
    """Every risk in the matrix at the end of ``since`` or at ``until`` (None: now; both
    days included, end of day UTC), with its cell at each date.  Sorted: appeared
    first, then the biggest rises, ..., then those that left (closed or removed)."""
    filters = filters or NO_FILTER
    wide = filters.with_(include_closed=True, statuses=None)
    before, after = snapshots_on(session, days=[since, until], filters=wide)
    return movements(before, after, residual=residual, filters=filters, bands=bands)


# --------------------------------------------------------------------------- trend


@dataclass(frozen=True)
class Trend:
    """A risk's residual score now against an earlier moment (a previous pack)."""

    direction: str  # "new", "up", "down" or "same"
    previous_score: int | None  # None for a new risk
    score: int


def residual_trends(
    session: Session, *, since: dt.datetime, filters: RecordFilter | None = None
) -> dict[str, Trend]:
    """The trend of every risk that exists now (closed ones included), by ref, since
    the instant ``since``: "new" when the risk did not exist then (or was above the
    ceiling), else its residual score then and now compared.

    Only the ceiling of ``filters`` applies: whether a risk matched the other filters
    then (a partnership it was linked to later, a status) does not make it new."""
    wide = RecordFilter(ceiling=(filters or NO_FILTER).ceiling, include_closed=True)
    before, after = snapshots_at(session, moments=[since, None], filters=wide)
    out: dict[str, Trend] = {}
    for ref, snap in after.items():
        old = before.get(ref)
        previous = old.score(True) if old is not None else None
        now = snap.score(True)
        out[ref] = Trend(trend(previous, now), previous, now)
    return out
