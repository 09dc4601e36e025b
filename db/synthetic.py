"""A seeded, deterministic synthetic register for tests, benchmarks and trying the app at scale.

``generate(register, events=1_000_000, seed=7)`` fills a register through the bulk
path (Core ``executemany``, refs reserved in blocks, audit entries written in bulk),
so a million events take seconds rather than hours.  The same seed and the same
``today`` give the same records.  Every generated record carries an audit ``create``
entry, and ``risk_updates`` adds a history of score and status changes spread over
the past year, which the "as of" matrix and "what changed" analysis replay.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text

from db import audit
from db.classification import LEVELS
from db.engine import Register
from db.enums import (
    ActionStatus,
    Channel,
    EventKind,
    Network,
    PartnershipStatus,
    RiskCategory,
    RiskStatus,
    StakeholderKind,
    Treatment,
)
from db.kinds import REF_PREFIX
from db.models import (
    Action,
    ActionRiskLink,
    Event,
    EventRiskLink,
    Partnership,
    Risk,
    RiskPartnershipLink,
    RiskStakeholderLink,
    Stakeholder,
)
from db.queries.importexport import insert_rows as bulk_insert
from db.repository import reserve_refs

ACTOR = "synthetic"
BATCH = 20_000
ANALYSE_EVERY = 50_000  # audit entries between ANALYZE runs on PostgreSQL (see flush_audit)
# Weights of the classification levels PUBLIC..SECRET: most material is unclassified.
LEVEL_WEIGHTS = (10, 60, 18, 8, 4)

_ORGS = ("Ministry", "Agency", "Council", "Institute", "Network", "Group", "Forum", "Alliance")
_TOPICS = (
    "logistics",
    "cyber defence",
    "translation",
    "planning",
    "research",
    "analytics",
    "training",
)
_WORDS = (
    "criticism",
    "letter",
    "report",
    "statement",
    "cancellation",
    "briefing",
    "milestone",
    "protest",
)

Progress = Callable[[int, int], None]

STAKEHOLDER_PREFIX = REF_PREFIX["stakeholder"]


@dataclass(frozen=True)
class GeneratedCounts:
    stakeholders: int
    partnerships: int
    risks: int
    events: int
    audit_entries: int
    actions: int = 0


def _level(rng: random.Random) -> str:
    return rng.choices([lv.value for lv in LEVELS], weights=LEVEL_WEIGHTS)[0]


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(8 + rng.randrange(10), rng.randrange(60)), tzinfo=dt.UTC
    )


def _stamp(row: dict[str, Any], when: dt.datetime) -> dict[str, Any]:
    row.update(created_at=when, updated_at=when, created_by=ACTOR, updated_by=ACTOR, version=1)
    return row


def _chunks(rows: list[dict[str, Any]], size: int = BATCH) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def generate(
    register: Register,
    *,
    stakeholders: int = 100,
    partnerships: int = 40,
    risks: int = 200,
    events: int = 10_000,
    risk_updates: int = 0,
    seed: int = 1,
    today: dt.date | None = None,
    days: int = 365,
    progress: Progress | None = None,
    actions: int = 0,
) -> GeneratedCounts:
    """Add a synthetic data set to ``register`` (which may already hold records)."""
    # A million rows are a million small containers, none of them cyclic: with the
    # cyclic collector running, its full scans cost more than building the rows.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(
            register,
            stakeholders=stakeholders,
            partnerships=partnerships,
            risks=risks,
            events=events,
            risk_updates=risk_updates,
            seed=seed,
            today=today,
            days=days,
            progress=progress,
            actions=actions,
        )
    finally:
        if was_enabled:
            gc.enable()


def _generate(
    register: Register,
    *,
    stakeholders: int,
    partnerships: int,
    risks: int,
    events: int,
    risk_updates: int,
    seed: int,
    today: dt.date | None,
    days: int,
    progress: Progress | None,
    actions: int = 0,
) -> GeneratedCounts:
    rng = random.Random(seed)
    today = today or dt.date.today()
    first_day = today - dt.timedelta(days=days)
    stakeholders = max(stakeholders, 1)
    partnerships = max(partnerships, 0)
    actions = actions if risks else 0  # an action treats at least one risk
    total_steps = stakeholders + partnerships + risks + events + risk_updates + actions
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total_steps)

    entries: list[audit.PendingEntry] = []
    audit_count = 0
    with register.write() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        unanalysed = 0

        def flush_audit() -> None:
            nonlocal audit_count, unanalysed
            for chunk in [entries[i : i + BATCH] for i in range(0, len(entries), BATCH)]:
                audit_count += audit.record_many(session, actor=ACTOR, entries=chunk)
                unanalysed += len(chunk)
                if postgres and unanalysed >= ANALYSE_EVERY:
                    # Autovacuum cannot see rows of an open transaction, so in this one
                    # long transaction the planner knows nothing of the trail it grows: it
                    # estimates a 500-ref IN list to match the whole table and scans
                    # risk_state and audit_entry in full for every batch the history
                    # follows (quadratic: 40 min for a fifth of a million entries).
                    # ANALYZE counts the transaction's own rows.
                    session.execute(text("ANALYZE audit_entry, risk_state"))
                    unanalysed = 0
            entries.clear()

        ref_of: dict[tuple[str, int], str] = {}

        def insert_rows(table: Any, kind: str, rows: list[dict[str, Any]]) -> list[int]:
            """Insert in batches and return the new ids in row order (refs map them back).

            Core executemany through the import's bulk path: the ORM's bulk insert
            splits the rows into one statement per pattern of NULL columns, which at a
            million events costs more than everything else together.
            """
            before = session.execute(select(func.max(table.id))).scalar() or 0
            for chunk in _chunks(rows):
                bulk_insert(session, kind=kind, rows=chunk)
            wanted = {r["ref"] for r in rows}
            id_by_ref = {
                ref: rid
                for rid, ref in session.execute(
                    select(table.id, table.ref).where(table.id > before)
                )
                if ref in wanted
            }
            prefix = rows[0]["ref"].split("-")[0] if rows else ""
            for ref, rid in id_by_ref.items():
                ref_of[(prefix, rid)] = ref
            return [id_by_ref[r["ref"]] for r in rows]

        def link_insert(table: Any, rows: list[dict[str, int]]) -> None:
            session.connection().execute(insert(table.__table__), rows)

        def ref_for(prefix: str, record_id: int) -> str:
            return ref_of[(prefix, record_id)]

        # stakeholders -----------------------------------------------------------
        refs = reserve_refs(session, "stakeholder", stakeholders)
        kinds = list(StakeholderKind)
        rows: list[dict[str, Any]] = []
        for i, ref in enumerate(refs):
            when = _at(first_day, rng)
            name = f"{rng.choice(_ORGS)} {i + 1} ({ref})"
            row: dict[str, Any] = {
                "ref": ref,
                "name": name,
                "name_key": name.casefold(),
                "kind": rng.choice(kinds).value,
                "description": f"Synthetic stakeholder {i + 1}",
                "influence": rng.randint(1, 5),
                "interest": rng.randint(1, 5),
                "stance": rng.randint(-2, 2),
                "relationship_owner": f"Owner {rng.randint(1, 12)}",
                "classification": _level(rng),
                "notes": None,
            }
            rows.append(_stamp(row, when))
            entries.append(
                audit.PendingEntry("stakeholder", ref, "create", _create_changes(row), when)
            )
        stakeholder_ids = insert_rows(Stakeholder, "stakeholder", rows)
        tick(stakeholders)

        # partnerships -----------------------------------------------------------
        partnership_ids: list[int] = []
        if partnerships:
            refs = reserve_refs(session, "partnership", partnerships)
            rows = []
            for i, ref in enumerate(refs):
                when = _at(first_day, rng)
                partner = rng.choice(stakeholder_ids)
                announced = first_day + dt.timedelta(days=rng.randrange(days))
                name = f"{rng.choice(_TOPICS).capitalize()} programme {i + 1} ({ref})"
                row = {
                    "ref": ref,
                    "name": name,
                    "name_key": name.casefold(),
                    "partner_id": partner,
                    "status": rng.choice(list(PartnershipStatus)).value,
                    "network": rng.choice(list(Network)).value,
                    "scope": f"Synthetic scope {i + 1}",
                    "announced_on": announced,
                    "ended_on": None,
                    "owner": f"Owner {rng.randint(1, 12)}",
                    "value": float(rng.randrange(1, 500)) * 1000.0,
                    "currency": "USD",
                    "source_url": None,
                    "classification": _level(rng),
                    "notes": None,
                }
                rows.append(_stamp(row, when))
                changes = _create_changes(row)
                changes["partner"] = [None, ref_for(STAKEHOLDER_PREFIX, partner)]
                entries.append(audit.PendingEntry("partnership", ref, "create", changes, when))
            partnership_ids = insert_rows(Partnership, "partnership", rows)
            tick(partnerships)

        # risks ------------------------------------------------------------------
        risk_ids: list[int] = []
        risk_state: list[dict[str, Any]] = []
        if risks:
            refs = reserve_refs(session, "risk", risks)
            rows = []
            link_p: list[dict[str, int]] = []
            link_s: list[dict[str, int]] = []
            pending_links: list[tuple[int, list[int], list[int]]] = []
            for i, ref in enumerate(refs):
                when = _at(first_day, rng)
                likelihood, impact = rng.randint(1, 5), rng.randint(1, 5)
                rl = max(1, likelihood - rng.randint(0, 2))
                ri = max(1, impact - rng.randint(0, 1))
                row = {
                    "ref": ref,
                    "title": f"Synthetic {rng.choice(list(RiskCategory)).value.replace('_', ' ')} risk {i + 1}",
                    "category": rng.choice(list(RiskCategory)).value,
                    "description": None,
                    "owner": f"Owner {rng.randint(1, 12)}",
                    "likelihood": likelihood,
                    "impact": impact,
                    "residual_likelihood": rl,
                    "residual_impact": ri,
                    "treatment": rng.choice(list(Treatment)).value,
                    "mitigation": "Synthetic mitigation plan",
                    "status": rng.choices([s.value for s in RiskStatus], weights=(70, 20, 10))[0],
                    "review_due": today + dt.timedelta(days=rng.randint(-60, 120)),
                    "classification": _level(rng),
                    "notes": None,
                }
                rows.append(_stamp(row, when))
                ps = rng.sample(partnership_ids, k=min(len(partnership_ids), rng.randint(0, 2)))
                ss = rng.sample(stakeholder_ids, k=min(len(stakeholder_ids), rng.randint(0, 2)))
                pending_links.append((i, ps, ss))
                risk_state.append({"ref": ref, "row": row, "when": when})
            risk_ids = insert_rows(Risk, "risk", rows)
            for i, ps, ss in pending_links:
                rid = risk_ids[i]
                link_p.extend({"risk_id": rid, "partnership_id": p} for p in ps)
                link_s.extend({"risk_id": rid, "stakeholder_id": s} for s in ss)
                state = risk_state[i]
                changes = _create_changes(state["row"])
                if ps:
                    changes["partnerships"] = [None, sorted(ref_for("P", p) for p in ps)]
                if ss:
                    changes["stakeholders"] = [
                        None,
                        sorted(ref_for(STAKEHOLDER_PREFIX, s) for s in ss),
                    ]
                entries.append(
                    audit.PendingEntry("risk", state["ref"], "create", changes, state["when"])
                )
            for chunk in _chunks(link_p):
                link_insert(RiskPartnershipLink, chunk)
            for chunk in _chunks(link_s):
                link_insert(RiskStakeholderLink, chunk)
            tick(risks)

        # treatment actions (after the risks, with their own generator: the numbers
        # drawn for everything else stay what they were without actions) ------------
        if actions:
            arng = random.Random(f"{seed}-actions")
            refs = reserve_refs(session, "action", actions)
            rows = []
            chosen: list[list[int]] = []
            for i, ref in enumerate(refs):
                when = _at(first_day, arng)
                row = {
                    "ref": ref,
                    "title": f"Synthetic treatment action {i + 1}",
                    "owner": f"Owner {arng.randint(1, 12)}",
                    "due_on": today + dt.timedelta(days=arng.randint(-45, 90)),
                    "status": arng.choice(list(ActionStatus)).value,
                    "expected_likelihood": arng.choice([None, 1, 2, 3]),
                    "expected_impact": arng.choice([None, 1, 2, 3]),
                    "classification": _level(arng),
                    "notes": None,
                }
                rows.append(_stamp(row, when))
                chosen.append(arng.sample(risk_ids, k=min(len(risk_ids), arng.randint(1, 2))))
            action_ids = insert_rows(Action, "action", rows)
            action_links: list[dict[str, Any]] = [
                {"action_id": aid, "risk_id": rid}
                for aid, rids in zip(action_ids, chosen, strict=True)
                for rid in rids
            ]
            for chunk in _chunks(action_links):
                link_insert(ActionRiskLink, chunk)
            for row, rids in zip(rows, chosen, strict=True):
                changes = _create_changes(row)
                changes["risks"] = [None, sorted(ref_for("R", r) for r in rids)]
                entries.append(
                    audit.PendingEntry("action", row["ref"], "create", changes, row["created_at"])
                )
            tick(actions)
        flush_audit()

        # events (in blocks, to keep memory flat at a million) ---------------------
        made = 0
        kinds_e = list(EventKind)
        channels = list(Channel)
        while made < events:
            n = min(BATCH * 5, events - made)
            refs = reserve_refs(session, "event", n)
            rows = []
            links: list[tuple[int, list[int]]] = []
            for j, ref in enumerate(refs):
                day = first_day + dt.timedelta(days=rng.randrange(days + 1))
                when = _at(day, rng)
                kind = rng.choice(kinds_e).value
                adverse = kind in (
                    "criticism",
                    "customer_action",
                    "employee_action",
                    "media_report",
                )
                row = {
                    "ref": ref,
                    "occurred_on": day,
                    "title": f"{rng.choice(_WORDS).capitalize()} #{made + j + 1}",
                    "kind": kind,
                    "stakeholder_id": rng.choice(stakeholder_ids),
                    "partnership_id": rng.choice(partnership_ids)
                    if partnership_ids and rng.random() < 0.6
                    else None,
                    "responds_to_id": None,
                    "severity": rng.randint(1, 5),
                    "sentiment": rng.randint(-2, 0) if adverse else rng.randint(-1, 2),
                    "reach": rng.randrange(0, 200_000) if rng.random() < 0.5 else None,
                    "reach_basis": None,
                    "metric_value": None,
                    "metric_unit": None,
                    "channel": rng.choice(channels).value,
                    "source_url": None,
                    "summary": None,
                    "classification": _level(rng),
                    "notes": None,
                }
                rows.append(_stamp(row, when))
                rlinks = (
                    rng.sample(risk_ids, k=min(len(risk_ids), rng.randint(0, 2)))
                    if risk_ids
                    else []
                )
                links.append((j, rlinks))
            ids = insert_rows(Event, "event", rows)
            link_rows = [
                {"event_id": ids[j], "risk_id": r} for j, event_risks in links for r in event_risks
            ]
            for chunk in _chunks(link_rows):
                link_insert(EventRiskLink, chunk)
            for (_j, event_risks), row in zip(links, rows, strict=True):
                changes = _create_changes(row)
                changes["stakeholder"] = [None, ref_for(STAKEHOLDER_PREFIX, row["stakeholder_id"])]
                if row["partnership_id"]:
                    changes["partnership"] = [None, ref_for("P", row["partnership_id"])]
                if event_risks:
                    changes["risks"] = [None, sorted(ref_for("R", r) for r in event_risks)]
                entries.append(
                    audit.PendingEntry("event", row["ref"], "import", changes, row["created_at"])
                )
            flush_audit()
            made += n
            tick(n)

        # score history ----------------------------------------------------------
        if risk_updates and risk_state:
            history: list[tuple[dt.datetime, int, dict[str, list[Any]]]] = []
            for _ in range(risk_updates):
                i = rng.randrange(len(risk_state))
                day = first_day + dt.timedelta(days=rng.randrange(1, days + 1))
                history.append((_at(day, rng), i, {}))
            history.sort(key=lambda item: item[0])
            for when, i, _unused in history:
                row = risk_state[i]["row"]
                field = rng.choice(
                    ("likelihood", "impact", "residual_likelihood", "residual_impact")
                )
                old = row[field]
                new = max(1, min(5, old + rng.choice((-1, 1))))
                if new == old:
                    new = 2 if old == 1 else old - 1
                row[field] = new
                entries.append(
                    audit.PendingEntry(
                        "risk", risk_state[i]["ref"], "update", {field: [old, new]}, when
                    )
                )
                if len(entries) >= BATCH:
                    flush_audit()
            flush_audit()
            # the table holds the final state of the replayed history
            from sqlalchemy import bindparam, update

            stmt = (
                update(Risk)
                .where(Risk.ref == bindparam("r_ref"))  # type: ignore[arg-type]
                .values(
                    likelihood=bindparam("l"),
                    impact=bindparam("i"),
                    residual_likelihood=bindparam("rl"),
                    residual_impact=bindparam("ri"),
                )
            )
            params = [
                {
                    "r_ref": s["ref"],
                    "l": s["row"]["likelihood"],
                    "i": s["row"]["impact"],
                    "rl": s["row"]["residual_likelihood"],
                    "ri": s["row"]["residual_impact"],
                }
                for s in risk_state
            ]
            for chunk in _chunks(params):
                session.connection().execute(stmt, chunk)
            tick(risk_updates)
    return GeneratedCounts(stakeholders, partnerships, risks, events, audit_count, actions)


def _create_changes(row: dict[str, Any]) -> dict[str, list[Any]]:
    skip = {
        "ref",
        "name_key",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
        "partner_id",
        "stakeholder_id",
        "partnership_id",
        "responds_to_id",
    }
    return {k: [None, v] for k, v in row.items() if k not in skip and v not in (None, "", [])}
