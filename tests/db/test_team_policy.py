"""The records policy as a list of cleared classifications (migration 0017), on a real
PostgreSQL server.

The policy changed form for speed (an index can serve it), not meaning: at every
level of the scale a member sees exactly the records at or below their clearance,
a login outside the team sees none, and a member's count of events reads the
classification index alone instead of every row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from db import migrations, team
from tests.teamsetup import LEVELS, Team, make_team

RECORD_TABLES = ("stakeholder", "partnership", "risk", "event", "action")


@pytest.fixture(scope="module")
def ranked(pg_server: Any) -> Iterator[Team]:
    """A team with a reader cleared at each of the five levels, and a login that can
    read the tables but is not a member."""
    made = make_team(pg_server)
    for level in LEVELS:
        made.names[f"at_{level}"] = f"{made.names['reader']}_{level.lower()}"
    made.names["outsider"] = f"{made.names['reader']}_outsider"
    reg = made.open()
    try:
        with reg.write() as s:
            for level in LEVELS:
                team.add_member(s, made.names[f"at_{level}"], "reader", level)
        with made.server.admin() as conn:
            conn.execute(f'CREATE ROLE "{made.names["outsider"]}" LOGIN IN ROLE risk_reader')
    finally:
        reg.dispose()
    yield made
    made.drop()


@contextmanager
def _connected(crew: Team, who: str) -> Iterator[Any]:
    """A plain connection as ``who``: no schema check and no upgrade on opening, so a
    register held at an older revision stays there."""
    engine = create_engine(crew.url(who))
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _check_every_level(crew: Team) -> None:
    with _connected(crew, "owner") as owner:
        for rank, level in enumerate(LEVELS):
            cleared = sorted(LEVELS[: rank + 1])
            with _connected(crew, f"at_{level}") as member:
                for t in RECORD_TABLES:
                    sql = f"SELECT classification, count(*) FROM {t} GROUP BY 1"  # noqa: S608 (table names are constants)
                    mine = dict(member.execute(text(sql)).all())
                    # Every row at or below the clearance, not merely every level.
                    theirs = dict(owner.execute(text(sql)).all())
                    assert mine == {c: theirs[c] for c in cleared}, (level, t)
        with _connected(crew, "outsider") as outsider:
            for t in RECORD_TABLES:
                assert outsider.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() == 0, t  # noqa: S608 (table names are constants)


def _cleared_policies(crew: Team, marker: str) -> int:
    with _connected(crew, "owner") as owner:
        return int(
            owner.execute(
                text(
                    "SELECT count(*) FROM pg_policies WHERE policyname = 'cleared' "
                    "AND qual LIKE :marker AND tablename = ANY(:tables)"
                ),
                {"marker": f"%{marker}%", "tables": list(RECORD_TABLES)},
            ).scalar_one()
        )


def test_each_clearance_sees_exactly_the_levels_at_or_below_it(ranked: Team) -> None:
    for t in RECORD_TABLES:  # the register holds every level, so "not seen" means hidden
        levels = ranked.owner_count(f"SELECT count(DISTINCT classification) FROM {t}")  # noqa: S608 (table names are constants)
        assert levels == len(LEVELS), t
    _check_every_level(ranked)


def test_the_policy_reads_the_same_rows_before_and_after_0017(ranked: Team) -> None:
    """Down to 0016 (the ranked policy) and up again: the same rows at every level."""
    assert _cleared_policies(ranked, "risk_cleared_classes()") == len(RECORD_TABLES)
    engine = create_engine(ranked.url())
    try:
        with engine.begin() as conn:
            cfg = migrations.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0016")
        assert _cleared_policies(ranked, "risk_level(") == len(RECORD_TABLES)
        _check_every_level(ranked)
        migrations.run_upgrade(engine)
    finally:
        engine.dispose()
    assert _cleared_policies(ranked, "risk_cleared_classes()") == len(RECORD_TABLES)
    _check_every_level(ranked)


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def test_a_members_count_of_events_reads_the_classification_index_alone(ranked: Team) -> None:
    """The count a member's register runs after its first paint.  Sequential scans are
    switched off so the tiny test table still shows the plan a million rows get: an
    index-only read of the cleared levels, the policy as its index condition (the
    ranked policy of 0016 could only filter every row it read)."""
    reg = ranked.open("reader")
    try:
        with reg.session() as s:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            plan = s.execute(
                text("EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM event")
            ).scalar_one()
            count = s.execute(text("SELECT count(*) FROM event")).scalar_one()
    finally:
        reg.dispose()
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    scans = [n for n in _plan_nodes(root) if "Scan" in n["Node Type"]]
    assert [n["Node Type"] for n in scans] == ["Index Only Scan"], scans
    (scan,) = scans
    assert scan["Index Name"] == "ix_event_classification"
    assert "classification" in scan["Index Cond"] and "Filter" not in scan
    assert scan["Actual Rows"] == count > 0
