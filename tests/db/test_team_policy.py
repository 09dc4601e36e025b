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
from sqlalchemy.exc import DBAPIError

from db import audit, migrations, repository, team
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


@pytest.mark.parametrize(
    "lookup",
    [
        "SELECT risk_record_level('event', :ref)",
        "SELECT risk_commentary_level(:ref, '{}')",
    ],
)
def test_a_member_cannot_ask_the_level_of_a_record_they_may_not_see(
    ranked: Team, lookup: str
) -> None:
    """The look-ups the stamping triggers use read past row-level security; called
    by a member they would tell a hidden record's level by its ref (0018)."""
    ref = ranked.refs["SECRET"][3]  # the SECRET event
    assert ref.startswith("E-")
    with _connected(ranked, "owner") as owner:  # the owner may: it is there, and SECRET
        assert (
            owner.execute(
                text("SELECT risk_record_level('event', :ref)"), {"ref": ref}
            ).scalar_one()
            == 4
        )
    for who in ("at_RESTRICTED", "at_SECRET", "editor"):
        with (
            _connected(ranked, who) as member,
            pytest.raises(DBAPIError, match="permission denied"),
        ):
            member.execute(text(lookup), {"ref": ref})


def test_a_members_writes_are_still_stamped_by_the_owners_triggers(ranked: Team) -> None:
    """The stamping triggers run as the owner now: the entry's actor is still the
    member's login, its level the record's, and the risk's state the risk's level."""
    reg = ranked.open("editor")
    try:
        with reg.write() as s:
            made = repository.create(
                s, "risk", {"title": "Stamped risk", "classification": "CONFIDENTIAL"}, actor="Ed"
            )
            ref = made.ref
        with reg.session() as s:
            (entry,) = audit.history(s, ref=ref)
            assert (entry.actor, entry.actor_name, entry.level) == (
                ranked.names["editor"],
                "Ed",
                3,
            )
    finally:
        reg.dispose()
    states = ranked.owner_count(
        "SELECT count(*) FROM risk_state WHERE ref = :ref AND level = 3", ref=ref
    )
    assert states >= 1
    with _connected(ranked, "owner") as owner:
        settings = owner.execute(
            text(
                "SELECT proname, prosecdef FROM pg_proc "
                "WHERE proname IN ('risk_audit_stamp', 'risk_state_stamp') ORDER BY 1"
            )
        ).all()
    assert [tuple(r) for r in settings] == [("risk_audit_stamp", True), ("risk_state_stamp", True)]
