"""The column-wise route of the import validator equals the models' own validation,
for every kind (stakeholders, partnerships, risks, events, actions).

* ``Rules`` (the checks the column-wise route runs, read from the ``*Create`` model)
  against the model itself, on random values of the types the cell converters hand
  over, with the boundaries of every constraint (each numeric scale's ends and one
  past them, every text length limit) and the model validators' cases (partnership
  dates in and out of order, a residual likelihood without its impact): accepted
  with the very same values and types, or refused, exactly when the model does.
* ``prepare`` column by column against ``prepare`` with every row through the model,
  on random files (good and bad cells, creates and updates, links by ref and by name,
  every column in any order): the same plan (values, link refs, pending links), or
  the same ``row N: field: reason`` messages.
* The column-wise route is really taken: a valid file of each kind is prepared
  without a single row going to the model.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest
from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from db import repository
from db.errors import ValidationFailed
from db.importexport import importer as imp
from db.importexport import validate
from db.importexport.columns import (
    DATE,
    ENUM,
    FLOAT,
    IGNORED,
    INT,
    LEVEL,
    OWN_REF,
    REF,
    REFS,
    STANCE_WORDS,
    TEXT,
    Column,
    columns_for,
)
from db.importexport.reader import Table
from db.importexport.rules import Rules
from db.kinds import REF_PREFIX
from db.scales import IMPACT_LABELS, LIKELIHOOD_LABELS
from tests.importexport.helpers import KINDS, fresh_register, plan_view, seed

RULE_EXAMPLES = 400  # per kind
FILE_EXAMPLES = 120  # per kind, files of 1..10 rows

_TODAY = dt.date.today()


def _bounds(info: Any) -> tuple[Any, Any, int, int | None]:
    low = high = None
    min_len, max_len = 0, None
    for item in info.metadata:
        if isinstance(item, Ge):
            low = item.ge
        elif isinstance(item, Gt):
            low = item.gt
        elif isinstance(item, Le):
            high = item.le
        elif isinstance(item, Lt):
            high = item.lt
        elif isinstance(item, MinLen):
            min_len = item.min_length
        elif isinstance(item, MaxLen):
            max_len = item.max_length
    return low, high, min_len, max_len


def _base(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if typing.get_origin(annotation) is not list and args else annotation


def _edges(low: Any, high: Any) -> list[Any]:
    return [v + d for v in (low, high) if v is not None for d in (-1, 0, 1)]


# --------------------------------------------------------------------------- Rules vs model

_text = st.one_of(
    st.text(max_size=8),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["", " ", "  ab ", "abc", "\t\n", "\u3000abc\u3000", "é" * 5, "\ud800 x"]),
)


def _value_strategy(info: Any) -> st.SearchStrategy[Any]:
    """Values of a field as the converters hand them over, edges of its limits first."""
    base = _base(info.annotation)
    low, high, min_len, max_len = _bounds(info)
    if base is int:
        return st.one_of(
            st.sampled_from(_edges(low, high) or [0]),
            st.integers(-6, 8),
            st.integers(-(2**63), 2**63 - 1),
        )
    if base is float:
        edges = [v + d for v in (low, high) if v is not None for d in (-1e-9, 0.0, 1e-9)]
        return st.one_of(
            st.sampled_from([*edges, -0.0, 5e-324, -5e-324, float("inf"), float("-inf")]),
            st.floats(allow_nan=False),
        )
    if base is dt.date:
        day = dt.timedelta(days=1)
        return st.one_of(
            st.dates(), st.sampled_from([_TODAY, _TODAY + day, _TODAY + 2 * day, _TODAY - day])
        )
    if base is str:
        lengths = sorted(
            {n for n in (min_len - 1, min_len, max_len, (max_len or 0) + 1) if n and n > 0}
        )
        return st.one_of(
            _text,
            st.sampled_from(lengths).map(lambda n: "x" * n),
            st.sampled_from(lengths).map(lambda n: " " + "y" * n + " "),
            st.sampled_from(["usd", "EUR", "US1", "https://example.org/x", "ftp://x.org"]),
        )
    if isinstance(base, type) and issubclass(base, str):  # an enum
        values = [m.value for m in base]
        return st.one_of(
            st.sampled_from(values),
            st.sampled_from(values).map(lambda v: f" {v} "),
            st.sampled_from(values).map(str.upper),
            _text,
        )
    if typing.get_origin(base) is list:
        return st.lists(st.sampled_from([0, 1, 2, 10**6, -1]), max_size=3)
    raise AssertionError(f"no strategy for {info.annotation!r}")


def _valid(kind: str) -> dict[str, Any]:
    return {
        "stakeholder": {"name": "A name", "influence": 2, "stance": -1},
        "partnership": {
            "name": "A deal",
            "partner_id": 3,
            "announced_on": dt.date(2026, 1, 5),
            "ended_on": dt.date(2026, 2, 5),
            "currency": "usd",
            "value": 0.0,
        },
        "risk": {
            "title": "A risk",
            "likelihood": 5,
            "impact": 1,
            "residual_likelihood": 1,
            "residual_impact": 5,
            "partnership_ids": [1, 2],
        },
        "event": {"occurred_on": dt.date(2026, 1, 5), "title": "An event", "risk_ids": [1]},
        "action": {"title": "An action", "risk_ids": [1, 2], "expected_likelihood": 2},
    }[kind]


def _model_rows(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """A valid row with one to three fields changed or dropped, or any row at all."""
    fields = repository.spec(kind).create.model_fields
    strategies = {name: _value_strategy(info) for name, info in fields.items()}

    @st.composite
    def changed(draw: Any) -> dict[str, Any]:
        row = dict(_valid(kind))
        for name in draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3)):
            if draw(st.integers(0, 4)) == 0:
                row.pop(name, None)
            elif draw(st.integers(0, 6)) == 0:
                row[name] = None
            else:
                row[name] = draw(strategies[name])
        return row

    return st.one_of(
        changed(), changed(), changed(), st.fixed_dictionaries({}, optional=strategies)
    )


def _by_model(model: Any, data: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return dict(validate.model_values(model, dict(data)))
    except ValidationError:
        return None


@pytest.mark.parametrize("kind", KINDS)
def test_rules_accept_and_refuse_exactly_what_the_model_does(kind):
    model = repository.spec(kind).create
    rules = Rules.build(model)
    assert rules is not None
    seen = {"accepted": 0, "refused": 0}

    @settings(max_examples=RULE_EXAMPLES, deadline=None)
    @given(_model_rows(kind))
    def check(data: dict[str, Any]) -> None:
        expected = _by_model(model, data)
        got = rules(dict(data))
        assert got == expected
        if got is not None:  # the same types too (enum members, not their text)
            assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}
        seen["accepted" if got is not None else "refused"] += 1

    check()
    assert seen["accepted"] and seen["refused"]  # both answers were exercised


@pytest.mark.parametrize(
    ("kind", "data", "accepted"),
    [
        # the model validators, at their edges
        (
            "partnership",
            {"announced_on": dt.date(2026, 1, 5), "ended_on": dt.date(2026, 1, 5)},
            True,
        ),
        (
            "partnership",
            {"announced_on": dt.date(2026, 1, 5), "ended_on": dt.date(2026, 1, 4)},
            False,
        ),
        ("partnership", {"announced_on": None, "ended_on": dt.date(2026, 1, 4)}, True),
        ("risk", {"residual_likelihood": 1, "residual_impact": None}, False),
        ("risk", {"residual_likelihood": None, "residual_impact": None}, True),
        ("risk", {"residual_likelihood": 5, "residual_impact": 5}, True),
        ("risk", {"residual_likelihood": 6, "residual_impact": 5}, False),
        ("risk", {"likelihood": 0}, False),
        ("stakeholder", {"stance": -2, "influence": 5, "interest": 1}, True),
        ("stakeholder", {"stance": -3}, False),
        ("stakeholder", {"stance": 3}, False),
        ("event", {"severity": 1, "sentiment": 2, "reach": 0}, True),
        ("event", {"reach": -1}, False),
        ("event", {"occurred_on": _TODAY + dt.timedelta(days=1)}, True),
        ("event", {"occurred_on": _TODAY + dt.timedelta(days=2)}, False),
        # an action's expected cell: each end of the scale and one past it, either alone
        ("action", {"expected_likelihood": 0}, False),
        ("action", {"expected_likelihood": 1}, True),
        ("action", {"expected_likelihood": 5, "expected_impact": None}, True),
        ("action", {"expected_likelihood": 6}, False),
        ("action", {"expected_impact": 0}, False),
        ("action", {"expected_impact": 1, "expected_likelihood": None}, True),
        ("action", {"expected_impact": 5}, True),
        ("action", {"expected_impact": 6}, False),
        # ... names at least one risk, and has one of the four statuses
        ("action", {"risk_ids": []}, False),
        ("action", {"risk_ids": [7]}, True),
        ("action", {"status": "planned"}, True),
        ("action", {"status": "in_progress"}, True),
        ("action", {"status": "done"}, True),
        ("action", {"status": "dropped"}, True),
        ("action", {"status": "cancelled"}, False),
        ("action", {"due_on": _TODAY - dt.timedelta(days=3650)}, True),
    ],
)
def test_rules_at_the_edges_named(kind, data, accepted):
    model = repository.spec(kind).create
    row = {**_valid(kind), **data}
    expected = _by_model(model, row)
    assert (expected is not None) == accepted  # the case is what its name says
    assert Rules.build(model)(row) == expected  # type: ignore[misc]


# --------------------------------------------------------------------------- files, both ways

_LIKELIHOOD = [*LIKELIHOOD_LABELS, "almost CERTAIN"]
_IMPACT = [*IMPACT_LABELS, "severe"]
_WORDS = {
    "stance": [w.capitalize() for w in STANCE_WORDS],
    "likelihood": _LIKELIHOOD,
    "residual_likelihood": _LIKELIHOOD,
    "impact": _IMPACT,
    "residual_impact": _IMPACT,
    "expected_likelihood": _LIKELIHOOD,
    "expected_impact": _IMPACT,
}
# Link cells by ref and by name (the seeded register: tests/importexport/helpers.py).
_LINKS: dict[str, tuple[list[str], list[str]]] = {
    "stakeholder": (
        ["S-001", "NATO", "nato", " S-002 ", "ai researchers"],
        ["S-999", "Nobody", "P-001"],
    ),
    "partnership": (["P-001", "Defence department contract", "p-2"], ["P-404", "nobody"]),
    "risk": (["R-001", "Customer cancellations", "r-2"], ["R-9", "nothing"]),
    "event": (["E-0001", "E-0500", "E-0501"], ["E-0777", "nonsense", "E-0502"]),
}
_DATES = ["2026-01-05", " 2026-01-04 ", "2026-01-06 00:00", "2026-01-05"]
_BAD_DATES = [
    "2026-02-30",
    "05/01/2026",
    (_TODAY + dt.timedelta(days=1)).isoformat(),
    (_TODAY + dt.timedelta(days=2)).isoformat(),
    "2026-01-05 10:00",
]


def _cells(kind: str, column: Column) -> tuple[list[str], list[str]]:
    """(spellings import takes, spellings it refuses or that need care) of a column."""
    if column.type == OWN_REF:
        prefix = REF_PREFIX[kind]
        width = 4 if kind == "event" else 3
        new = [f"{prefix}-{n:0{width}d}" for n in (500, 501)]
        return ["", "", "", *new, f"{prefix.lower()}-502"], [
            f"{prefix}-001"[: 2 + width],
            "X-1",
            new[0],
        ]
    info = repository.spec(kind).create.model_fields.get(column.field)
    required = info is not None and info.is_required()
    blank = [] if required else ["", ""]
    if column.type in (REF, REFS):
        good, bad = _LINKS[column.target]  # type: ignore[index]
        if column.type == REFS:
            good = [*good, f"{good[0]};{good[-1]}", f"{good[0]}; {good[1]}"]
            bad = [*bad, ";;", f"{good[0]};{bad[0]}"]
        return [*blank, *good], [*bad, *(["", " "] if required else [])]
    assert info is not None
    low, high, min_len, max_len = _bounds(info)
    if column.type == INT:
        inside = [str(v) for v in (low, high) if v is not None]
        outside = [str(v + d) for v, d in ((low, -1), (high, 1)) if v is not None]
        words = _WORDS.get(column.name, [])
        edge = high if high is not None else (low or 0) + 1
        spaced = [f"{edge}.0", f" {edge} "]
        return [*blank, *inside, *words, *spaced], [
            *outside,
            "x",
            "3.5",
            "1_0",
            "True",
            "99999999999999999999",
        ]
    if column.type == FLOAT:
        return [*blank, "0", "1.5", "-0.0", "1e308"], ["-1e-9", "-3", "nan", "inf", "abc"]
    if column.type == DATE:
        return [*blank, *_DATES], [*_BAD_DATES, *(["", " "] if required else [])]
    if column.type in (ENUM, LEVEL):
        assert column.enum is not None
        values = [m.value for m in column.enum]
        return [
            *blank,
            values[0],
            values[-1].upper(),
            f" {values[1]} ",
            values[1].replace("_", " ").title(),
        ], ["nonsense", f"{values[0]};{values[1]}"]
    assert column.type == TEXT
    edge = [n for n in (min_len, max_len) if n]
    past = [n for n in (min_len - 1, (max_len or 0) + 1) if n > 0 and (n != 1 or min_len > 1)]
    good = [
        *blank,
        "A name",
        "  Padded name  ",
        "'=neutralised",
        "Ünïcode ✓",
        *("x" * n for n in edge),
    ]
    if column.name == "currency":
        good = [*blank, "usd", "EUR", " gbp "]
    if column.name == "source_url":
        good = [*blank, "https://example.org/a"]
    bad = ["x" * n for n in past] + ["'", "   ", "US1", "ftp://x", "https://a b.org"]
    if column.name in ("name", "title"):
        bad = [*bad, "NATO", "nato ", "Customer cancellations"]  # names already in the register
    return good, bad


def _file_rows(kind: str) -> st.SearchStrategy[tuple[list[str], list[list[str]]]]:
    columns = [c for c in columns_for(kind) if c.type != IGNORED]
    spellings = {c.name: _cells(kind, c) for c in columns}

    @st.composite
    def row(draw: Any, odd: bool) -> dict[str, str]:
        out = {name: draw(st.sampled_from(good)) for name, (good, _bad) in spellings.items()}
        if odd and draw(st.integers(0, 2)) == 0:  # a third of the rows have one odd cell
            name = draw(st.sampled_from(sorted(spellings)))
            out[name] = draw(st.sampled_from(spellings[name][1]))
        return out

    @st.composite
    def table(draw: Any) -> tuple[list[str], list[list[str]]]:
        header = draw(st.permutations([c.name for c in columns]))
        odd = draw(st.booleans())  # half the files only have cells import takes
        rows = draw(st.lists(row(odd), min_size=1, max_size=10))
        if not odd:  # no name or ref twice in the file either
            refs: set[str] = set()
            for i, cells in enumerate(rows):
                for name in ("name", "title"):
                    if cells.get(name, "").strip():
                        cells[name] = f"{cells[name]} {i}"[-200:]
                if cells["ref"].strip().upper() in refs:
                    cells["ref"] = ""
                refs.add(cells["ref"].strip().upper())
        return list(header), [[r[c] for c in header] for r in rows]

    return table()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    register = fresh_register(tmp_path_factory.mktemp("equal") / "r.db")
    seed(register)
    yield register
    register.dispose()


def _outcome(register: Any, kind: str, table: Table, column_wise: bool) -> Any:
    with register.session() as session:
        try:
            plan = imp.prepare(session, kind, table, column_wise=column_wise)
        except ValidationFailed as exc:
            return "refused", [str(e) for e in exc.errors]
    return "planned", plan_view(plan)


@pytest.mark.parametrize("kind", KINDS)
def test_column_wise_prepare_equals_the_model_row_by_row(seeded, kind, monkeypatch):
    seen: dict[str, int] = {"planned": 0, "refused": 0, "rows taken column-wise": 0}
    column_wise = validate._column_wise

    def counted(*args: Any, **kwargs: Any) -> Any:
        ready = column_wise(*args, **kwargs)
        seen["rows taken column-wise"] += sum(row is not None for row in ready)
        return ready

    monkeypatch.setattr(validate, "_column_wise", counted)

    @settings(
        max_examples=FILE_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(_file_rows(kind))
    def check(drawn: tuple[list[str], list[list[str]]]) -> None:
        header, rows = drawn
        table = Table(header=header, rows=list(enumerate(rows, 2)))
        got = _outcome(seeded, kind, table, True)
        assert got == _outcome(seeded, kind, table, False)
        seen[got[0]] += 1

    check()
    assert all(seen.values())  # both outcomes were exercised, and the column-wise route


def _valid_rows(kind: str, n: int) -> tuple[list[str], list[list[str]]]:
    """A header and ``n`` rows that import takes, from the good spellings of each column."""
    columns = [c for c in columns_for(kind) if c.type not in (IGNORED, OWN_REF)]
    good = {c.name: _cells(kind, c)[0] for c in columns}
    rows = []
    for i in range(n):
        cells = {name: values[i % len(values)] for name, values in good.items()}
        for name in ("name", "title"):
            if name in cells:
                cells[name] = f"Fresh record {i}"
        if kind == "partnership":
            cells["announced_on"], cells["ended_on"] = "2026-01-04", "2026-01-05"
        if kind == "risk":
            cells["residual_impact"] = cells["residual_likelihood"] and "2"
        if kind == "event":
            cells["responds_to"] = ""
        rows.append([cells[c.name] for c in columns])
    return [c.name for c in columns], rows


@pytest.mark.parametrize("kind", KINDS)
def test_a_valid_file_of_every_kind_takes_the_column_wise_route(seeded, kind, monkeypatch):
    header, rows = _valid_rows(kind, 12)
    table = Table(header=header, rows=list(enumerate(rows, 2)))
    reference = _outcome(seeded, kind, table, False)
    assert reference[0] == "planned", reference

    def no_model(model: Any, data: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError(f"row went to the model: {data}")

    monkeypatch.setattr(validate, "model_values", no_model)
    assert _outcome(seeded, kind, table, True) == reference


@pytest.mark.parametrize("kind", KINDS)
def test_every_numeric_edge_is_judged_alike_both_ways(seeded, kind):
    """Each end of every numeric scale (likelihood, impact, influence, interest, stance,
    severity, sentiment, reach, value, ...) and one past it, in a file, both ways."""
    header, (base,) = _valid_rows(kind, 1)
    fields = repository.spec(kind).create.model_fields
    tried = 0
    for column in columns_for(kind):
        if column.type not in (INT, FLOAT):
            continue
        low, high, _min_len, _max_len = _bounds(fields[column.field])
        step = 1 if column.type == INT else 1e-9
        exclusive_low = any(isinstance(m, Gt) for m in fields[column.field].metadata)
        cases: list[tuple[Any, bool]] = []
        if low is not None:
            cases += [(low, not exclusive_low), (low - step, False), (low + step, True)]
        if high is not None:
            cases += [(high, True), (high + step, False), (high - step, True)]
        for value, inside in cases:
            if kind == "risk" and column.name.startswith("residual_"):
                other = (
                    "residual_impact"
                    if column.name == "residual_likelihood"
                    else "residual_likelihood"
                )
                pair = {other: "3"}
            else:
                pair = {}
            cells = dict(zip(header, base, strict=True)) | {column.name: str(value)} | pair
            table = Table(header=header, rows=[(2, [cells[h] for h in header])])
            got = _outcome(seeded, kind, table, True)
            assert got == _outcome(seeded, kind, table, False), (column.name, value)
            assert (got[0] == "planned") == inside, (column.name, value, got)
            tried += 1
    assert tried >= 3  # every kind has a scale (partnerships: value >= 0)


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_optional_choice_is_none_as_the_model_makes_it(blank):
    """An optional choice left blank (a risk's commentary level) is None for the model's
    shared blank-to-None rule, so the import's rules must accept it the same way; a
    blank in a choice with a default is still refused by both (hypothesis found the
    first case once, so it is pinned here)."""
    model = repository.spec("risk").create
    rules = Rules.build(model)
    assert rules is not None
    row = {"title": "A risk", "likelihood": 3, "impact": 2, "commentary_classification": blank}
    expected = _by_model(model, row)
    assert expected is not None and expected["commentary_classification"] is None
    assert rules(dict(row)) == expected
    with_default = {"title": "A risk", "likelihood": 3, "impact": 2, "classification": blank}
    assert _by_model(model, with_default) is None
    assert rules(dict(with_default)) is None
