"""Small registers built through db.repository.create, and file helpers, for these tests."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from db import repository
from db.engine import Register, open_register
from db.models import (
    ActionCreate,
    EventCreate,
    PartnershipCreate,
    RiskCreate,
    StakeholderCreate,
    StakeholderUpdate,
)

KINDS = ("stakeholder", "partnership", "risk", "event", "action")
BOOKKEEPING = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
ACTOR = "tester"


def fresh_register(path: Path) -> Register:
    if path.exists():
        path.unlink()
    return open_register(path)


def seed(register: Register) -> dict[str, Any]:
    """A small register touching every field type and every kind of link."""
    with register.write() as s:
        mod = repository.create(
            s,
            "stakeholder",
            StakeholderCreate(
                name="Ministry of Defence",
                kind="defence_body",
                influence=5,
                interest=4,
                stance=1,
                relationship_owner='=HYPERLINK("x")',
                classification="RESTRICTED",
                description='Signed the contract.\nSecond line, with "quotes".',
            ),
            actor=ACTOR,
        )
        nato = repository.create(
            s,
            "stakeholder",
            StakeholderCreate(
                name="NATO", kind="government", stance=0, notes="-note starting with minus"
            ),
            actor=ACTOR,
        )
        researchers = repository.create(
            s,
            "stakeholder",
            StakeholderCreate(
                name="AI researchers",
                kind="research_community",
                influence=3,
                interest=5,
                stance=-2,
                description="@mention; semi;colons",
            ),
            actor=ACTOR,
        )
        # an edit, so that versions and the audit hold more than creates
        repository.update(s, "stakeholder", nato.id, StakeholderUpdate(interest=5), actor=ACTOR)
        p1 = repository.create(
            s,
            "partnership",
            PartnershipCreate(
                name="Defence department contract",
                partner_id=mod.id,
                status="active",
                network="classified",
                scope="Analysis tools",
                announced_on=dt.date(2026, 1, 12),
                owner="Policy lead",
                value=200000000.0,
                currency="usd",
                source_url="https://example.org/contract",
            ),
            actor=ACTOR,
        )
        p2 = repository.create(
            s,
            "partnership",
            PartnershipCreate(
                name="NATO exploration",
                partner_id=nato.id,
                status="exploring",
                network="unclassified",
                announced_on=dt.date(2026, 2, 1),
                ended_on=dt.date(2026, 3, 1),
                value=0.1,
                currency="EUR",
            ),
            actor=ACTOR,
        )
        r1 = repository.create(
            s,
            "risk",
            RiskCreate(
                title="Reputational backlash",
                category="reputational",
                likelihood=4,
                impact=4,
                residual_likelihood=3,
                residual_impact=2,
                treatment="mitigate",
                mitigation="+ publish usage policy",
                review_due=dt.date(2026, 6, 30),
                partnership_ids=[p1.id, p2.id],
                stakeholder_ids=[researchers.id],
            ),
            actor=ACTOR,
        )
        r2 = repository.create(
            s,
            "risk",
            RiskCreate(
                title="Customer cancellations",
                category="commercial",
                likelihood=3,
                impact=3,
                status="monitoring",
                classification="CONFIDENTIAL",
            ),
            actor=ACTOR,
        )
        e1 = repository.create(
            s,
            "event",
            EventCreate(
                occurred_on=dt.date(2026, 2, 3),
                title="Open letter from researchers",
                kind="criticism",
                stakeholder_id=researchers.id,
                partnership_id=p1.id,
                risk_ids=[r1.id],
                severity=4,
                sentiment=-2,
                reach=120000,
                reach_basis="signatures x 40",
                channel="open_letter",
                source_url="https://example.org/letter",
                summary="=1+1 in a summary",
            ),
            actor=ACTOR,
        )
        e2 = repository.create(
            s,
            "event",
            EventCreate(
                occurred_on=dt.date(2026, 2, 4),
                title="Subscriptions cancelled",
                kind="customer_action",
                risk_ids=[r1.id, r2.id],
                severity=3,
                sentiment=-1,
                metric_value=-1250.5,
                metric_unit="subscriptions cancelled",
                channel="social_media",
            ),
            actor=ACTOR,
        )
        e3 = repository.create(
            s,
            "event",
            EventCreate(
                occurred_on=dt.date(2026, 2, 5),
                title="Clarification issued",
                kind="statement",
                responds_to_id=e1.id,
                stakeholder_id=mod.id,
                sentiment=1,
                channel="official_statement",
                notes="'quoted start",
            ),
            actor=ACTOR,
        )
        a1 = repository.create(
            s,
            "action",
            ActionCreate(
                title="Publish the usage policy",
                risk_ids=[r1.id, r2.id],
                owner="=Head of Communications",
                due_on=dt.date(2026, 3, 1),
                status="in_progress",
                expected_likelihood=2,
                expected_impact=1,
                classification="RESTRICTED",
                notes="Both; semi;colons",
            ),
            actor=ACTOR,
        )
        a2 = repository.create(
            s, "action", ActionCreate(title="Brief researchers", risk_ids=[r1.id]), actor=ACTOR
        )
    return {
        "stakeholders": [mod, nato, researchers],
        "partnerships": [p1, p2],
        "risks": [r1, r2],
        "events": [e1, e2, e3],
        "actions": [a1, a2],
    }


def write_csv(path: Path, header: list[str], rows: list[list[Any]], *, bom: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_xlsx(path: Path) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def read_rows(path: Path) -> list[dict[str, Any]]:
    return read_csv(path) if path.suffix == ".csv" else read_xlsx(path)


def without_bookkeeping(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in BOOKKEEPING} for row in rows]


def all_values(register: Register, kind: str) -> dict[str, dict[str, Any]]:
    """ref -> repository.values(...) for every record of ``kind``."""
    from sqlalchemy import select

    table: Any = repository.spec(kind).table
    with register.session() as s:
        records = s.execute(select(table).order_by(table.id)).scalars().all()
        return {r.ref: repository.values(s, kind, r) for r in records}


def counts(register: Register) -> dict[str, int]:
    with register.session() as s:
        return repository.counts(s)


def audit_rows(register: Register) -> list[tuple[str, str, str, dict[str, Any]]]:
    from db import audit

    with register.session() as s:
        return [
            (e.entity_kind, e.entity_ref, e.action, audit.parse_changes(e))
            for e in audit.history(s)
        ]


def plan_view(plan: Any) -> list[tuple[Any, ...]]:
    """An import plan (``importer.prepare``) as plain data, to compare two plans."""
    return [
        (what, row.number, row.ref, row.record_id, row.values, row.link_refs, row.pending)
        for what, rows in (
            ("create", plan.creates),
            ("update", plan.updates),
            ("same", plan.unchanged),
        )
        for row in rows
    ]


def schema(path: Path) -> list[tuple[Any, ...]]:
    """Every table, index and trigger of a SQLite file with its SQL, sorted."""
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        con.close()
