"""The scoring rules (db/scoring.py) at their exact boundaries, at every level of the
1..5 scales, and their SQL twins evaluated by the real database against the Python."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from db import scoring
from db.enums import EventKind
from db.models import Risk
from db.scoring import Bands

LEVELS = (1, 2, 3, 4, 5)
OPTIONAL = (None, 1, 2, 3, 4, 5)
ALL_BANDS = [
    Bands(a, b, c) for a, b, c in itertools.combinations(range(1, 25), 3)
]  # every valid set of bounds: 1 <= low < medium < high < 25


def test_score_is_likelihood_times_impact_at_every_level():
    for lk, im in itertools.product(LEVELS, LEVELS):
        assert scoring.score(lk, im) == lk * im
    assert {scoring.score(lk, im) for lk, im in itertools.product(LEVELS, LEVELS)} <= set(
        range(1, 26)
    )


@pytest.mark.parametrize("bands", [Bands(), Bands(1, 2, 3), Bands(21, 23, 24), Bands(5, 12, 13)])
def test_each_upper_bound_is_inside_its_band_and_the_next_score_is_not(bands):
    assert scoring.band(1, bands) == "low"
    assert scoring.band(bands.low_max, bands) == "low"
    assert scoring.band(bands.low_max + 1, bands) == "medium"
    assert scoring.band(bands.medium_max, bands) == "medium"
    assert scoring.band(bands.medium_max + 1, bands) == "high"
    assert scoring.band(bands.high_max, bands) == "high"
    assert scoring.band(bands.high_max + 1, bands) == "critical"
    assert scoring.band(25, bands) == "critical"


def test_the_band_of_every_score_is_the_range_that_holds_it_for_every_valid_set_of_bands():
    assert len(ALL_BANDS) == 2024
    for bands in ALL_BANDS:
        ranges = bands.ranges()
        assert ranges[0][1] == 1 and ranges[-1][2] == 25
        for (_, _, hi), (_, lo, _) in itertools.pairwise(ranges):
            assert lo == hi + 1  # the ranges tile 1..25 with no gap and no overlap
        for value in range(1, 26):
            (name,) = [n for n, lo, hi in ranges if lo <= value <= hi]
            assert scoring.band(value, bands) == name


def test_the_default_bands():
    got = [scoring.band(v) for v in range(1, 26)]
    assert got == ["low"] * 4 + ["medium"] * 5 + ["high"] * 5 + ["critical"] * 11
    assert scoring.band_for(2, 5) == "high" and scoring.band_for(3, 5) == "critical"
    assert scoring.band_for(3, 3) == "medium" and scoring.band_for(2, 2) == "low"


@pytest.mark.parametrize("bounds", [(0, 5, 10), (4, 4, 10), (4, 9, 9), (4, 9, 25), (5, 4, 10)])
def test_bands_out_of_order_or_out_of_range_are_refused(bounds):
    with pytest.raises(ValueError):
        Bands(*bounds)


def test_high_or_critical_counts_those_two_bands_only():
    assert scoring.high_or_critical({"low": 5, "medium": 7, "high": 2, "critical": 3}) == 5
    assert scoring.high_or_critical({"low": 5}) == 0


def test_residual_cell_at_every_level_and_its_fallback_to_inherent():
    for lk, im, rl, ri in itertools.product(LEVELS, LEVELS, OPTIONAL, OPTIONAL):
        cell = scoring.residual_cell(lk, im, rl, ri)
        if rl is not None and ri is not None:
            assert cell == (rl, ri)
        else:  # none recorded, or half a pair: the inherent cell
            assert cell == (lk, im)
        assert scoring.residual_score(lk, im, rl, ri) == cell[0] * cell[1]
        assert scoring.cell(lk, im, rl, ri, residual=False) == (lk, im)
        assert scoring.cell(lk, im, rl, ri, residual=True) == cell
        assert scoring.has_residual(rl, ri) == (rl is not None and ri is not None)


def test_the_model_scores_use_the_same_rule():
    for lk, im, rl, ri in itertools.product(LEVELS, LEVELS, OPTIONAL, OPTIONAL):
        risk = SimpleNamespace(
            likelihood=lk, impact=im, residual_likelihood=rl, residual_impact=ri
        )  # the properties' own code, without an ORM instance per combination
        assert Risk.score.fget(risk) == lk * im  # type: ignore[attr-defined]
        got = Risk.residual_score.fget(risk)  # type: ignore[attr-defined]
        assert got == scoring.residual_score(lk, im, rl, ri)


def test_adverse_at_every_sentiment_and_kind():
    for kind, sentiment in itertools.product(list(EventKind), (-2, -1, 0, 1, 2)):
        expected = sentiment < 0 or (kind == EventKind.criticism and sentiment == 0)
        assert scoring.is_adverse(sentiment, kind) is expected, (kind, sentiment)
        assert scoring.is_adverse(sentiment, kind.value) is expected


# --------------------------------------------------------------------------- SQL twins


def _scratch_table(session, name, *columns):
    """A temporary table on the register's own connection (dropped when it closes)."""
    table = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(session.connection())
    return table


def test_residual_cell_in_sql_equals_the_python_rule_on_every_combination(any_register):
    combos = list(itertools.product(LEVELS, LEVELS, OPTIONAL, OPTIONAL))
    names = ("likelihood", "impact", "residual_likelihood", "residual_impact")
    with any_register.session() as s:
        rows = _scratch_table(
            s, "cells", Column("n", Integer), *(Column(c, Integer) for c in names)
        )
        s.execute(
            insert(rows),
            [dict(zip(("n", *names), (n, *c), strict=True)) for n, c in enumerate(combos)],
        )
        lk, im = scoring.risk_cell_sql(rows.c, residual=True)
        stmt = select(
            rows.c.n,
            lk,
            im,
            scoring.residual_score_sql(*(rows.c[c] for c in names)),
            scoring.score_sql(*scoring.risk_cell_sql(rows.c, residual=False)),
        ).order_by(rows.c.n)
        got = s.execute(stmt).all()
    assert len(got) == len(combos) == 900
    for n, sql_l, sql_i, sql_score, sql_inherent in got:
        combo = combos[n]
        assert (sql_l, sql_i) == scoring.residual_cell(*combo), combo
        assert sql_score == scoring.residual_score(*combo), combo
        assert sql_inherent == scoring.score(combo[0], combo[1])


def test_adverse_in_sql_equals_the_python_rule_on_every_combination(any_register):
    combos = list(itertools.product([k.value for k in EventKind], (-2, -1, 0, 1, 2)))
    with any_register.session() as s:
        rows = _scratch_table(
            s, "events_scratch", Column("kind", String(30)), Column("sentiment", Integer)
        )
        s.execute(insert(rows), [{"kind": k, "sentiment": v} for k, v in combos])
        stmt = select(
            rows.c.kind, rows.c.sentiment, scoring.adverse_sql(rows.c.sentiment, rows.c.kind)
        )
        got = {(k, v): bool(flag) for k, v, flag in s.execute(stmt)}
    assert len(got) == len(combos)
    for kind, sentiment in combos:
        assert got[(kind, sentiment)] is scoring.is_adverse(sentiment, kind), (kind, sentiment)
