"""P6: the events register on PostgreSQL with row-level security, as a restricted
member against the table owner (issue 15).

A register of ``n`` events (a fifth at each classification level) is written
straight into a throwaway PostgreSQL server (tests/pgserver.py) with set-based SQL,
since the generator's per-row path would take hours at a million.  The same register
queries the GUI runs (``RegisterRowSource``: count, first page, re-sort by title,
text filter, last page) are timed as the owner, whom row-level security does not
bind, and as a reader cleared to RESTRICTED, who sees three fifths of the rows;
the ratio is the cost of the policies.  The restricted member's results are checked
against the owner's rows at or below RESTRICTED, so both measure the right thing.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.perf.harness import Result, Table, timed

VISIBLE = ("PUBLIC", "UNCLASSIFIED", "RESTRICTED")
TARGET = 2.0  # the restricted member's query at most twice the owner's
SEARCH = "protest"

_FILL = """
INSERT INTO stakeholder (classification, name, kind, influence, interest, stance, ref,
    created_at, updated_at, created_by, updated_by, name_key, version)
SELECT 'UNCLASSIFIED', 'Body ' || i, 'other', 3, 3, 0, 'S-' || lpad(i::text, 4, '0'),
    now(), now(), 'p6', 'p6', 'body ' || i, 1
FROM generate_series(1, 300) i;
INSERT INTO partnership (classification, name, status, network, ref, created_at, updated_at,
    created_by, updated_by, name_key, partner_id, version)
SELECT 'UNCLASSIFIED', 'Talks ' || i, 'exploring', 'not_applicable',
    'P-' || lpad(i::text, 4, '0'), now(), now(), 'p6', 'p6', 'talks ' || i,
    (SELECT min(id) FROM stakeholder) + i % 300, 1
FROM generate_series(1, 120) i;
INSERT INTO event (classification, occurred_on, title, kind, severity, sentiment, channel, ref,
    created_at, updated_at, created_by, updated_by, stakeholder_id, partnership_id, version)
SELECT (ARRAY['PUBLIC', 'UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET'])[1 + i % 5],
    DATE '2026-11-30' - (i % 3650),
    (ARRAY['Researchers protest the deal', 'Op-ed criticises the partnership',
           'Staff letter on the contract', 'Briefing to the committee',
           'Press report on the programme'])[1 + (i / 5) % 5] || ' ' || i,
    'criticism', 1 + i % 5, (i % 5) - 2, 'other', 'E-' || lpad(i::text, 7, '0'),
    now(), now(), 'p6', 'p6',
    (SELECT min(id) FROM stakeholder) + i % 300,
    CASE WHEN i % 3 = 0 THEN (SELECT min(id) FROM partnership) + i % 120 END, 1
FROM generate_series(1, :n) i;
ANALYZE;
"""


def _sizes(size: str) -> int:
    return {"full": 1_000_000, "quick": 50_000, "tiny": 5_000}[size]


def p6_team(table: Table, work: Path, *, size: str) -> None:
    del work  # the register lives in the throwaway server, not in the work folder
    from sqlalchemy import text

    from db import team
    from db.engine import open_register
    from db.queries.registers import RegisterFilter, RegisterRowSource, RegisterSort
    from tests.pgserver import NO_PG_ENV, PgServer

    if os.environ.get(NO_PG_ENV) == "1":
        print(f"  P6 skipped: {NO_PG_ENV}=1 asks for no PostgreSQL", flush=True)
        return
    n = _sizes(size)
    server = PgServer.shared()
    database = server.create_database(template=server.ensure_template(), prefix="p6")
    member = f"p6_reader_{os.getpid()}"
    owner = open_register(server.url(database))
    try:
        with owner.write() as s:
            for statement in _FILL.split(";\n"):
                if statement.strip():
                    s.execute(text(statement), {"n": n} if ":n" in statement else {})
            team.add_member(s, member, "reader", "RESTRICTED")
        with owner.write() as s:
            s.execute(text("ANALYZE"))
        url = f"postgresql+psycopg://{member}@127.0.0.1:{server.port}/{database}"
        reader = open_register(url, create=False)
        try:
            _measure(table, owner, reader, n, RegisterRowSource, RegisterSort, RegisterFilter)
        finally:
            reader.dispose()
    finally:
        owner.dispose()
        server.drop_database(database)
        with server.admin() as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{member}"')


def _measure(table: Table, owner, reader, n, source_cls, sort_cls, filter_cls) -> None:  # type: ignore[no-untyped-def]
    label = f"{n:,} events"
    visible = sum(1 for i in range(1, n + 1) if i % 5 < 3)
    as_owner, as_member = source_cls(owner, "event"), source_cls(reader, "event")
    by_title = sort_cls("title", False)
    search = filter_cls(text=SEARCH)
    repeat = 3 if n <= 100_000 else 2
    assert as_owner.count() == n and as_member.count() == visible, (
        "the policy let through the wrong rows"
    )
    member_page = as_member.fetch(0, 200, by_title, search)
    assert member_page and all(
        row[-1] in VISIBLE for row in member_page if isinstance(row[-1], str)
    )
    queries = (
        ("count all rows", lambda s: s.count()),
        ("first page", lambda s: s.fetch(0, 200)),
        ("re-sort by title: page", lambda s: s.fetch(0, 200, by_title)),
        (f"text filter '{SEARCH}': count", lambda s: s.count(search)),
        (f"text filter '{SEARCH}': page", lambda s: s.fetch(0, 200, by_title, search)),
        ("last page", lambda s: s.fetch(visible - 200, 200)),
    )
    for name, query in queries:
        own = timed(lambda q=query: q(as_owner), repeat)
        mine = timed(lambda q=query: q(as_member), repeat)
        ratio = mine[0] / own[0] if own[0] > 0 else float("inf")
        table.add(
            Result(
                f"P6 RLS reader (RESTRICTED) vs owner: {name}",
                label,
                mine[0],
                own[0],
                f"<= {TARGET:g}x the owner",
                ratio <= TARGET,
                cpu=mine[1],
                note="PostgreSQL, 3/5 of the rows visible",
            )
        )
