"""QUALITY.md R3: hostile text goes through import, the database, CSV and XLSX literally."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db import repository
from db.importexport import export_file, import_file
from db.importexport.neutralise import neutralise, xlsx_escape
from db.models import EventCreate, StakeholderCreate
from tests.data.hostile_strings import HOSTILE_STRINGS
from tests.importexport.helpers import all_values, fresh_register, read_rows, write_csv, write_xlsx


def _fits(text: str, low: int, high: int) -> bool:
    return low <= len(text.strip()) <= high


def _stakeholder_rows() -> list[list[str]]:
    rows, names = [], set()
    for i, s in enumerate(HOSTILE_STRINGS):
        name = s if _fits(s, 1, 200) and s.strip().casefold() not in names else f"Stakeholder {i}"
        names.add(name.strip().casefold())
        rows.append([name, s, s, s[:200]])
    return rows


def _event_rows() -> list[list[str]]:
    rows = []
    for i, s in enumerate(HOSTILE_STRINGS):
        title = s if _fits(s, 3, 200) else f"Event {i}"
        rows.append(["2026-01-01", title, s[:5000], s[:500], s[:100]])
    return rows


CASES: dict[str, tuple[list[str], Any, Any]] = {
    "stakeholder": (
        ["name", "description", "notes", "relationship_owner"],
        _stakeholder_rows,
        StakeholderCreate,
    ),
    "event": (
        ["occurred_on", "title", "summary", "reach_basis", "metric_unit"],
        _event_rows,
        EventCreate,
    ),
}


def _expected(model: Any, header: list[str], row: list[str]) -> dict[str, Any]:
    """What the models make of the row: the text, trimmed; a blank optional field None."""
    data = dict(zip(header, row, strict=True))
    validated = model.model_validate(data)
    return {k: getattr(validated, k) for k in header if k != "occurred_on"}


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["stakeholder", "event"])
def test_hostile_corpus_round_trips_literally(register, tmp_path, kind, ext):
    header, make_rows, model = CASES[kind]
    rows = make_rows()
    # the file a user would have: formula-like text neutralised the way export writes it
    # (and, in XLSX, control characters escaped as Excel stores them: _x001B_)
    source = [[neutralise(v) for v in row] for row in rows]
    if ext == "xlsx":
        source = [[xlsx_escape(v) for v in row] for row in source]
    write = write_csv if ext == "csv" else write_xlsx
    path = write(tmp_path / f"in.{ext}", header, source)
    assert import_file(register, kind, path, actor="t").created == len(rows)
    with register.session() as s:
        for i, row in enumerate(rows):
            ref = repository.format_ref("S" if kind == "stakeholder" else "E", i + 1)
            record = repository.get_by_ref(s, kind, ref)
            for field, value in _expected(model, header, row).items():
                assert getattr(record, field) == value, (field, row)
    out = tmp_path / f"out.{ext}"
    export_file(register, kind, out)
    second = fresh_register(tmp_path / "second.db")
    try:
        import_file(second, kind, out, actor="t")
        assert all_values(second, kind) == all_values(register, kind)
        out2 = tmp_path / f"out2.{ext}"
        export_file(second, kind, out2)

        def strip(rs):
            return [
                {k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rs
            ]

        assert strip(read_rows(out)) == strip(read_rows(out2))
    finally:
        second.dispose()


TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=300
)


def test_arbitrary_text_round_trips(tmp_path_factory):
    """Property: any text stored in a field comes back the same through CSV and XLSX."""
    work = tmp_path_factory.mktemp("prop")
    register = fresh_register(work / "prop.db")
    counter = itertools.count(1)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(description=TEXT, notes=TEXT)
    def check(description: str, notes: str) -> None:
        n = next(counter)
        name = f"Body {n}"
        src = write_csv(
            work / "src.csv",
            ["name", "description", "notes"],
            [[name, neutralise(description), neutralise(notes)]],
        )
        result = import_file(register, "stakeholder", src, actor="t")
        ref = result.created_refs[0]
        expected = StakeholderCreate.model_validate(
            {"name": name, "description": description, "notes": notes}
        )
        with register.session() as s:
            record = repository.get_by_ref(s, "stakeholder", ref)
            assert (record.description, record.notes) == (expected.description, expected.notes)
            record_id = record.id
        for ext in ("csv", "xlsx"):
            out = work / f"one.{ext}"
            export_file(register, "stakeholder", out, ids=[record_id])
            again = import_file(register, "stakeholder", out, actor="t")
            assert (again.unchanged, again.updated, again.created) == (1, 0, 0), ext

    try:
        check()
    finally:
        register.dispose()
