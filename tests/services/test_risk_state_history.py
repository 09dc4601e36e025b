"""The risk-state history (``db.risk_states``) answers exactly as the audit replay does.

Histories are written through the repository (every path that writes audit entries
feeds the history in the same transaction): creates, score, status, classification and
link edits, deletes and restores, several writes at one instant, and writes stamped
*earlier* than the risk's last change (a replayed history), which make the history of
that risk be rebuilt.  Each is then read "as of" every instant it was written at and
the instants either side (``at < cutoff`` is the rule), at every ceiling, through the
table and through both replay directions.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import db.audit
import db.repository
from db import repository as repo
from db import risk_states
from db.classification import LEVELS
from db.engine import open_register
from db.models import AuditEntry, PartnershipCreate, RiskCreate, RiskState, RiskUpdate
from desktop.services import history
from desktop.services import matrix as matrix_service
from desktop.services.filters import RecordFilter
from tests.services.conftest import Clock

ACTOR = "tester"
FIELDS = list(risk_states.FIELDS)
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
CEILINGS: list[tuple[str, ...] | None] = [None] + [
    tuple(LEVELS[: k + 1]) for k in range(len(LEVELS))
]

CATEGORIES = ["reputational", "operational", "legal_regulatory"]

step = st.one_of(
    st.tuples(st.just("create"), st.integers(1, 5), st.integers(1, 5)),
    st.tuples(st.just("score"), st.integers(0, 9), st.integers(1, 5)),
    st.tuples(st.just("residual"), st.integers(0, 9), st.integers(1, 5)),
    st.tuples(st.just("level"), st.integers(0, 9), st.integers(0, len(LEVELS) - 1)),
    st.tuples(st.just("status"), st.integers(0, 9), st.sampled_from(["open", "closed"])),
    st.tuples(st.just("link"), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("category"), st.integers(0, 9), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("delete"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("restore"), st.integers(0, 9), st.just(0)),
    # Time moves on, stays (several writes at one instant) or goes back (a replayed history).
    st.tuples(st.just("clock"), st.integers(-3, 6), st.just(0)),
)


def _states(s: Any, cutoffs: list[dt.datetime], levels: Any, method: str) -> list[dict]:
    tables = history.states_at(
        s, kind="risk", cutoffs=cutoffs, fields=FIELDS, levels=levels, method=method
    )
    return [{ref: rec for ref, rec in t.items()} for t in tables]


def _play(reg: Any, clock: Clock, steps: list[tuple[str, int, Any]]) -> list[dt.datetime]:
    """Write the history; the instants it was written at."""
    written: list[dt.datetime] = []
    live: list[int] = []
    gone: list[dict[str, Any]] = []
    with reg.write() as s:
        owner = repo.create(
            s, "stakeholder", db.models.StakeholderCreate(name="Owner"), actor=ACTOR
        )
        partners = [
            repo.create(
                s, "partnership", PartnershipCreate(name=f"P{k}", partner_id=owner.id), actor=ACTOR
            ).id
            for k in range(3)
        ]
    for name, pick, value in steps:
        if name == "clock":
            clock.now += dt.timedelta(hours=pick)
            continue
        written.append(clock.now)
        with reg.write() as s:
            if name == "create":
                live.append(
                    repo.create(
                        s,
                        "risk",
                        RiskCreate(title="Risk", likelihood=pick, impact=value),
                        actor=ACTOR,
                    ).id
                )
            elif name == "restore" and gone:
                snap = gone.pop(pick % len(gone))
                live.append(repo.restore(s, "risk", snap, actor=ACTOR).id)
            elif live and name != "restore":
                rid = live[pick % len(live)]
                if name == "delete":
                    gone.append(repo.snapshot(s, "risk", rid))
                    repo.delete(s, "risk", rid, actor=ACTOR)
                    live.remove(rid)
                    continue
                if name == "score":
                    change: dict[str, Any] = {"impact": value}
                elif name == "residual":
                    change = {"residual_likelihood": value, "residual_impact": 6 - value}
                elif name == "level":
                    change = {"classification": LEVELS[value]}
                elif name == "status":
                    change = {"status": value}
                elif name == "category":
                    change = {"category": value}
                else:
                    change = {"partnership_ids": [partners[value]]}
                repo.update(s, "risk", rid, RiskUpdate(**change), actor=ACTOR)
    return written


def _cutoffs(written: list[dt.datetime]) -> list[dt.datetime]:
    tick = dt.timedelta(microseconds=1)
    moments = {START - dt.timedelta(days=1), START + dt.timedelta(days=30)}
    for at in written:
        moments.update({at - tick, at, at + tick})
    return sorted(moments)


def _written_out_of_turn(s: Any) -> bool:
    """Whether, read in time order, some risk has a change while it does not exist or
    is made while it exists: only a back-dated write can do that."""
    rows = s.execute(
        select(AuditEntry.entity_ref, AuditEntry.action)
        .where(AuditEntry.entity_kind == "risk")
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    exists: set[str] = set()
    for ref, action in rows:
        if (action in ("create", "restore")) == (ref in exists):
            return True
        if action in ("create", "restore"):
            exists.add(ref)
        elif action == "delete":
            exists.discard(ref)
    return False


def _without_links(states: list[dict]) -> list[dict]:
    return [
        {ref: {k: v for k, v in rec.items() if k != "partnerships"} for ref, rec in st.items()}
        for st in states
    ]


# The filters the database counts itself (``risk_states.cell_counts_at``): each status
# choice, closed risks in or out, a category the risks have and one they have not.
COUNTED_FILTERS = [
    RecordFilter(),
    RecordFilter(include_closed=True),
    RecordFilter(statuses=("open",)),
    RecordFilter(statuses=("closed",)),
    RecordFilter(statuses=("open", "closed")),
    RecordFilter(categories=("operational",)),
    RecordFilter(categories=("reputational", "operational"), include_closed=True),
]


def _replayed_counts(
    s: Any, cutoff: dt.datetime, filters: RecordFilter, residual: bool | None
) -> Counter[tuple[Any, ...]]:
    """The counts of the matrix at ``cutoff`` by the Python rule (``_past_refs``) over
    the forward replay of the audit trail."""
    (table,) = history.states_at(
        s, kind="risk", cutoffs=[cutoff], fields=FIELDS, levels=filters.levels, method="forward"
    )
    refs = matrix_service._past_refs(table, filters, None)
    cols = table.values
    if residual is None:
        keys = ("likelihood", "impact", "residual_likelihood", "residual_impact")
        return Counter(tuple(cols[k].get(ref) for k in keys) for ref in refs)
    return Counter(matrix_service._past_counts(table, refs, residual))


def _counted(
    s: Any, cutoff: dt.datetime, filters: RecordFilter, residual: bool | None
) -> Counter[tuple[Any, ...]]:
    c = filters.criteria()
    rows = risk_states.cell_counts_at(
        s,
        cutoff=cutoff,
        levels=c.levels,
        statuses=c.statuses,
        closed_wanted=c.closed_wanted(),
        categories=c.categories,
        residual=residual,
    )
    assert all(row[-1] > 0 for row in rows)
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def _check_counts(s: Any, cutoffs: list[dt.datetime], *, every: bool) -> None:
    """The matrix counted by the database equals the replay's, for every instant and
    ceiling, and every counted filter and matrix (inherent, residual, both) - or, with
    ``every`` False, one of them in turn per instant (the property test's many runs
    cover the rest)."""
    combos = [(f, r) for f in COUNTED_FILTERS for r in (False, True, None)]
    for k, cutoff in enumerate(cutoffs):
        chosen = combos if every else [combos[k % len(combos)]]
        for ceiling in (None, *LEVELS):
            for base, residual in chosen:
                filters = base.with_(ceiling=ceiling)
                expected = _replayed_counts(s, cutoff, filters, residual)
                assert _counted(s, cutoff, filters, residual) == expected, (
                    cutoff,
                    filters,
                    residual,
                )


def _check(reg: Any, written: list[dt.datetime], *, every_count: bool = False) -> None:
    cutoffs = _cutoffs(written)
    with reg.session() as s:
        _check_counts(s, cutoffs, every=every_count)
        for levels in CEILINGS:
            table = _states(s, cutoffs, levels, "history")
            assert table == _states(s, cutoffs, levels, "forward")
            # Undoing from today agrees too, except where a back-dated write put a
            # change where its record did not exist: undoing it brings back a record
            # the forward reading never made.
            # And under a ceiling the undoing starts from today's links within it, so
            # a link to a partnership above the ceiling is not in its lists: compare
            # the lists only without a ceiling.
            backward = _states(s, cutoffs, levels, "reverse")
            if not _written_out_of_turn(s):
                if levels is not None:
                    table, backward = _without_links(table), _without_links(backward)
                assert table == backward


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_the_history_reads_what_the_replay_rebuilds(monkeypatch, steps):
    clock = Clock()
    clock.now = START
    monkeypatch.setattr(db.audit, "utcnow", clock)
    monkeypatch.setattr(db.repository, "utcnow", clock)
    with tempfile.TemporaryDirectory() as folder:
        reg = open_register(Path(folder) / "history.db")
        try:
            written = _play(reg, clock, steps)
            _check(reg, written)
        finally:
            reg.dispose()


def _story() -> list[tuple[str, int, Any]]:
    return [
        ("create", 2, 3),
        ("create", 4, 4),
        ("clock", 2, 0),
        ("score", 0, 5),
        ("level", 1, 3),
        ("score", 1, 2),  # the same instant: one version, replaced in place
        ("clock", 5, 0),
        ("residual", 0, 2),
        ("link", 1, 2),
        ("category", 1, "operational"),
        ("delete", 0, 0),
        ("clock", -4, 0),  # stamped before the last change: that risk is rebuilt
        ("status", 0, "closed"),
        ("clock", 9, 0),
        ("restore", 0, 0),
        ("level", 1, 0),
    ]


def test_both_backends_read_the_same_history(any_register, clock):
    clock.now = START
    written = _play(any_register, clock, _story())
    _check(any_register, written, every_count=True)


def test_a_version_spans_from_its_write_until_the_next(register, clock):
    """The boundary: an entry at ``t`` counts for "as of" any instant after ``t``, not
    at ``t`` itself, and the version it ends is in force up to ``t`` inclusive."""
    clock.now = START
    with register.write() as s:
        rid = repo.create(
            s, "risk", RiskCreate(title="Risk", likelihood=2, impact=3), actor=ACTOR
        ).id
    later = START + dt.timedelta(hours=1)
    clock.now = later
    with register.write() as s:
        repo.update(s, "risk", rid, RiskUpdate(impact=5), actor=ACTOR)
    tick = dt.timedelta(microseconds=1)
    with register.session() as s:
        at_start, before, at_change, after = history.states_at(
            s,
            kind="risk",
            cutoffs=[START, later - tick, later, later + tick],
            fields=FIELDS,
            levels=None,
        )
        assert len(at_start) == 0
        assert before.get("R-001", "impact") == 3
        assert at_change.get("R-001", "impact") == 3
        assert after.get("R-001", "impact") == 5
        versions = s.execute(
            select(RiskState.valid_from, RiskState.valid_to, RiskState.impact).order_by(
                RiskState.valid_from
            )
        ).all()
    assert [(v[0], v[1], v[2]) for v in versions] == [
        (START, later, 3),
        (later, risk_states.FOREVER, 5),
    ]


def test_rebuilding_from_the_trail_gives_the_same_rows(register, clock):
    """What the upgrade builds from an existing trail equals what was written as it went."""
    clock.now = START
    written = _play(register, clock, _story())
    columns = [RiskState.ref, RiskState.valid_from, RiskState.valid_to] + [
        getattr(RiskState, f) for f in FIELDS
    ]
    with register.session() as s:
        as_written = sorted(s.execute(select(*columns)).all())
        entries = s.execute(select(AuditEntry.id).where(AuditEntry.entity_kind == "risk")).all()
    with register.write() as s:
        count = risk_states.rebuild(s)
    with register.session() as s:
        rebuilt = sorted(s.execute(select(*columns)).all())
    assert count == len(rebuilt) > 0
    assert len(entries) >= len(written)
    assert rebuilt == as_written


def test_span_classes_are_the_powers_of_two_seconds_a_version_fits_in():
    second, tick = dt.timedelta(seconds=1), dt.timedelta(microseconds=1)
    assert risk_states.span_class(START, START + tick) == 0
    assert risk_states.span_class(START, START + second) == 0
    for k in range(1, 37):  # 2**37 s from START is the year 6381; 2**38 s is past 9999
        exact = START + second * 2**k
        assert risk_states.span_class(START, exact) == k
        assert risk_states.span_class(START, exact + tick) == k + 1
        assert risk_states.span_class(START, exact - tick) == k
    # A current version runs until FOREVER: about 2**38 s from now; any longer one
    # falls in the last class, which has no lower bound.
    assert risk_states.span_class(START, risk_states.FOREVER) == 38
    assert (
        risk_states.span_class(risk_states.EARLIEST, risk_states.FOREVER)
        == 39
        == (risk_states.SPAN_CLASSES - 1)
    )


def test_as_of_a_day_counts_what_was_written_before_its_end_and_nothing_at_it(any_register, clock):
    """The boundary of "as of" a day: a change stamped at exactly the end of the day (the
    first instant of the next) is not in it, so the version it ends - valid until
    exactly that instant - is; a risk made at that instant is not there yet."""
    day = START.date()
    end = history.end_of_day(day)
    clock.now = START
    with any_register.write() as s:
        moved = repo.create(
            s, "risk", RiskCreate(title="Moved", likelihood=2, impact=3), actor=ACTOR
        ).id
        closed = repo.create(
            s, "risk", RiskCreate(title="Closed", likelihood=4, impact=4), actor=ACTOR
        ).id
    clock.now = end - dt.timedelta(microseconds=1)
    with any_register.write() as s:
        repo.update(s, "risk", closed, RiskUpdate(status="closed"), actor=ACTOR)
    clock.now = end
    with any_register.write() as s:
        repo.update(s, "risk", moved, RiskUpdate(impact=5), actor=ACTOR)
        repo.create(s, "risk", RiskCreate(title="Later", likelihood=1, impact=1), actor=ACTOR)
    with any_register.session() as s:
        ends = s.execute(select(RiskState.valid_to).where(RiskState.impact == 3)).scalars().all()
        assert ends == [end]  # the version that ends at the boundary holds up to it
        for with_points in (False, True):
            then = matrix_service.risk_matrix(s, as_of=day, with_points=with_points)
            after = matrix_service.risk_matrix(
                s, as_of=day + dt.timedelta(days=1), with_points=with_points
            )
            assert (then.total, then.count(2, 3), then.count(2, 5), then.count(4, 4)) == (
                1,
                1,
                0,
                0,
            )
            assert (after.total, after.count(2, 5), after.count(1, 1)) == (2, 1, 1)
            with_closed = matrix_service.risk_matrix(
                s,
                as_of=day,
                filters=RecordFilter(include_closed=True),
                with_points=with_points,
            )
            assert with_closed.count(4, 4) == 1
        (rows,) = matrix_service.rows_on(s, days=[day])
        assert [(r[1], r[5], r[6]) for r in rows] == [("R-001", 2, 3)]


def test_the_upgrade_classes_the_versions_it_finds_as_the_writer_does(tmp_path):
    """0011 on a register with a history (written at 0009) and on one from before the
    history (0007, built by the upgrade): every version as ``rebuild`` writes it, each
    of the span class ``span_class`` gives."""
    from tests.db.test_migrations import make_register_at

    columns = [RiskState.span, RiskState.ref, RiskState.valid_from, RiskState.valid_to] + [
        getattr(RiskState, f) for f in FIELDS
    ]
    for revision in ("0007", "0009"):
        path = tmp_path / f"at-{revision}.db"
        make_register_at(path, revision)
        reg = open_register(path)
        try:
            with reg.session() as s:
                upgraded = sorted(s.execute(select(*columns)).all())
            assert upgraded, "the demo register has risk history"
            for row in upgraded:
                assert row.span == risk_states.span_class(row.valid_from, row.valid_to)
            with reg.write() as s:
                risk_states.rebuild(s)
            with reg.session() as s:
                assert sorted(s.execute(select(*columns)).all()) == upgraded
        finally:
            reg.dispose()


def test_down_below_0011_and_up_again_keeps_the_history_on_both_backends(any_register, clock):
    """0011's downgrade and upgrade on a written history, SQLite and PostgreSQL: the
    versions come back as written, each of the class ``span_class`` gives, and the
    history still reads what the replay rebuilds."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from db import migrations

    below = ScriptDirectory.from_config(migrations.alembic_config()).get_revision("0011")
    clock.now = START
    written = _play(any_register, clock, _story())
    columns = [RiskState.span, RiskState.ref, RiskState.valid_from, RiskState.valid_to] + [
        getattr(RiskState, f) for f in FIELDS
    ]
    with any_register.session() as s:
        before = sorted(s.execute(select(*columns)).all())
    for revision in (below.down_revision, "head"):
        with any_register.engine.begin() as conn:
            cfg = migrations.alembic_config()
            cfg.attributes["connection"] = conn
            (command.downgrade if revision != "head" else command.upgrade)(cfg, revision)
    with any_register.session() as s:
        after = sorted(s.execute(select(*columns)).all())
    assert after == before
    assert all(row.span == risk_states.span_class(row.valid_from, row.valid_to) for row in after)
    _check(any_register, written)
