"""The bulk path writes what one-by-one ``repository.create`` would have written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from db import repository
from db.importexport import import_file
from db.models import AuditEntry, EventRiskLink, RefCounter
from tests.importexport.helpers import fresh_register, seed, write_csv

N = 120


def _rows() -> list[dict[str, Any]]:
    kinds = ["criticism", "statement", "media_report", "other"]
    rows = []
    for i in range(N):
        rows.append(
            {
                "occurred_on": dt.date(2026, 1, 1) + dt.timedelta(days=i % 60),
                "title": f"Event number {i}",
                "kind": kinds[i % 4],
                "severity": 1 + i % 5,
                "sentiment": -2 + i % 5,
                "reach": None if i % 3 else i * 100,
                "metric_value": None if i % 4 else i / 7,
                "summary": "=formula-like" if i % 10 == 0 else None,
                "classification": "RESTRICTED" if i % 6 == 0 else "UNCLASSIFIED",
                "stakeholder": f"S-00{1 + i % 3}" if i % 2 else None,
                "partnership": "P-001" if i % 5 == 0 else None,
                "risks": ["R-001", "R-002"][: i % 3],
            }
        )
    return rows


def _table(register, table) -> list[tuple]:
    skip = {"created_at", "updated_at"}
    cols = [c for c in table.__table__.columns if c.name not in skip]
    with register.session() as s:
        return [
            tuple(r)
            for r in s.execute(select(*cols).order_by(*table.__table__.primary_key.columns))
        ]


def _audit(register) -> list[tuple]:
    with register.session() as s:
        rows = s.execute(
            select(
                AuditEntry.actor,
                AuditEntry.entity_kind,
                AuditEntry.entity_ref,
                AuditEntry.action,
                AuditEntry.changes,
            )
            .where(AuditEntry.entity_kind == "event")
            .order_by(AuditEntry.id)
        )
        return [tuple(r) for r in rows]


def test_bulk_import_equals_one_by_one_creates(tmp_path):
    rows = _rows()
    bulk = fresh_register(tmp_path / "bulk.db")
    slow = fresh_register(tmp_path / "slow.db")
    try:
        made = {"bulk": seed(bulk), "slow": seed(slow)}
        header = [
            "occurred_on",
            "title",
            "kind",
            "severity",
            "sentiment",
            "reach",
            "metric_value",
            "summary",
            "classification",
            "stakeholder",
            "partnership",
            "risks",
        ]
        from db.importexport.neutralise import neutralise

        def cell(v: Any) -> Any:
            if v is None:
                return ""
            if isinstance(v, list):
                return ";".join(v)
            if isinstance(v, float):
                return repr(v)
            return neutralise(v) if isinstance(v, str) else str(v)

        path = write_csv(tmp_path / "e.csv", header, [[cell(r[h]) for h in header] for r in rows])
        assert import_file(bulk, "events", path, actor="tester").created == N

        ids = {
            "S": {s.ref: s.id for s in made["slow"]["stakeholders"]},
            "P": {p.ref: p.id for p in made["slow"]["partnerships"]},
            "R": {r.ref: r.id for r in made["slow"]["risks"]},
        }
        with slow.write() as s:
            for r in rows:
                data = {
                    k: v for k, v in r.items() if k not in ("stakeholder", "partnership", "risks")
                }
                data["stakeholder_id"] = ids["S"].get(r["stakeholder"])
                data["partnership_id"] = ids["P"].get(r["partnership"])
                data["risk_ids"] = [ids["R"][x] for x in r["risks"]]
                repository.create(
                    s, "event", repository.spec("event").create.model_validate(data), actor="tester"
                )

        tables = [repository.spec(k).table for k in ("stakeholder", "partnership", "risk", "event")]
        for table in [*tables, EventRiskLink, RefCounter]:
            assert _table(bulk, table) == _table(slow, table), table.__name__
        a, b = _audit(bulk), _audit(slow)
        assert len(a) == len(b) == N + 3
        assert [x[:3] + x[4:] for x in a] == [x[:3] + x[4:] for x in b]  # all but the action
        assert {x[3] for x in a[3:]} == {"import"} and {x[3] for x in b[3:]} == {"create"}
        with bulk.session() as s:
            from db.audit import verify_chain

            assert verify_chain(s) == []
    finally:
        bulk.dispose()
        slow.dispose()
