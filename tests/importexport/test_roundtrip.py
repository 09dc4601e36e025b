"""Export -> import -> export round-trips every kind exactly, in CSV and in XLSX."""

from __future__ import annotations

import pytest

from db import audit
from db.importexport import column_names, export_file, import_file
from tests.importexport.helpers import (
    KINDS,
    all_values,
    fresh_register,
    read_csv,
    read_rows,
    seed,
    without_bookkeeping,
)


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_every_kind_round_trips(register, tmp_path, ext):
    seed(register)
    second = fresh_register(tmp_path / "second.db")
    try:
        for kind in KINDS:
            first_file = tmp_path / f"{kind}-a.{ext}"
            assert export_file(register, kind, first_file) > 0
            result = import_file(second, kind, first_file, actor="importer")
            assert result.created == result.rows and result.updated == 0
        for kind in KINDS:
            # the database content is the same, links and all
            assert all_values(second, kind) == all_values(register, kind)
            first_file = tmp_path / f"{kind}-a.{ext}"
            second_file = tmp_path / f"{kind}-b.{ext}"
            export_file(second, kind, second_file)
            a, b = read_rows(first_file), read_rows(second_file)
            assert list(a[0]) == column_names(kind)
            assert without_bookkeeping(a) == without_bookkeeping(b)
            # ids match too, since the seed made no gaps
            assert [r["id"] for r in a] == [r["id"] for r in b]
        # each import entry of the audit says what repository.values() says of the record
        with second.session() as s:
            entries = audit.history(s)
        assert {e.action for e in entries} == {"import"}
        for entry in entries:
            values = all_values(second, entry.entity_kind)[entry.entity_ref]
            expected = {k: [None, v] for k, v in values.items() if v not in (None, [], "")}
            assert audit.parse_changes(entry) == expected
    finally:
        second.dispose()


def test_reimporting_an_export_changes_nothing(register, tmp_path):
    seed(register)
    with register.session() as s:
        before = len(audit.history(s))
    for kind in KINDS:
        path = tmp_path / f"{kind}.csv"
        export_file(register, kind, path)
        result = import_file(register, kind, path, actor="again")
        assert (result.created, result.updated) == (0, 0)
        assert result.unchanged == result.rows > 0
    with register.session() as s:
        assert len(audit.history(s)) == before


def test_export_writes_links_as_refs_and_numbers_plainly(register, tmp_path):
    seed(register)
    export_file(register, "events", tmp_path / "e.csv")
    export_file(register, "risks", tmp_path / "r.csv")
    events = {r["ref"]: r for r in read_csv(tmp_path / "e.csv")}
    assert events["E-0001"]["stakeholder"] == "S-003"
    assert events["E-0001"]["risks"] == "R-001"
    assert events["E-0002"]["risks"] == "R-001;R-002"
    assert events["E-0003"]["responds_to"] == "E-0001"
    assert events["E-0002"]["metric_value"] == "-1250.5"  # a number: not neutralised
    assert events["E-0001"]["sentiment"] == "-2"
    assert events["E-0001"]["occurred_on"] == "2026-02-03"
    risks = {r["ref"]: r for r in read_csv(tmp_path / "r.csv")}
    assert risks["R-001"]["partnerships"] == "P-001;P-002"
    assert risks["R-001"]["stakeholders"] == "S-003"
    assert risks["R-002"]["partnerships"] == ""


def test_export_of_selected_ids_and_progress(register, tmp_path):
    made = seed(register)
    calls = []
    ids = [made["events"][0].id, made["events"][2].id]
    n = export_file(
        register,
        "event",
        tmp_path / "some.xlsx",
        ids=ids,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert n == 2
    assert [r["ref"] for r in read_rows(tmp_path / "some.xlsx")] == ["E-0001", "E-0003"]
    assert calls and calls[-1] == (2, 2)


def test_export_refuses_other_extensions_and_leaves_no_file(register, tmp_path):
    from db.errors import RegisterError

    for name in ("out.xls", "out.txt", "out"):
        with pytest.raises(RegisterError, match="csv or .xlsx"):
            export_file(register, "events", tmp_path / name)
        assert not (tmp_path / name).exists()


def test_cancelled_export_leaves_no_file_and_keeps_the_old_one(register, tmp_path):
    from db.errors import Cancelled

    seed(register)
    target = tmp_path / "e.csv"
    target.write_text("old content", encoding="utf-8")
    with pytest.raises(Cancelled):
        export_file(register, "events", target, cancel=lambda: True)
    assert target.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_extreme_values_round_trip_through_xlsx(register, tmp_path):
    import datetime as dt

    from db import repository
    from db.models import EventCreate

    with register.write() as s:
        for i, day in enumerate(
            [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(1900, 2, 28), dt.date(2026, 1, 1)]
        ):
            repository.create(
                s,
                "event",
                EventCreate(
                    occurred_on=day,
                    title=f"Edge {i}",
                    reach=2**60 + i,
                    metric_value=1e-300 if i else -1e300,
                    sentiment=-2,
                ),
                actor="t",
            )
    path = tmp_path / "edge.xlsx"
    export_file(register, "events", path)
    second = fresh_register(tmp_path / "second.db")
    try:
        import_file(second, "events", path, actor="t")
        assert all_values(second, "event") == all_values(register, "event")
    finally:
        second.dispose()
