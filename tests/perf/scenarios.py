"""The scenarios P1-P5 of QUALITY.md, each against the baseline named there.

Every scenario takes the results table, a work folder (registers generated there are
kept between runs), a size: ``full`` (QUALITY.md's sizes), ``quick`` (small: checks
the harness, not the targets) or ``tiny`` (the default test run's smoke test), and
the backend it measures (``tests.perf.backends``: where its registers live and how
its raw-SQL baselines reach them).  Wall times are best-of-n; the CPU column is our
process's CPU time (for subprocesses: the child's), which says more than the wall
time on a loaded machine.

Subprocesses (the CLI, the GUI probe) run with a bytecode cache in the work folder,
as an installed application has one (pip and uv write one on install), even when
this environment sets ``PYTHONDONTWRITEBYTECODE``: without it every start-up would
compile the whole of SQLAlchemy from source and measure that instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.perf.backends import Backend, SQLiteBackend
from tests.perf.harness import Result, Table, timed
from tests.perf.p6_team import p6_team
from tests.perf.search_scenario import p7_search

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TODAY = dt.date(2026, 11, 1)  # fixed: the generated registers are the same on every run


def _sizes(size: str, full: Any, quick: Any, tiny: Any) -> Any:
    return {"full": full, "quick": quick, "tiny": tiny}[size]


# --------------------------------------------------------------------------- registers


def cached_register(work: Path, name: str, **spec: object) -> Path:
    """A register file made by ``db.synthetic.generate(**spec)``, kept in ``work`` between
    runs (``tests.perf.backends.SQLiteBackend.register``)."""
    return Path(SQLiteBackend(work).register(work, name, **spec))


def demo_register(work: Path) -> Path:
    demo = work / "demo.db"
    if not demo.exists():
        _run([str(BIN / "risk-tracker"), "demo", "--db", str(demo)])
    return demo


# --------------------------------------------------------------------------- subprocesses


def child_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(work / "config")  # the probe's settings, never the user's
    env.pop("RISK_TRACKER_DB", None)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall, CPU, stdout) of one run of ``cmd``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, _children_cpu() - cpu, done.stdout


def _best_run(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    runs = [_run(cmd, env)[:2] for _ in range(max(1, repeat))]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def probe(work: Path, *args: str) -> dict[str, Any]:
    """One run of ``tests.perf.gui_probe``; its JSON (times from the process start)."""
    env = child_env(work)
    env["PERF_T0"] = repr(time.time())
    _wall, _cpu, out = _run([sys.executable, "-m", "tests.perf.gui_probe", *args], env)
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _best_probe(work: Path, repeat: int, *args: str, key: str) -> dict[str, Any]:
    """The run with the least ``key`` time; each other timing (``sort``, ``filter``)
    is the best of the runs too, as everywhere in the table, and the peak memory is
    the highest of the runs."""
    runs = [probe(work, *args) for _ in range(max(1, repeat))]
    best = dict(min(runs, key=lambda r: r[key]))
    for name in ("sort", "filter"):
        if name in best:
            fastest = min(runs, key=lambda r: r[name])
            best[name], best[f"cpu_{name}"] = fastest[name], fastest[f"cpu_{name}"]
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return best


_WARMED: set[Path] = set()


def warm_bytecode(work: Path) -> None:
    """Write the subprocesses' bytecode cache once, outside any measurement."""
    if work in _WARMED:
        return
    _WARMED.add(work)
    env = child_env(work)
    _run([str(BIN / "risk-tracker"), "--version"], env)
    _run([sys.executable, "-m", "tests.perf.gui_probe", "--empty-window"], env)
    demo = demo_register(work)
    _run(
        [
            sys.executable,
            "-m",
            "tests.perf.gui_probe",
            "--db",
            str(demo),
            "--view",
            "events",
            "--sort",
            "title",
            "--search",
            "a",
        ],
        env,
    )
    _run(
        [sys.executable, "-m", "tests.perf.gui_probe", "--db", str(demo), "--view", "dashboard"],
        env,
    )


# --------------------------------------------------------------------------- P1


EVENT_COLUMNS = [
    "occurred_on",
    "title",
    "kind",
    "severity",
    "sentiment",
    "reach",
    "channel",
    "stakeholder",
    "partnership",
    "risks",
    "classification",
    "summary",
]


def _write_events_csv(path: Path, n: int, refs: dict[str, list[str]], seed: int = 11) -> None:
    from db.importexport.columns import LIST_SEPARATOR

    rng = random.Random(seed)
    kinds = ["criticism", "media_report", "customer_action", "statement", "other"]
    channels = ["press", "social_media", "open_letter", "official_statement", "other"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EVENT_COLUMNS)
        for i in range(n):
            day = TODAY - dt.timedelta(days=rng.randrange(365))
            risks = rng.sample(refs["risk"], k=rng.randint(0, 2))
            w.writerow(
                [
                    day.isoformat(),
                    f"Imported event {i + 1}",
                    rng.choice(kinds),
                    rng.randint(1, 5),
                    rng.randint(-2, 2),
                    rng.randrange(0, 100_000),
                    rng.choice(channels),
                    rng.choice(refs["stakeholder"]),
                    rng.choice(refs["partnership"]) if rng.random() < 0.5 else "",
                    LIST_SEPARATOR.join(risks),
                    "UNCLASSIFIED",
                    f"Summary of event {i + 1}",
                ]
            )


def p1_import(table: Table, work: Path, *, size: str, backend: Backend) -> None:
    from db.engine import open_register
    from db.importexport import import_file

    n = _sizes(size, 100_000, 5_000, 500)
    base_db = backend.register(
        work, "p1", stakeholders=50, partnerships=20, risks=100, events=0, seed=1, today=TODAY
    )
    if backend.name == "sqlite":
        # A register kept from an older run is brought to the head schema once, here:
        # the baselines write into the event table the import writes into.
        open_register(base_db).dispose()
    con = backend.connect(base_db)
    refs = {
        kind: [r[0] for r in con.execute(f"SELECT ref FROM {kind} ORDER BY id")]  # noqa: S608 - fixed names
        for kind in ("stakeholder", "partnership", "risk")
    }
    con.close()
    csv_path = work / f"p1_events_{n}.csv"
    if not csv_path.exists():
        _write_events_csv(csv_path, n, refs)
    engine_name = "executemany" if backend.name == "sqlite" else "COPY"
    columns = ("occurred_on", "title", "kind", "severity", "sentiment", "reach", "channel")
    columns += ("stakeholder", "partnership", "risks", "classification", "summary")

    def load_timed(con: Any, name: str, keys: tuple[str, ...], convert: Callable[..., Any]) -> None:
        """The CSV read, converted and bulk-loaded into ``name`` and committed, timed."""
        start = time.perf_counter()
        with csv_path.open(newline="", encoding="utf-8") as fh:
            rows = csv.reader(fh)
            next(rows)
            backend.bulk_load(con, name, keys, convert(rows))
        con.commit()
        times.append(time.perf_counter() - start)

    def baseline() -> None:
        """The CSV read and written into a bare table of text and integers, no indexes."""
        target = backend.copy(base_db, "p1_baseline")
        key = "INTEGER" if backend.name == "sqlite" else "SERIAL"
        con = backend.connect(target)
        try:
            con.execute(
                f"CREATE TABLE bare_event (id {key} PRIMARY KEY, occurred_on TEXT, title TEXT, "
                "kind TEXT, severity INTEGER, sentiment INTEGER, reach INTEGER, channel TEXT, "
                "stakeholder TEXT, partnership TEXT, risks TEXT, classification TEXT, summary TEXT)"
            )
            con.commit()
            load_timed(
                con,
                "bare_event",
                columns,
                lambda rows: (r if r[5] else [*r[:5], None, *r[6:]] for r in rows),
            )
        finally:
            con.close()
            backend.drop(target)

    def baseline_real_table() -> None:
        """QUALITY.md's baseline: the same rows written into the register's own, indexed
        event table (a fresh copy at the head schema), by ``executemany`` on SQLite and
        ``COPY`` on PostgreSQL.

        On SQLite the search index's insert trigger is dropped before the timing, so
        the baseline keeps the table's indexes and nothing else: it does not index
        the text for search at all, which the import must still do (fired row by
        row, that trigger alone would make the baseline several times slower).
        """
        target = backend.copy(base_db, "p1_real")
        con = backend.connect(target)
        try:
            stakeholder_id = dict(con.execute("SELECT ref, id FROM stakeholder").fetchall())
            partnership_id = dict(con.execute("SELECT ref, id FROM partnership").fetchall())
            if backend.name == "sqlite":
                con.execute("DROP TRIGGER IF EXISTS event_search_insert")
            con.commit()
            stamp = "2026-11-01 00:00:00.000000"
            load_timed(
                con,
                "event",
                (
                    "ref",
                    "occurred_on",
                    "title",
                    "kind",
                    "severity",
                    "sentiment",
                    "reach",
                    "channel",
                    "stakeholder_id",
                    "partnership_id",
                    "classification",
                    "summary",
                    "created_at",
                    "updated_at",
                    "created_by",
                    "updated_by",
                    "version",
                ),  # fmt: skip
                lambda rows: (
                    (
                        f"E-{i:06d}",
                        r[0],
                        r[1],
                        r[2],
                        r[3],
                        r[4],
                        r[5] or None,
                        r[6],
                        stakeholder_id.get(r[7]),
                        partnership_id.get(r[8]),
                        r[10],
                        r[11],
                        stamp,
                        stamp,
                        "bench",
                        "bench",
                        1,
                    )  # fmt: skip
                    for i, r in enumerate(rows, 1)
                ),
            )
        finally:
            con.close()
            backend.drop(target)

    ours_walls: list[float] = []
    ours_cpus: list[float] = []
    for _ in range(_sizes(size, 3, 1, 1)):
        target = backend.copy(base_db, "p1_run")  # not timed
        reg = open_register(target)
        try:
            start, cpu = time.perf_counter(), time.process_time()
            result = import_file(reg, "event", csv_path, actor="bench")
            ours_walls.append(time.perf_counter() - start)
            ours_cpus.append(time.process_time() - cpu)
        finally:
            reg.dispose()
            backend.drop(target)
        assert result.created == n, result

    member_walls: list[float] = []
    member_cpus: list[float] = []
    if backend.name == "postgresql":  # P6: the same import by a team member, under RLS
        for _ in range(_sizes(size, 3, 1, 1)):
            wall, cpu = _p1_member_import(backend, base_db, csv_path, n)
            member_walls.append(wall)
            member_cpus.append(cpu)

    times: list[float] = []  # the copies are made and dropped outside the timing
    for _ in range(3):
        baseline_real_table()
    real_t = min(times)
    times = []
    for _ in range(3):
        baseline()
    base_t = min(times)
    ours_t = min(ours_walls)
    limit = 2.0 if backend.name == "sqlite" else 3.0  # QUALITY.md P1
    table.add(
        Result(
            f"P1 import events from CSV (vs {engine_name} into the real event table)",
            f"{n:,}",
            ours_t,
            real_t,
            f"<= {limit:g}x",
            ours_t <= limit * real_t,
            cpu=min(ours_cpus),
        )
    )
    table.add(
        Result(
            f"P1 extra: vs {engine_name} into a bare table (no indexes)",
            f"{n:,}",
            ours_t,
            base_t,
            "- (not scored)",
            True,
            cpu=min(ours_cpus),
        )
    )
    if member_walls:
        member_t = min(member_walls)
        table.add(
            Result(
                "P6 import events as an editor, row-level security on (vs COPY into the real "
                "event table)",
                f"{n:,}",
                member_t,
                real_t,
                "<= 3x",
                member_t / real_t <= 3.0,
                cpu=min(member_cpus),
            )
        )
        table.add(
            Result(
                "P6 import events: editor under row-level security vs the table owner",
                f"{n:,}",
                member_t,
                ours_t,
                "<= 1.5x the owner",
                member_t / ours_t <= 1.5,
                cpu=min(member_cpus),
            )
        )


def _p1_member_import(
    backend: Backend, base_db: str, csv_path: Path, n: int
) -> tuple[float, float]:
    """P1's import into a fresh copy of the register by an editor cleared to SECRET
    (every row visible, every policy still checked): (wall, CPU) seconds.  The login
    role is made for the run with ``db.team`` and dropped after it."""
    from sqlalchemy.engine import make_url

    from db import team
    from db.engine import open_register
    from db.importexport import import_file

    target = backend.copy(base_db, "p1_member")  # not timed
    editor = f"p1_editor_{os.getpid()}"
    owner = open_register(target)
    try:
        with owner.write() as s:
            team.add_member(s, editor, "editor", "SECRET")
        url = make_url(target).set(username=editor).render_as_string(hide_password=False)
        reg = open_register(url, create=False)
        try:
            start, cpu = time.perf_counter(), time.process_time()
            result = import_file(reg, "event", csv_path, actor="bench")
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        finally:
            reg.dispose()
        assert result.created == n, result
        return wall, cpu
    finally:
        owner.dispose()
        backend.drop(target)
        con = backend.connect(base_db)  # login roles are the server's: dropped here
        try:
            con.execute(f'DROP ROLE IF EXISTS "{editor}"')
            con.commit()
        finally:
            con.close()


# --------------------------------------------------------------------------- P2

# The events register's page, spelled out in SQL: the baseline of P2.
_P2_COLUMNS = (
    "e.id, e.ref, e.occurred_on, e.title, e.kind, s.name, p.name, e.severity, e.sentiment, "
    "e.channel, e.classification FROM event e LEFT JOIN stakeholder s ON s.id = e.stakeholder_id "
    "LEFT JOIN partnership p ON p.id = e.partnership_id"
)
P2_SORT = "title"
P2_SEARCH = "protest"


def p2_gui(table: Table, work: Path, *, size: str, backend: Backend) -> None:
    from db.engine import open_register
    from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort

    n = _sizes(size, 1_000_000, 20_000, 2_000)
    path = backend.register(
        work,
        "p2",
        stakeholders=300,
        partnerships=120,
        risks=2000 if n >= 100_000 else 100,
        events=n,
        seed=7,
        today=TODAY,
    )
    label = f"{n:,} events"
    repeat = _sizes(size, 3, 2, 1)
    warm_bytecode(work)
    run = _best_probe(
        work,
        repeat,
        "--db",
        str(path),
        "--view",
        "events",
        "--sort",
        P2_SORT,
        "--search",
        P2_SEARCH,
        key="first_paint",
    )

    con = backend.connect(path)
    first_sql = f"SELECT {_P2_COLUMNS} ORDER BY e.occurred_on DESC, e.id DESC LIMIT 200"  # noqa: S608
    sort_sql = f"SELECT {_P2_COLUMNS} ORDER BY e.title, e.id LIMIT 200"  # noqa: S608
    filter_sql = backend.sql(
        f"SELECT {_P2_COLUMNS} WHERE e.title {backend.ilike} ? ESCAPE '\\' "  # noqa: S608
        "ORDER BY e.title, e.id LIMIT 200"
    )
    raw_first = timed(lambda: con.execute(first_sql).fetchall(), 5)
    raw_sort = timed(lambda: con.execute(sort_sql).fetchall(), 20)  # sub-millisecond: more tries
    raw_filter = timed(lambda: con.execute(filter_sql, (f"%{P2_SEARCH}%",)).fetchall(), 3)
    raw_filter_rows = con.execute(filter_sql, (f"%{P2_SEARCH}%",)).fetchall()
    last_sql = backend.sql(
        f"SELECT {_P2_COLUMNS} ORDER BY e.occurred_on DESC, e.id DESC LIMIT 200 OFFSET ?"  # noqa: S608
    )
    raw_last = timed(lambda: con.execute(last_sql, (n - 200,)).fetchall(), 3)
    con.close()

    reg = open_register(path)
    try:
        source = RegisterRowSource(reg, "event")
        sort = RegisterSort(P2_SORT, False)
        flt = RegisterFilter(text=P2_SEARCH)
        ours_sort = timed(lambda: source.fetch(0, 200, sort), 20)
        ours_filter = timed(lambda: source.fetch(0, 200, sort, flt), 3)
        ours_rows = source.fetch(0, 200, sort, flt)
        # The last page as the register reads it once the count is known: from the end.
        ours_last = timed(lambda: source.fetch(n - 200, 200, total=n), 3)
    finally:
        reg.dispose()
    assert [r[0] for r in ours_rows] == [r[0] for r in raw_filter_rows], (
        "the filtered page differs from raw SQL"
    )

    first = float(run["first_paint"])
    limit = 1.5 if backend.name == "sqlite" else 1.0  # QUALITY.md; issue 17 for PostgreSQL
    table.add(
        Result(
            "P2 open events register: first rows painted",
            label,
            first,
            None,
            f"<= {limit:g} s from process start",
            first <= limit,
            cpu=run["cpu_first_paint"],
            note=f"raw first-page query {raw_first[0] * 1000:.1f} ms",
        )
    )
    ratio = ours_sort[0] / raw_sort[0]
    table.add(
        Result(
            f"P2 re-sort by {P2_SORT}: page query",
            label,
            ours_sort[0],
            raw_sort[0],
            "<= 2x raw SQL",
            ratio <= 2.0,
            cpu=ours_sort[1],
        )
    )
    gui_sort = float(run["sort"])
    table.add(
        Result(
            f"P2 re-sort by {P2_SORT}: click to rows painted",
            label,
            gui_sort,
            None,
            "<= 0.3 s",
            gui_sort <= 0.3,
            cpu=run["cpu_sort"],
        )
    )
    ratio = ours_filter[0] / raw_filter[0]
    table.add(
        Result(
            f"P2 text filter '{P2_SEARCH}': page query",
            label,
            ours_filter[0],
            raw_filter[0],
            "<= 2x raw SQL",
            ratio <= 2.0,
            cpu=ours_filter[1],
        )
    )
    gui_filter = float(run["filter"])
    table.add(
        Result(
            f"P2 text filter '{P2_SEARCH}': Enter to rows painted",
            label,
            gui_filter,
            None,
            "<= 0.3 s",
            gui_filter <= 0.3,
            cpu=run["cpu_filter"],
        )
    )
    table.add(
        Result(
            "P2 extra: scroll to the last page (page query)",
            label,
            ours_last[0],
            raw_last[0],
            "<= 0.3 s (not in QUALITY.md)",
            ours_last[0] <= 0.3,
            cpu=ours_last[1],
        )
    )
    rss = float(run["peak_rss_mb"])
    table.add(
        Result(
            "P2 peak RSS of the GUI process", label, rss, None, "<= 400 MB", rss <= 400, unit="MB"
        )
    )


# --------------------------------------------------------------------------- P3


AS_OF_TARGET = 0.25  # QUALITY.md P3: the matrix "as of" a date, seconds
RLS_TARGET = 1.5  # QUALITY.md P6: a member's query under row-level security / the owner's


def p3_matrix(table: Table, work: Path, *, size: str, backend: Backend) -> None:
    from db.engine import open_register
    from desktop.services import history
    from desktop.services.matrix import risk_matrix

    risks, updates = _sizes(size, (100_000, 900_000), (5_000, 45_000), (500, 2_000))
    today = history.today_utc()  # "as of" compares with the real today
    path = backend.register(
        work,
        "p3",
        stakeholders=100,
        partnerships=40,
        risks=risks,
        events=0,
        risk_updates=updates,
        seed=3,
        today=today,
    )
    label = f"{risks:,} risks"
    con = backend.connect(path)
    entries = con.execute("SELECT count(*) FROM audit_entry WHERE entity_kind = 'risk'").fetchone()[
        0
    ]

    def raw_counts() -> list[tuple[int, int, int]]:
        return con.execute(
            "SELECT likelihood, impact, count(*) FROM risk WHERE status != 'closed' GROUP BY likelihood, impact"
        ).fetchall()

    repeat = _sizes(size, 5, 3, 1)
    raw = timed(raw_counts, repeat)
    as_of = today - dt.timedelta(days=182)

    def past(session: Any) -> Any:
        return risk_matrix(session, as_of=as_of, residual=False, with_points=False)

    reg = open_register(path)
    try:
        _settle_postgresql(backend, path)
        with reg.session() as session:
            ours = timed(lambda: risk_matrix(session, residual=False, with_points=False), repeat)
            current = risk_matrix(session, residual=False, with_points=False)
            then = past(session)
            past_t = timed(lambda: past(session), _sizes(size, 3, 2, 1))
        member = _p3_member(reg, path, past, then, repeat=_sizes(size, 3, 2, 1))
    finally:
        reg.dispose()
    grid = [[0] * 5 for _ in range(5)]
    for lk, im, n in raw_counts():
        grid[lk - 1][im - 1] = n
    con.close()
    assert [list(r) for r in current.counts()] == grid, "the matrix differs from raw SQL"
    ratio = ours[0] / raw[0]
    table.add(
        Result(
            "P3 risk matrix, current (counts)",
            label,
            ours[0],
            raw[0],
            "<= 1.5x raw GROUP BY",
            ratio <= 1.5,
            cpu=ours[1],
        )
    )
    table.add(
        Result(
            f"P3 risk matrix as of {as_of} (182 days back)",
            f"{label}, {entries:,} audit",
            past_t[0],
            None,
            f"<= {AS_OF_TARGET:g} s",
            past_t[0] <= AS_OF_TARGET,
            cpu=past_t[1],
        )
    )
    if member is not None:
        mine, own = member
        table.add(
            Result(
                f"P6 RLS member (SECRET) vs owner: P3 as of {as_of}",
                f"{label}, {entries:,} audit",
                mine[0],
                own[0],
                f"<= {RLS_TARGET:g}x the owner, <= {AS_OF_TARGET:g} s",
                mine[0] / own[0] <= RLS_TARGET and mine[0] <= AS_OF_TARGET,
                cpu=mine[1],
                note="PostgreSQL, row-level security on for the member",
            )
        )


def _settle_postgresql(backend: Backend, path: str) -> None:
    """On PostgreSQL, vacuum a register that opening it may just have upgraded (0011
    rewrites every risk-state version), as the backend does after generating one:
    the server's autovacuum would do it within minutes, and until then every read of
    the index also visits the table."""
    if backend.name != "postgresql":
        return
    con = backend.connect(path)
    try:
        con.autocommit = True
        con.execute("VACUUM ANALYZE risk_state")
    finally:
        con.close()


def _p3_member(
    reg: Any, path: str, past: Callable[[Any], Any], expected: Any, *, repeat: int
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """On PostgreSQL: the as-of matrix as a team member cleared for every level (so it
    must equal the owner's) under row-level security, and as the owner, timed
    one after the other in the same run; None on SQLite (no row-level security)."""
    if not path.startswith("postgresql"):
        return None
    from db import team
    from db.engine import open_register

    name = f"p3_member_{os.getpid()}"
    with reg.write() as s:
        team.add_member(s, name, "reader", "SECRET")
    member = open_register(path.replace("//postgres@", f"//{name}@", 1), create=False)
    try:
        with member.session() as s, reg.session() as o:
            query = "SELECT row_security_active('risk_state'), current_user"
            active = s.connection().exec_driver_sql(query).one()
            assert tuple(active) == (True, name), (
                f"not measuring under row-level security: {active}"
            )
            assert past(s).counts() == expected.counts(), "the member's matrix differs"
            mine = timed(lambda: past(s), repeat)
            own = timed(lambda: past(o), repeat)
    finally:
        member.dispose()
        with reg.write() as s:
            team.remove_member(s, name)
    return mine, own


# --------------------------------------------------------------------------- P4


ANNEX_FRACTIONS = (
    0.10,
    0.105,
    0.13,
    0.045,
    0.058,
    0.442,
    0.12,
)  # desktop.briefing.sections.annex_a


def raw_reportlab_annex(path: Path, date_from: dt.date, date_to: dt.date) -> bytes:
    """The baseline of P4: the period's events read with sqlite3 and laid out as one
    long table by plain ReportLab (the same columns, widths, font and cell texts as
    the pack's Annex A, one build pass, no pack furniture)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from desktop.briefing.fonts import REGULAR, register_fonts

    register_fonts()
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT e.classification, e.ref, e.occurred_on, e.kind, e.severity, e.sentiment, e.title, "
        "s.name, p.ref, p.name, e.summary, "
        "(SELECT group_concat(r.ref, ' ') FROM event_risk l JOIN risk r ON r.id = l.risk_id "
        " WHERE l.event_id = e.id) "
        "FROM event e LEFT JOIN stakeholder s ON s.id = e.stakeholder_id "
        "LEFT JOIN partnership p ON p.id = e.partnership_id "
        "WHERE e.occurred_on >= ? AND e.occurred_on <= ? ORDER BY e.occurred_on, e.id",
        (date_from.isoformat(), date_to.isoformat()),
    ).fetchall()
    con.close()
    style = ParagraphStyle("cell", fontName=REGULAR, fontSize=7.8, leading=9.6)
    data: list[list[Any]] = [
        ["Event", "Date", "Kind", "Sev", "Sent", "Title, actor, partnership, summary", "Risks"]
    ]
    for level, ref, day, kind, sev, sent, title, who, pref, pname, summary, risks in rows:
        text = title
        extra = [f"by {who}"] if who else []
        if pref:
            extra.append(f"re {pref} {pname}")
        if summary:
            extra.append(summary[:240])
        if extra:
            text += f'<br/><font size="6.5">{" · ".join(extra)}</font>'
        data.append(
            [
                f"({level[0]}) {ref}",
                day,
                Paragraph(kind.replace("_", " "), style),
                str(sev),
                f"{sent:+d}" if sent else "0",
                Paragraph(text, style),
                risks or "—",
            ]
        )
    width = A4[0] - 36 * mm
    out = path.with_suffix(".raw.pdf")
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
    tbl = Table(data, colWidths=[width * f for f in ANNEX_FRACTIONS], repeatRows=1)
    tbl.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 7.8, 9.6),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.25, "#999999"),
            ]
        )
    )
    doc.build([tbl])
    return out.read_bytes()


def p4_briefing(table: Table, work: Path, *, size: str, backend: Backend) -> None:
    from db.engine import open_register
    from desktop.briefing.builder import build_pack, generation_time
    from desktop.briefing.data import load_pack_data
    from desktop.briefing.parameters import BriefingParameters

    repeat = _sizes(size, 3, 2, 1)
    demo = demo_register(work)
    reg = open_register(demo)
    walls, cpus = [], []
    try:
        for k in range(repeat + 1):  # the first build also registers the fonts: not counted
            start, cpu = time.perf_counter(), time.process_time()
            build_pack(reg, BriefingParameters(), work / "p4_demo.pdf", actor="bench")
            if k:
                walls.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
    finally:
        reg.dispose()
    demo_t = min(walls)
    table.add(
        Result(
            "P4 briefing pack, demo register",
            "demo",
            demo_t,
            None,
            "<= 1 s",
            demo_t <= 1.0,
            cpu=min(cpus),
        )
    )

    n = _sizes(size, 5_000, 1_000, 200)
    path = cached_register(
        work,
        "p4",
        stakeholders=100,
        partnerships=40,
        risks=200,
        events=n,
        days=29,
        seed=5,
        today=TODAY,
    )
    params = BriefingParameters(
        date_from=TODAY - dt.timedelta(days=30),
        date_to=TODAY,
        today=TODAY,
        ceiling="SECRET",
        title="Benchmark pack",
    )
    copy = work / "p4_run.db"  # each pack adds a briefing record: keep the cached file as made
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(path, copy)
    reg = open_register(copy)
    try:
        with (
            reg.session() as session
        ):  # the period really holds the n events, all within the ceiling
            resolved = params.resolved()
            shown = load_pack_data(session, resolved, generated_at=generation_time(resolved)).events
        assert len(shown) == n, f"the pack's period holds {len(shown)} events, not {n}"
        ours = timed(lambda: build_pack(reg, params, work / "p4_large.pdf", actor="bench"), repeat)
    finally:
        reg.dispose()
    base = timed(lambda: raw_reportlab_annex(path, params.date_from, params.date_to), repeat)  # type: ignore[arg-type]
    ratio = ours[0] / base[0]
    table.add(
        Result(
            "P4 briefing pack, period of 5,000 events"
            if n == 5_000
            else "P4 briefing pack, large period",
            f"{n:,} events",
            ours[0],
            base[0],
            "<= 1.3x raw ReportLab annex",
            ratio <= 1.3,
            cpu=ours[1],
        )
    )


# --------------------------------------------------------------------------- P5


def p5_startup(table: Table, work: Path, *, size: str, backend: Backend) -> None:
    repeat = _sizes(size, 7, 3, 1)
    env = child_env(work)
    warm_bytecode(work)
    py = sys.executable
    base = _best_run([py, "-c", "pass"], env, repeat)
    ours = _best_run([str(BIN / "risk-tracker"), "--version"], env, repeat)
    table.add(
        Result(
            "P5 start-up: risk-tracker --version",
            "-",
            ours[0],
            base[0],
            "<= 0.3 s",
            ours[0] <= 0.3,
            cpu=ours[1],
        )
    )

    demo = demo_register(work)
    empty = _best_probe(work, repeat, "--empty-window", key="shown")
    shown = _best_probe(work, repeat, "--db", str(demo), "--view", "dashboard", key="first_paint")
    t = float(shown["first_paint"])
    table.add(
        Result(
            "P5 start-up: main window painted, demo register",
            "demo",
            t,
            float(empty["shown"]),
            "<= 1.0 s",
            t <= 1.0,
            cpu=shown["cpu_first_paint"],
            note="baseline: PySide6 + empty window",
        )
    )


def _painted(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    """Best (wall to the painted window, CPU) of ``cmd`` run with the app's own
    paint-and-exit switch (desktop/first_paint.py), timed from just before the start."""
    runs = []
    for _ in range(max(1, repeat)):
        env = dict(env, RISK_TRACKER_EXIT_AFTER_PAINT="1", PERF_T0=repr(time.time()))
        out = json.loads(_run(cmd, env)[2].strip().splitlines()[-1])
        runs.append((float(out["painted_s"]), float(out["cpu_s"])))
    return min(r[0] for r in runs), min(r[1] for r in runs)


def p5_bundle(table: Table, work: Path, *, size: str, backend: Backend) -> None:
    """The stand-alone bundle (desktop/build.py): its size, and its start to the painted
    window against ``uv run risk-tracker`` on the same register.  The bundle is the
    bundle test's, built once per state of the sources (tests/test_bundle.py)."""
    from desktop.build import folder_size
    from tests.test_bundle import cached_bundle

    repeat = _sizes(size, 7, 3, 1)
    program = cached_bundle() / "risk-tracker"
    megabytes = folder_size(program.parent) / 1e6
    table.add(
        Result("P5 bundle: size on disk", "one folder", megabytes, None, "-", True, unit="MB")
    )
    env = child_env(work)
    demo = str(demo_register(work))
    _painted([str(program), "--db", demo], env, 1)  # the first start reads the files from disk
    ours = _painted([str(program), "--db", demo], env, repeat)
    uv = shutil.which("uv") or "uv"
    base = _painted([uv, "run", "--project", str(ROOT), "risk-tracker", "--db", demo], env, repeat)
    table.add(
        Result(
            "P5 bundle: main window painted, demo register",
            "demo",
            ours[0],
            base[0],
            "<= 1.0 s",
            ours[0] <= 1.0,
            cpu=ours[1],
            note="baseline: uv run risk-tracker, same switch",
        )
    )


# Scenarios that read a register file and so run on SQLite only (the briefing pack and
# start-up are measured on the demo register); every other one runs on each backend.
SQLITE_ONLY = {"P4", "P5", "P6"}  # run in the default invocation only

ALL: list[tuple[str, Callable[..., None]]] = [
    ("P1", p1_import),
    ("P2", p2_gui),
    ("P3", p3_matrix),
    ("P4", p4_briefing),
    ("P5", p5_startup),
    ("P5", p5_bundle),
    # P6 starts the server it measures itself; P7 too in the default run, and with
    # --backend postgresql it measures that backend's P2 register.
    ("P6", lambda table, work, *, size, backend: p6_team(table, work, size=size)),
    (
        "P7",
        lambda table, work, *, size, backend: p7_search(
            table, work, size=size, make_register=cached_register, today=TODAY, backend=backend
        ),
    ),
]
