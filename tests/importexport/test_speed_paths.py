"""The quick paths of the bulk import give exactly what the slow, obvious paths give.

* ``Rules`` (db/importexport/rules.py) against the ``*Create`` model itself, on
  random values of the types the converters hand it (every kind, with the scales'
  boundaries: tests/importexport/test_validate_equal.py);
* the column-by-column pass of ``prepare`` against the row-by-row model path, on
  random CSV rows (good and bad): the same plan, or the same error messages (events
  here, every kind in test_validate_equal.py);
* the audit ``changes`` text against ``audit.dumps``, and the spelled-out digest
  of ``audit.record_encoded`` against ``audit.entry_digest`` (via ``verify_chain``);
* the index rebuild of a large import into a small table: same schema after, sound
  file, and everything (indexes included) back as it was after a cancel.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from db import audit, repository
from db.errors import Cancelled, ValidationFailed
from db.importexport import import_file
from db.importexport import importer as imp
from db.importexport.reader import Table
from db.importexport.rules import Rules
from db.models import EventCreate, StakeholderCreate
from tests.importexport.helpers import ACTOR, fresh_register, plan_view, schema, seed, write_csv

SETTINGS = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text as cells may hold it: edges of the length limits, blanks, padding, odd characters.
_text = st.one_of(
    st.text(max_size=8),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "  ab ",
            "abc",
            " abc ",
            "\t\n",
            "\x1c x \x1f",
            "\u3000abc\u3000",
            "x" * 200,
            "x" * 201,
            " " + "y" * 200 + " ",
            "'quoted",
            "=1+1",
            "é" * 5,
            "\ud800 bad",
        ]
    ),
)
_ints = st.one_of(st.integers(-5, 8), st.integers(-(2**63), 2**63 - 1))
_today = dt.date.today()
_dates = st.one_of(
    st.dates(),
    st.sampled_from([_today, _today + dt.timedelta(days=1), _today + dt.timedelta(days=2)]),
)


def _enum_text(values: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(values),
        st.sampled_from(values).map(lambda v: f" {v} "),
        st.sampled_from(values).map(str.upper),
        _text,
    )


def _model_values(model: Any, data: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return dict(model.__pydantic_validator__.validate_python(data).__dict__)
    except ValidationError:
        return None


_EVENT_FIELDS = {
    "classification": _enum_text(["PUBLIC", "UNCLASSIFIED", "RESTRICTED", "SECRET"]),
    "notes": _text,
    "occurred_on": _dates,
    "title": _text,
    "kind": _enum_text(["criticism", "statement", "other"]),
    "severity": _ints,
    "sentiment": _ints,
    "reach": _ints,
    "reach_basis": _text,
    "metric_value": st.floats(allow_nan=False),
    "metric_unit": _text,
    "channel": _enum_text(["press", "other"]),
    "source_url": st.one_of(
        _text,
        st.sampled_from(
            [
                "https://example.org/x",
                "http://a.b",
                "ftp://x.org",
                "https://x.org/a b",
                " https://x.org ",
            ]
        ),
    ),
    "summary": _text,
    "stakeholder_id": _ints,
    "partnership_id": _ints,
    "responds_to_id": _ints,
    "risk_ids": st.lists(st.integers(1, 10**6), max_size=3),
}
_STAKEHOLDER_FIELDS = {
    "classification": _EVENT_FIELDS["classification"],
    "notes": _text,
    "name": _text,
    "kind": _enum_text(["government", "company", "other"]),
    "description": _text,
    "influence": _ints,
    "interest": _ints,
    "stance": _ints,
    "relationship_owner": _text,
}


_VALID_BASE = {
    EventCreate: {
        "occurred_on": dt.date(2026, 1, 5),
        "title": "A title",
        "kind": "statement",
        "severity": 2,
        "reach": 10,
        "summary": "s",
        "stakeholder_id": 3,
        "metric_value": 1.5,
        "risk_ids": [1],
    },
    StakeholderCreate: {
        "name": "A name",
        "kind": "company",
        "influence": 2,
        "stance": -1,
        "notes": "n",
    },
}


def _rows(
    model: Any, fields: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly a valid row with one field changed (a missing or odd value), sometimes any row."""

    @st.composite
    def one_changed(draw: Any) -> dict[str, Any]:
        row = dict(_VALID_BASE[model])
        name = draw(st.sampled_from(sorted(fields)))
        if draw(st.booleans()) and name in row:
            del row[name]
        else:
            row[name] = draw(fields[name])
        return row

    return st.one_of(
        one_changed(), one_changed(), one_changed(), st.fixed_dictionaries({}, optional=fields)
    )


@pytest.mark.parametrize(
    ("model", "fields"), [(EventCreate, _EVENT_FIELDS), (StakeholderCreate, _STAKEHOLDER_FIELDS)]
)
def test_quick_check_accepts_and_refuses_exactly_what_the_model_does(model, fields):
    fast = Rules.build(model)
    assert fast is not None

    @SETTINGS
    @given(_rows(model, fields))
    def check(data: dict[str, Any]) -> None:
        expected = _model_values(model, data)
        got = fast(dict(data))
        assert got == expected
        if got is not None:  # the same types too (enum members, not their text)
            assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}

    check()


def test_every_kind_has_column_rules_model_validators_included():
    # partnerships (dates in order) and risks (residual pair) have model validators:
    # the column-wise route runs them, so no kind is left to the row-by-row model only
    for kind in ("stakeholder", "partnership", "risk", "event"):
        assert Rules.build(repository.spec(kind).create) is not None


# --------------------------------------------------------------------------- prepare, both ways

_HEADER = [
    "ref",
    "occurred_on",
    "title",
    "kind",
    "stakeholder",
    "partnership",
    "risks",
    "severity",
    "sentiment",
    "reach",
    "metric_value",
    "channel",
    "source_url",
    "summary",
    "responds_to",
    "classification",
]
# Per column: spellings the import accepts, then ones it refuses (or that need care).
_GOOD: dict[str, list[str]] = {
    "ref": ["", "", "", "E-0500", "E-0501", "e-502"],
    "occurred_on": ["2026-01-05", " 2026-03-01 ", "2026-01-05 00:00"],
    "title": ["A title", "  padded title  ", "'=neutralised", "Ünïcode ✓", "x" * 200],
    "kind": ["criticism", "Media report", "STATEMENT", " other ", ""],
    "stakeholder": ["", "S-001", "NATO", "nato", " S-002 "],
    "partnership": ["", "P-001", "Defence department contract"],
    "risks": ["", "R-001", "R-001;R-002", "R-001; Customer cancellations"],
    "severity": ["1", "5", "", "3.0", " 2 "],
    "sentiment": ["-2", "2", "", "Hostile", "0"],
    "reach": ["", "0", "120000", "1e3"],
    "metric_value": ["", "1.5", "-3", "1e308"],
    "channel": ["", "press", "Social media"],
    "source_url": ["", "https://example.org/a"],
    "summary": ["", "A summary", "'+x"],
    "responds_to": ["", "", "", "E-0001", "E-0500", "E-0501"],
    "classification": ["", "UNCLASSIFIED", "restricted", "Secret"],
}
_ODD: dict[str, list[str]] = {
    "ref": ["E-0001", "X-1", "E-0003", "E-0500"],
    "occurred_on": [
        "2026-02-30",
        "05/01/2026",
        "",
        (_today + dt.timedelta(days=3)).isoformat(),
        "2026-01-05 10:00",
    ],
    "title": ["ab", "", "x" * 201, "   ", "'"],
    "kind": ["nonsense", "criticism;statement"],
    "stakeholder": ["S-999", "Nobody", "P-001"],
    "partnership": ["P-404", "nobody"],
    "risks": ["R-9", ";;", "R-001;nothing"],
    "severity": ["6", "0", "3.5", "x", "1_0", "True"],
    "sentiment": ["3", "-3", "Champion!", "99999999999999999999"],
    "reach": ["-1", "99999999999999999999", "1.5"],
    "metric_value": ["nan", "inf", "abc", "-inf"],
    "channel": ["fax"],
    "source_url": ["ftp://x", "https://a b.org", "x" * 2001, "https://x.org/" + "y" * 2000],
    "summary": ["y" * 5001],
    "responds_to": ["E-0777", "nonsense", "E-0502"],
    "classification": ["TOP", "unclassified!"],
}


@st.composite
def _csv_row(draw: Any) -> dict[str, str]:
    row = {name: draw(st.sampled_from(values)) for name, values in _GOOD.items()}
    if draw(st.integers(0, 2)) == 0:  # a third of the rows have one odd cell
        name = draw(st.sampled_from(sorted(_ODD)))
        row[name] = draw(st.sampled_from(_ODD[name]))
    return row


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    register = fresh_register(tmp_path_factory.mktemp("quick") / "r.db")
    seed(register)
    yield register
    register.dispose()


def _prepare(register: Any, table: Table, quick: bool) -> Any:
    with register.session() as session:
        try:
            return plan_view(imp.prepare(session, "event", table, column_wise=quick))
        except ValidationFailed as exc:
            return [str(e) for e in exc.errors]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_csv_row(), min_size=1, max_size=12), st.permutations(_HEADER))
def test_column_pass_plans_exactly_what_the_row_pass_plans(seeded, rows, header):
    table = Table(
        header=list(header), rows=[(n, [r[c] for c in header]) for n, r in enumerate(rows, 2)]
    )
    assert _prepare(seeded, table, True) == _prepare(seeded, table, False)


# --------------------------------------------------------------------------- audit text and chain

_json_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.lists(st.text(min_size=1), min_size=0, max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["b", "a", "title", "risks", "occurred_on", "zz", "ä"]), _json_values
        ),
        min_size=1,
        max_size=5,
    )
)
def test_changes_text_is_what_audit_dumps_writes(records):
    names = sorted({k for r in records for k in r})
    columns = {name: [r.get(name) for r in records] for name in names}
    got = audit.creation_changes(columns)
    for k, text in enumerate(got):
        expected = {
            name: [None, values[k].isoformat() if isinstance(values[k], dt.date) else values[k]]
            for name, values in columns.items()
            if values[k] is not None and values[k] != "" and values[k] != []
        }
        assert text == audit.dumps(expected)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.text(max_size=6), st.text(max_size=20)), min_size=1, max_size=4),
    st.text(max_size=8),
)
def test_encoded_entries_extend_the_chain_as_entry_digest_says(register, items, actor):
    with register.write() as session:
        audit.record_encoded(
            session,
            actor=actor,
            kind="event",
            action="import",
            items=[(ref, audit.dumps({"t": [None, text]})) for ref, text in items],
        )
    with register.session() as session:
        assert audit.verify_chain(session) == []


# --------------------------------------------------------------------------- index rebuild


def _events_csv(path: Path, n: int) -> Path:
    # refs E-0004 onwards (the seed has three events); every 7th answers the one before it
    rows = [
        [
            f"E-{i + 3:04d}",
            f"2026-01-{1 + i % 28:02d}",
            f"Bulk event {i}",
            ["criticism", "statement"][i % 2],
            1 + i % 5,
            "S-001" if i % 3 else "",
            f"E-{i + 2:04d}" if i % 7 == 3 else "",
        ]
        for i in range(1, n + 1)
    ]
    header = ["ref", "occurred_on", "title", "kind", "severity", "stakeholder", "responds_to"]
    return write_csv(path, header, rows)


def test_large_import_into_a_small_table_rebuilds_indexes_to_the_same_schema(tmp_path, monkeypatch):
    from db.queries import importexport as q

    monkeypatch.setattr(q, "REBUILD_MIN_ROWS", 50)  # the rule, on a file small enough to be quick
    path = tmp_path / "r.db"
    register = fresh_register(path)
    try:
        seed(register)
        before = schema(path)
        result = import_file(register, "events", _events_csv(tmp_path / "e.csv", 400), actor=ACTOR)
        assert result.created == 400
        assert schema(path) == before
        with register.session() as session:
            from db.queries.integrity import foreign_key_problems, integrity_problems

            assert integrity_problems(session) == []
            assert foreign_key_problems(session) == []
            assert audit.verify_chain(session) == []
            # the rebuilt indexes answer: the planner uses them and they hold every row
            con = session.connection()
            assert (
                con.exec_driver_sql("SELECT count(*) FROM event INDEXED BY ix_event_title").scalar()
                == 403
            )
            assert (
                con.exec_driver_sql(
                    "SELECT count(*) FROM audit_entry INDEXED BY ix_audit_entry_entity_ref"
                ).scalar()
                == con.exec_driver_sql("SELECT count(*) FROM audit_entry").scalar()
            )
            responder = repository.get_by_ref(session, "event", "E-0006")
            answered = repository.get_by_ref(session, "event", "E-0005")
            assert responder.responds_to_id == answered.id
    finally:
        register.dispose()


def test_cancel_after_the_rebuild_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    from db.queries import importexport as q

    monkeypatch.setattr(q, "REBUILD_MIN_ROWS", 50)
    path = tmp_path / "r.db"
    register = fresh_register(path)
    try:
        seed(register)
        before = schema(path)
        with register.session() as session:
            counter = audit.change_counter(session)
        real_write = imp.write

        def write_then_cancel(*args: Any, **kwargs: Any) -> Any:
            real_write(*args, **kwargs)  # indexes dropped, rows in, indexes built again
            raise Cancelled("import cancelled; nothing was written")

        monkeypatch.setattr(imp, "write", write_then_cancel)
        with pytest.raises(Cancelled):
            import_file(register, "events", _events_csv(tmp_path / "e.csv", 300), actor=ACTOR)
        assert schema(path) == before
        with register.session() as session:
            assert repository.counts(session)["event"] == 3
            assert audit.change_counter(session) == counter
            assert audit.verify_chain(session) == []
    finally:
        register.dispose()


def _dumped(columns: dict[str, list[Any]]) -> list[str]:
    """Each record's changes text as ``audit.dumps`` writes it, one record at a time."""
    count = len(next(iter(columns.values())))
    return [
        audit.dumps(
            {
                name: [None, audit.to_jsonable(values[k])]
                for name, values in columns.items()
                if audit.is_given(values[k])
            }
        )
        for k in range(count)
    ]


@pytest.mark.parametrize("first_always_given", [True, False])
def test_changes_text_of_a_large_batch_is_what_dumps_writes(first_always_given):
    """The shortcuts a batch of thousands takes (each repeated value encoded once, a
    column given in no record left out, the first column opening every text) give
    dumps' text; so do the columns they must not take (lists holding other than refs,
    lists that cannot be keys, a first column blank in some records)."""
    n = 3000
    columns: dict[str, list[Any]] = {
        "a_first": [f"v{k % 7}" if first_always_given or k % 3 else None for k in range(n)],
        "b_never": [None] * n,
        "c_blank": [""] * n,
        "kind": [["statement", "criticism", "other"][k % 3] for k in range(n)],
        "level": [k % 5 - 2 for k in range(n)],
        "reach": list(range(n)),
        "title": [f'Event "{k}" é' for k in range(n)],
        "on": [dt.date(2026, 1, 1) + dt.timedelta(days=k % 40) for k in range(n)],
        "risks": [[f"R-{k % 9:03d}"] if k % 4 else ([] if k % 8 else None) for k in range(n)],
        "mixed": [[1, "x"] if k % 2 else ["x"] for k in range(n)],
        "nested": [[["x"]] if k % 5 == 0 else None for k in range(n)],
        "score": [k / 7 if k % 2 else None for k in range(n)],
    }
    assert audit.creation_changes(columns) == _dumped(columns)
    nothing = {"b_never": [None] * 4, "c_blank": ["", None, [], ""]}
    assert audit.creation_changes(nothing) == ["{}"] * 4 == _dumped(nothing)
    assert audit.creation_changes({"b_never": []}) == []


def test_a_column_of_one_time_stamp_is_processed_as_each_value_would_be():
    """``_processed`` (the bind processing of insert_tuples): one object throughout is
    processed once; equal but distinct stamps, and None among them, each as before."""
    seen: list[Any] = []

    def process(value: Any) -> str:
        seen.append(value)
        return value.isoformat()

    stamp = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    assert audit._processed([stamp] * 1000, process) == [stamp.isoformat()] * 1000
    assert seen == [stamp]
    assert audit._processed([None] * 3, process) == [None] * 3
    other_zone = stamp.astimezone(dt.timezone(dt.timedelta(hours=2)))  # equal, not the same
    assert audit._processed([stamp, other_zone, None, stamp], process) == [
        stamp.isoformat(),
        other_zone.isoformat(),
        None,
        stamp.isoformat(),
    ]
