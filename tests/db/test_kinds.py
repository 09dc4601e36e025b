"""db.kinds: one description of the four kinds, consistent with the models and refs."""

from __future__ import annotations

import pytest

from db import repository
from db.enums import EntityKind
from db.kinds import KINDS, SCREEN_ORDER, count_noun, kind_info, normalise_kind


def test_every_kind_is_described_once_with_its_own_prefix():
    assert list(KINDS) == list(EntityKind)
    assert sorted(SCREEN_ORDER) == sorted(EntityKind)
    assert len({info.prefix for info in KINDS.values()}) == len(KINDS)


@pytest.mark.parametrize("kind", list(EntityKind))
def test_a_kind_matches_its_model_and_its_refs(kind):
    info = kind_info(kind.value)
    assert info.table.__tablename__ == kind.value  # type: ignore[attr-defined]
    assert info.title_field in info.table.model_fields
    assert repository.spec(kind.value).table is info.table
    ref = info.format_ref(7)
    assert repository.parse_ref(ref) == (info.prefix, 7)
    assert repository.format_ref(info.prefix, 7) == ref
    assert normalise_kind(info.plural.upper()) == normalise_kind(f" {info.label} ") == kind.value


def test_counts_use_the_singular_for_exactly_one():
    assert count_noun("event", 0) == "0 events"
    assert count_noun("event", 1) == "1 event"
    assert count_noun("stakeholder", 2) == "2 stakeholders"
    assert count_noun("risk", 1234) == "1,234 risks"


def test_an_unknown_kind_is_refused():
    with pytest.raises(
        ValueError, match="use stakeholders, partnerships, risks, events or actions"
    ):
        normalise_kind("incidents")
    with pytest.raises(ValueError, match="unknown kind"):
        kind_info("incident")


def test_the_command_line_names_the_kinds_as_the_registry_does():
    # desktop/cli.py keeps its own tuple so that `risk-tracker --help` starts without
    # SQLModel (tests/test_architecture.py); it must say what the registry says.
    from desktop import cli

    assert cli.KINDS == tuple(info.plural for info in KINDS.values())
