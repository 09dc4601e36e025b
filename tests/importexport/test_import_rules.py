"""The import contract: all or nothing, row numbers, columns, refs, links and labels."""

from __future__ import annotations

import datetime as dt

import pytest

from db import audit, repository
from db.errors import Cancelled, RegisterError, ValidationFailed
from db.importexport import import_file
from tests.importexport.helpers import (
    all_values,
    audit_rows,
    counts,
    seed,
    write_csv,
    write_xlsx,
)

EVENT_HEADER = ["occurred_on", "title", "kind", "stakeholder", "risks", "severity", "sentiment"]


def _errors(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [str(e) for e in exc.value.errors]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_bad_rows_are_all_reported_and_nothing_is_written(register, tmp_path, ext):
    seed(register)
    before_counts, before_audit = counts(register), audit_rows(register)
    rows = [
        ["2026-03-01", "Fine event one", "criticism", "S-001", "R-001", 3, -1],  # row 2
        ["2026-13-01", "Bad date", "criticism", "", "", 3, 0],  # row 3
        ["2026-03-02", "Fine event two", "statement", "NATO", "", 2, 1],  # row 4
        ["2026-03-03", "x", "rumour", "Nobody at all", "R-001;R-999", 9, 0],  # row 5
        ["2026-03-04", "Fine event three", "other", "", "", 3, 0],  # row 6
        ["", "No date", "other", "", "", "three", 0],  # row 7
    ]
    write = write_csv if ext == "csv" else write_xlsx
    path = write(tmp_path / f"events.{ext}", EVENT_HEADER, rows)
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    errors = _errors(exc)
    assert "row 3: occurred_on: is not a real date (YYYY-MM-DD)" in errors
    assert any(e.startswith("row 5: title: ") for e in errors)
    assert any(e.startswith("row 5: kind: must be one of criticism,") for e in errors)
    assert "row 5: stakeholder: no stakeholder with ref or name 'Nobody at all'" in errors
    assert "row 5: risks: no risk with ref or name 'R-999'" in errors
    assert any(e.startswith("row 5: severity: ") for e in errors)
    assert "row 7: occurred_on: is required" in errors
    assert "row 7: severity: must be a whole number" in errors
    assert {e.row for e in exc.value.errors} == {3, 5, 7}
    assert counts(register) == before_counts
    assert audit_rows(register) == before_audit


def test_row_numbers_count_spreadsheet_rows(register, tmp_path):
    """A quoted value spanning lines is one row; empty rows still count."""
    path = tmp_path / "s.csv"
    path.write_text(
        'name,description\n"A","two\nlines"\n\n"B",ok\n"",missing name\n', encoding="utf-8"
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "stakeholders", path, actor="t")
    assert _errors(exc) == ["row 5: name: is required"]


def test_unknown_and_duplicate_columns_are_named(register, tmp_path):
    path = write_csv(tmp_path / "s.csv", ["name", "Favourite colour", "NAME"], [["A", "blue", "A"]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "stakeholders", path, actor="t")
    errors = _errors(exc)
    assert errors[0].startswith("row 1: Favourite colour: unknown column")
    assert "row 1: name: appears twice (columns 1 and 3)" in errors
    assert counts(register)["stakeholder"] == 0


def test_missing_required_column_is_one_error(register, tmp_path):
    path = write_csv(tmp_path / "e.csv", ["title"], [["Event one"], ["Event two"]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    assert _errors(exc) == ["row 1: occurred_on: missing column: it is needed to create new events"]


def test_columns_in_any_order_optional_ones_left_out_bookkeeping_ignored(register, tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["created_by", "stance", "name", "id", "version", "updated_at"],
        [["someone else", "-1", "Press", "999", "7", "yesterday"]],
    )
    result = import_file(register, "stakeholders", path, actor="t")
    assert result.created_refs == ["S-001"]
    values = all_values(register, "stakeholder")["S-001"]
    assert values["name"] == "Press" and values["stance"] == -1 and values["kind"] == "other"
    with register.session() as s:
        record = repository.get_by_ref(s, "stakeholder", "S-001")
        assert (record.id, record.version, record.created_by) == (1, 1, "t")


def test_labels_are_accepted_in_any_case(register, tmp_path):
    seed(register)
    path = write_csv(
        tmp_path / "s.csv",
        ["name", "kind", "stance", "classification", "influence"],
        [
            ["Regulator X", "Defence Body", "hostile", "restricted", "5"],
            ["Investor Y", "CIVIL_SOCIETY", "Champion", "Secret", "1.0"],
        ],
    )
    import_file(register, "stakeholders", path, actor="t")
    values = all_values(register, "stakeholder")
    assert (
        values["S-004"]["kind"],
        values["S-004"]["stance"],
        values["S-004"]["classification"],
    ) == ("defence_body", -2, "RESTRICTED")
    assert (values["S-005"]["kind"], values["S-005"]["stance"], values["S-005"]["influence"]) == (
        "civil_society",
        2,
        1,
    )
    path = write_csv(
        tmp_path / "r.csv",
        [
            "title",
            "category",
            "likelihood",
            "impact",
            "treatment",
            "status",
            "residual_likelihood",
            "residual_impact",
        ],
        [
            [
                "Legal challenge",
                "Legal Regulatory",
                "almost certain",
                "SEVERE",
                "Transfer",
                "Monitoring",
                "rare",
                "minor",
            ]
        ],
    )
    import_file(register, "risks", path, actor="t")
    risk = all_values(register, "risk")["R-003"]
    assert (
        risk["category"],
        risk["likelihood"],
        risk["impact"],
        risk["treatment"],
        risk["status"],
    ) == ("legal_regulatory", 5, 5, "transfer", "monitoring")
    assert (risk["residual_likelihood"], risk["residual_impact"]) == (1, 2)


def test_links_by_ref_and_by_name(register, tmp_path):
    seed(register)
    path = write_csv(
        tmp_path / "p.csv",
        ["name", "partner", "status"],
        [["Alliance pilot", "nato", "negotiating"], ["Ministry follow-up", "s-1", "agreed"]],
    )
    import_file(register, "partnerships", path, actor="t")
    values = all_values(register, "partnership")
    assert values["P-003"]["partner"] == "S-002"
    assert values["P-004"]["partner"] == "S-001"
    path = write_csv(
        tmp_path / "r.csv",
        ["title", "partnerships", "stakeholders"],
        [
            [
                "Linked risk",
                "Defence department contract; P-002 ;alliance pilot",
                "AI researchers;S-001;s-001",
            ]
        ],
    )
    import_file(register, "risks", path, actor="t")
    risk = all_values(register, "risk")["R-003"]
    assert risk["partnerships"] == ["P-001", "P-002", "P-003"]
    assert risk["stakeholders"] == ["S-001", "S-003"]
    path = write_csv(
        tmp_path / "e.csv",
        ["occurred_on", "title", "stakeholder", "partnership", "risks", "responds_to"],
        [
            [
                "2026-03-01",
                "Reply",
                "ministry of defence",
                "NATO exploration",
                "reputational BACKLASH;R-002",
                "E-0001",
            ]
        ],
    )
    import_file(register, "events", path, actor="t")
    event = all_values(register, "event")["E-0004"]
    assert (event["stakeholder"], event["partnership"], event["risks"], event["responds_to"]) == (
        "S-001",
        "P-002",
        ["R-001", "R-002"],
        "E-0001",
    )


def test_ambiguous_risk_title_asks_for_the_ref(register, tmp_path):
    seed(register)
    path = write_csv(tmp_path / "r.csv", ["title"], [["Reputational backlash"]])
    import_file(register, "risks", path, actor="t")  # a second risk with the same title
    path = write_csv(
        tmp_path / "e.csv",
        ["occurred_on", "title", "risks"],
        [["2026-03-01", "Tweet", "Reputational backlash"]],
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    assert _errors(exc) == [
        "row 2: risks: 'Reputational backlash' matches 2 risks (R-001, R-003); use the ref"
    ]


def test_events_may_respond_to_events_in_the_same_file(register, tmp_path):
    path = write_csv(
        tmp_path / "e.csv",
        ["ref", "occurred_on", "title", "responds_to"],
        [
            ["E-0010", "2026-03-02", "Second clarification", "E-0011"],  # forward reference
            ["E-0011", "2026-03-01", "Clarification", "E-0012"],
            ["E-0012", "2026-02-28", "Criticism", ""],
            ["", "2026-03-03", "Follow-up", "e-12"],
        ],
    )
    result = import_file(register, "events", path, actor="t")
    assert result.created_refs == ["E-0010", "E-0011", "E-0012", "E-0013"]
    values = all_values(register, "event")
    assert values["E-0010"]["responds_to"] == "E-0011"
    assert values["E-0011"]["responds_to"] == "E-0012"
    assert values["E-0012"]["responds_to"] is None
    assert values["E-0013"]["responds_to"] == "E-0012"
    # the audit of each import entry says what values() says
    for _kind, ref, action, changes in audit_rows(register):
        assert action == "import"
        expected = {k: [None, v] for k, v in values[ref].items() if v not in (None, [], "")}
        assert changes == expected


def test_an_event_cannot_respond_to_itself(register, tmp_path):
    path = write_csv(
        tmp_path / "e.csv",
        ["ref", "occurred_on", "title", "responds_to"],
        [["E-0005", "2026-03-02", "Loop", "E-0005"]],
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    assert _errors(exc) == ["row 2: responds_to: an event cannot respond to itself"]


def test_existing_ref_updates_new_ref_creates_later_refs_follow(register, tmp_path):
    made = seed(register)
    nato_version = made["stakeholders"][1].version
    path = write_csv(
        tmp_path / "s.csv",
        ["ref", "name", "stance", "description"],
        [
            ["S-002", "NATO", "2", ""],  # update: stance changed, description cleared (was empty)
            ["S-050", "Think tank", "0", "new under its own ref"],
            ["", "Journalists", "-1", "next ref"],
        ],
    )
    result = import_file(register, "stakeholders", path, actor="importer")
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert result.created_refs == ["S-050", "S-051"]
    assert result.summary() == "imported 3 stakeholders (2 new, 1 updated)"
    values = all_values(register, "stakeholder")
    assert values["S-002"]["stance"] == 2
    assert values["S-050"]["name"] == "Think tank"
    assert values["S-051"]["name"] == "Journalists"
    with register.session() as s:
        nato = repository.get_by_ref(s, "stakeholder", "S-002")
        assert nato.version == nato_version + 1 and nato.updated_by == "importer"
        assert repository.reserve_refs(s, "stakeholder") == ["S-052"]
        s.rollback()
    history = [(a, c) for k, r, a, c in audit_rows(register) if r == "S-002"]
    assert history[-1] == ("update", {"stance": [0, 2]})


def test_update_rows_keep_what_they_leave_out(register, tmp_path):
    seed(register)
    before = all_values(register, "partnership")["P-001"]
    path = write_csv(
        tmp_path / "p.csv", ["ref", "status", "classification"], [["P-001", "paused", ""]]
    )
    result = import_file(register, "partnerships", path, actor="t")
    assert result.updated == 1
    after = all_values(register, "partnership")["P-001"]
    assert after == {**before, "status": "paused"}  # blank classification: left as it was


def test_update_rows_are_checked_as_whole_records(register, tmp_path):
    seed(register)
    path = write_csv(tmp_path / "p.csv", ["ref", "ended_on"], [["P-002", "2026-01-01"]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "partnerships", path, actor="t")
    assert _errors(exc) == ["row 2: ended_on: must not be before announced_on"]


def test_refs_are_checked(register, tmp_path):
    made = seed(register)
    with register.write() as s:
        repository.delete(s, "event", made["events"][1].id, actor="t")
    path = write_csv(
        tmp_path / "e.csv",
        ["ref", "occurred_on", "title"],
        [
            ["R-001", "2026-03-01", "Wrong prefix"],
            ["E-0020", "2026-03-01", "Fine"],
            ["e-20", "2026-03-01", "Same ref again"],
            ["E-0002", "2026-03-01", "A deleted record's ref"],
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    errors = _errors(exc)
    assert errors[0] == "row 2: ref: 'R-001' is not an event ref (like E-0001)"
    assert errors[1] == "row 4: ref: E-0020 is also on row 3"
    assert errors[2].startswith("row 5: ref: E-0002 belonged to a deleted event")


def test_names_must_stay_unique(register, tmp_path):
    seed(register)
    path = write_csv(tmp_path / "s.csv", ["name"], [["New body"], ["new BODY"], ["ai researchers"]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "stakeholders", path, actor="t")
    assert _errors(exc) == [
        "row 3: name: same name as row 2",
        "row 4: name: stakeholder S-003 already has this name",
    ]


def test_dry_run_validates_and_writes_nothing(register, tmp_path):
    seed(register)
    before = audit_rows(register)
    path = write_csv(
        tmp_path / "s.csv",
        ["ref", "name", "stance"],
        [["S-001", "Ministry of Defence", "-1"], ["", "Someone new", "0"]],
    )
    result = import_file(register, "stakeholders", path, actor="t", dry_run=True)
    assert (result.created, result.updated, result.dry_run) == (1, 1, True)
    assert result.summary() == "dry run: 2 stakeholders valid (1 new, 1 updated); nothing written"
    assert audit_rows(register) == before
    bad = write_csv(tmp_path / "bad.csv", ["name", "stance"], [["X", "7"]])
    with pytest.raises(ValidationFailed):
        import_file(register, "stakeholders", bad, actor="t", dry_run=True)


def test_bom_dates_and_numbers_in_several_spellings(register, tmp_path):
    path = write_csv(
        tmp_path / "e.csv",
        ["occurred_on", "title", "severity", "reach", "metric_value"],
        [["2026-03-01", "With BOM", "4.0", "+12", "1e3"]],
        bom=True,
    )
    import_file(register, "events", path, actor="t")
    event = all_values(register, "event")["E-0001"]
    assert (event["occurred_on"], event["severity"], event["reach"], event["metric_value"]) == (
        "2026-03-01",
        4,
        12,
        1000.0,
    )


def test_xlsx_cells_keep_their_types(register, tmp_path):
    path = write_xlsx(
        tmp_path / "e.xlsx",
        ["occurred_on", "title", "severity", "reach", "metric_value", "reach_basis"],
        [
            [dt.datetime(2026, 3, 1), "Typed cells", 2, 1500, 2.5, 12345],
            [dt.date(2026, 3, 2), 404, 2.0, None, None, None],
        ],
    )
    import_file(register, "events", path, actor="t")
    values = all_values(register, "event")
    assert (
        values["E-0001"]["occurred_on"] == "2026-03-01"
        and values["E-0001"]["reach_basis"] == "12345"
    )
    assert values["E-0002"]["title"] == "404" and values["E-0002"]["severity"] == 2


def test_future_and_timed_dates_and_non_finite_numbers_are_refused(register, tmp_path):
    far = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    path = write_csv(
        tmp_path / "e.csv",
        ["occurred_on", "title", "metric_value", "reach"],
        [
            [far, "Future", ""],
            ["2026-01-01 10:30", "Timed", ""],
            ["2026-01-01", "NaN metric", "nan"],
            ["2026-01-01", "Huge reach", "", "9" * 30],
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        import_file(register, "events", path, actor="t")
    assert _errors(exc) == [
        "row 2: occurred_on: must not be later than tomorrow",
        "row 3: occurred_on: must be a date YYYY-MM-DD",
        "row 4: metric_value: must be a finite number",
        "row 5: reach: is too large a number",
    ]


def test_unreadable_files_give_one_clear_message(register, tmp_path):
    cases = {
        "missing.csv": None,
        "data.xls": b"whatever",
        "empty.csv": b"",
        "latin1.csv": "name\nCaf\xe9\n".encode("latin-1"),
        "broken.xlsx": b"PK\x03\x04 not really a zip",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(RegisterError) as exc:
            import_file(register, "stakeholders", path, actor="t")
        assert name in str(exc.value)
        assert not isinstance(exc.value, ValidationFailed)
    assert counts(register)["stakeholder"] == 0


def test_cancel_rolls_back_and_progress_reaches_the_end(register, tmp_path):
    rows = [[f"Body {i}"] for i in range(3000)]
    path = write_csv(tmp_path / "s.csv", ["name"], rows)
    seen: list[tuple[int, int]] = []

    def cancel_late() -> bool:  # let validation finish, cancel during the writing
        return bool(seen) and seen[-1][0] > 3000

    with pytest.raises(Cancelled):
        import_file(
            register,
            "stakeholders",
            path,
            actor="t",
            progress=lambda d, t: seen.append((d, t)),
            cancel=cancel_late,
        )
    assert counts(register)["stakeholder"] == 0
    with register.session() as s:
        assert audit.history(s) == []
    seen.clear()
    result = import_file(
        register, "stakeholders", path, actor="t", progress=lambda d, t: seen.append((d, t))
    )
    assert result.created == 3000
    assert seen[-1] == (6000, 6000)
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:], strict=False))
