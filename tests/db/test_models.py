"""Every rule of the domain model (PRODUCT.md "Domain model"), checked on the input models
and, where the rule needs the database (unique names, links), through the repository."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from db import repository
from db.errors import ValidationFailed
from tests.db import factories

TODAY = dt.date.today()

VALID: dict[str, dict[str, Any]] = {
    "stakeholder": {"name": "NATO", "kind": "defence_body"},
    "partnership": {"name": "NATO talks", "partner_id": 1},
    "risk": {"title": "Backlash", "likelihood": 3, "impact": 4},
    "event": {"title": "Open letter", "occurred_on": TODAY, "kind": "criticism"},
}


def check(kind: str, /, **changes: Any) -> Any:
    data = {**VALID[kind], **changes}
    return repository.validated(repository.spec(kind).create, data)


def fields_at_fault(kind: str, /, **changes: Any) -> set[str]:
    with pytest.raises(ValidationFailed) as info:
        check(kind, **changes)
    return {e.field for e in info.value.errors}


def test_the_valid_baselines_pass():
    for kind in VALID:
        assert check(kind) is not None


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        # text lengths and required text
        ("stakeholder", {"name": ""}, "name"),
        ("stakeholder", {"name": "   "}, "name"),
        ("stakeholder", {"name": "x" * 201}, "name"),
        ("stakeholder", {"notes": "n" * 10_001}, "notes"),
        ("stakeholder", {"relationship_owner": "o" * 201}, "relationship_owner"),
        ("partnership", {"name": "\t \n"}, "name"),
        ("partnership", {"name": "p" * 201}, "name"),
        ("risk", {"title": "ab"}, "title"),
        ("risk", {"title": "  ab  "}, "title"),
        ("risk", {"title": "t" * 201}, "title"),
        ("event", {"title": "no"}, "title"),
        ("event", {"summary": "s" * 5_001}, "summary"),
        ("event", {"reach_basis": "b" * 501}, "reach_basis"),
        # ranges
        ("stakeholder", {"influence": 0}, "influence"),
        ("stakeholder", {"influence": 6}, "influence"),
        ("stakeholder", {"interest": 0}, "interest"),
        ("stakeholder", {"stance": -3}, "stance"),
        ("stakeholder", {"stance": 3}, "stance"),
        ("risk", {"likelihood": 0}, "likelihood"),
        ("risk", {"impact": 6}, "impact"),
        ("risk", {"residual_likelihood": 6, "residual_impact": 2}, "residual_likelihood"),
        ("event", {"severity": 0}, "severity"),
        ("event", {"severity": 6}, "severity"),
        ("event", {"sentiment": -3}, "sentiment"),
        ("event", {"sentiment": 3}, "sentiment"),
        ("event", {"reach": -1}, "reach"),
        ("partnership", {"value": -0.01}, "value"),
        # enums
        ("stakeholder", {"kind": "alien"}, "kind"),
        ("partnership", {"status": "dormant"}, "status"),
        ("partnership", {"network": "darknet"}, "network"),
        ("risk", {"category": "cosmic"}, "category"),
        ("risk", {"treatment": "pray"}, "treatment"),
        ("risk", {"status": "forgotten"}, "status"),
        ("event", {"kind": "rumour"}, "kind"),
        ("event", {"channel": "pigeon"}, "channel"),
        ("stakeholder", {"classification": "TOP SECRET"}, "classification"),
        # dates
        (
            "partnership",
            {"announced_on": TODAY, "ended_on": TODAY - dt.timedelta(days=1)},
            "ended_on",
        ),
        ("event", {"occurred_on": TODAY + dt.timedelta(days=2)}, "occurred_on"),
        ("event", {"occurred_on": "yesterday"}, "occurred_on"),
        # URLs: http and https only
        ("partnership", {"source_url": "ftp://example.org/deal"}, "source_url"),
        ("event", {"source_url": "javascript:alert(1)"}, "source_url"),
        ("event", {"source_url": "file:///etc/passwd"}, "source_url"),
        ("event", {"source_url": "https://"}, "source_url"),
        ("event", {"source_url": "https://example.org/a b"}, "source_url"),
        # residual scores come in pairs
        ("risk", {"residual_likelihood": 2}, "residual_impact"),
        ("risk", {"residual_impact": 2}, "residual_impact"),
        # currency: three letters
        ("partnership", {"currency": "US"}, "currency"),
        ("partnership", {"currency": "U5D"}, "currency"),
        ("partnership", {"currency": "DOLLARS"}, "currency"),
        # links must be positive ids
        ("partnership", {"partner_id": 0}, "partner_id"),
    ],
)
def test_a_broken_rule_names_its_field(kind, changes, field):
    assert field in fields_at_fault(kind, **changes)


def test_required_fields_are_required():
    assert "name" in fields_at_fault("stakeholder", name=None)
    with pytest.raises(ValidationFailed) as info:
        repository.validated(repository.spec("event").create, {"title": "No date"})
    assert "occurred_on" in {e.field for e in info.value.errors}
    with pytest.raises(ValidationFailed) as info:
        repository.validated(repository.spec("partnership").create, {"name": "No partner"})
    assert "partner_id" in {e.field for e in info.value.errors}


def test_every_broken_rule_is_reported_at_once():
    assert {"name", "influence", "stance"} <= fields_at_fault(
        "stakeholder", name="", influence=9, stance=7
    )


def test_messages_are_readable():
    with pytest.raises(ValidationFailed) as info:
        check("stakeholder", name="  ")
    assert str(info.value) == "name: is required"
    with pytest.raises(ValidationFailed) as info:
        check("event", source_url="ftp://x.org")
    assert "http" in str(info.value)


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("stakeholder", {"influence": 1, "interest": 5, "stance": -2}),
        ("stakeholder", {"stance": 2, "name": "x" * 200}),
        ("risk", {"title": "abc", "residual_likelihood": 1, "residual_impact": 1}),
        ("event", {"occurred_on": TODAY + dt.timedelta(days=1)}),  # tomorrow is allowed
        ("event", {"source_url": "http://example.org/a?b=c"}),
        ("event", {"source_url": "HTTPS://EXAMPLE.ORG/"}),
        ("event", {"reach": 0, "metric_value": -3.5, "metric_unit": "subscriptions cancelled"}),
        ("partnership", {"announced_on": TODAY, "ended_on": TODAY}),
        ("partnership", {"value": 0, "currency": "eur"}),
    ],
)
def test_edge_values_inside_the_rules_pass(kind, changes):
    check(kind, **changes)


def test_text_is_trimmed_and_blank_optional_text_becomes_empty():
    s = check(
        "stakeholder", name="  NATO \n", description="   ", relationship_owner="\tHead of Policy "
    )
    assert s.name == "NATO"
    assert s.description is None
    assert s.relationship_owner == "Head of Policy"


def test_currency_is_upper_cased():
    assert check("partnership", currency="usd").currency == "USD"


def test_new_records_default_to_unclassified():
    assert check("risk").classification == "UNCLASSIFIED"


# --------------------------------------------------------------------------- rules that need the database


def test_stakeholder_names_are_unique_ignoring_case(register):
    with register.write() as s:
        factories.stakeholder(s, "NATO")
    with pytest.raises(ValidationFailed, match="name: stakeholder S-001 already has this name"):
        with register.write() as s:
            factories.stakeholder(s, "  nato ")
    with register.session() as s:
        assert repository.count(s, "stakeholder") == 1


def test_partnership_names_are_unique_ignoring_case(register):
    with register.write() as s:
        partner = factories.stakeholder(s)
        factories.partnership(s, partner.id, "Pentagon agreement")
    with pytest.raises(ValidationFailed, match="name"):
        with register.write() as s:
            factories.partnership(s, partner.id, "PENTAGON AGREEMENT")


def test_renaming_onto_another_name_is_refused_but_changing_case_of_own_name_is_not(register):
    with register.write() as s:
        a = factories.stakeholder(s, "NATO")
        factories.stakeholder(s, "Anthropic")
    with register.write() as s:
        repository.update(s, "stakeholder", a.id, {"name": "Nato"}, actor="tester")
    with pytest.raises(ValidationFailed, match="S-002 already has this name"):
        with register.write() as s:
            repository.update(s, "stakeholder", a.id, {"name": "ANTHROPIC"}, actor="tester")


def test_links_must_point_at_existing_records(register):
    with pytest.raises(ValidationFailed, match="partner: no such stakeholder"):
        with register.write() as s:
            factories.partnership(s, 99)
    with pytest.raises(ValidationFailed, match="risks: no such risk"):
        with register.write() as s:
            factories.event(s, risk_ids=[5])


def test_an_event_cannot_respond_to_itself(register):
    with register.write() as s:
        e = factories.event(s)
    with pytest.raises(ValidationFailed, match="cannot respond to itself"):
        with register.write() as s:
            repository.update(s, "event", e.id, {"responds_to_id": e.id}, actor="tester")


def test_partial_updates_are_checked_against_the_whole_record(register):
    with register.write() as s:
        partner = factories.stakeholder(s)
        p = factories.partnership(s, partner.id, announced_on=TODAY - dt.timedelta(days=10))
        r = factories.risk(s)
    with pytest.raises(ValidationFailed, match="ended_on"):
        with register.write() as s:
            repository.update(
                s, "partnership", p.id, {"ended_on": TODAY - dt.timedelta(days=20)}, actor="t"
            )
    with pytest.raises(ValidationFailed, match="residual"):
        with register.write() as s:
            repository.update(s, "risk", r.id, {"residual_likelihood": 2}, actor="t")
    with pytest.raises(ValidationFailed, match="title: is required"):
        with register.write() as s:
            repository.update(s, "risk", r.id, {"title": None}, actor="t")
    with pytest.raises(ValidationFailed, match="occurred_on"):
        with register.write() as s:
            e = factories.event(s)
            repository.update(
                s, "event", e.id, {"occurred_on": TODAY + dt.timedelta(days=3)}, actor="t"
            )


def test_stored_values_are_trimmed(register):
    with register.write() as s:
        st = factories.stakeholder(s, "  Civil-liberties groups  ", description="  watchful  ")
    with register.session() as s:
        fresh = repository.get(s, "stakeholder", st.id)
        assert fresh.name == "Civil-liberties groups"
        assert fresh.name_key == "civil-liberties groups"
        assert fresh.description == "watchful"
