"""Issue 13: the banner is what the pages print; nothing above the ceiling shows, even by inference.

Every pack here is read back from the real PDF: the banner must equal the highest
portion mark found in the extracted text of all pages, whatever sections are chosen.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from db.classification import LEVELS, banner_text, level_of_mark, portion_mark, rank
from db.errors import RegisterError
from desktop.briefing.builder import build_pack, preview_classification
from desktop.briefing.parameters import SECTIONS, BriefingParameters
from tests.briefing.helpers import event, page_texts, partnership, risk, stakeholder

MARK = re.compile(r"\((PU|U|R|C|S|NU|NR|NC|NS)\)")


def printed_marks(texts: list[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for m in MARK.finditer(text):
            level = level_of_mark(m.group(1))
            assert level is not None
            found.add(level.value)
    return found


def highest_printed(texts: list[str]) -> str:
    found = printed_marks(texts)
    return max(found, key=rank) if found else LEVELS[0].value


def pack(register, tmp_path: Path, name: str = "pack", **kw):
    kw.setdefault("invariant", True)
    kw.setdefault("today", dt.date.today())
    out = tmp_path / f"{name}.pdf"
    result = build_pack(register, BriefingParameters(**kw), out, actor="Tester")
    texts = page_texts(out)
    return result, texts


def check_banner(result, texts: list[str], prefix: str = "") -> None:
    """Banner = highest printed portion mark, on every page, top and bottom."""
    assert result.banner_level == highest_printed(texts)
    shown = banner_text(result.banner_level, prefix)
    for text in texts:
        assert text.count(shown) >= 2, text[:200]


@pytest.fixture
def mixed(any_register):
    """Visible records of every level up to CONFIDENTIAL, linked across levels."""
    reg = any_register
    a = stakeholder(reg, "Public partner", "PUBLIC", influence=4, interest=4)
    b = stakeholder(reg, "Restricted voice", "RESTRICTED", influence=2, interest=5, stance=-1)
    p_conf = partnership(reg, "Confidential pilot", a.id, "CONFIDENTIAL")
    p_pub = partnership(reg, "Public pilot", a.id, "PUBLIC")
    r_conf = risk(
        reg,
        "Confidential risk",
        "CONFIDENTIAL",
        likelihood=2,
        impact=2,
        partnership_ids=[p_pub.id, p_conf.id],
    )
    r_pub = risk(
        reg, "Public risk", "PUBLIC", likelihood=5, impact=5, partnership_ids=[p_conf.id, p_pub.id]
    )
    event(
        reg,
        "Public criticism",
        "PUBLIC",
        kind="criticism",
        severity=2,
        sentiment=-1,
        risk_ids=[r_conf.id, r_pub.id],
        stakeholder_id=b.id,
    )
    return reg, {"p_conf": p_conf, "p_pub": p_pub, "r_conf": r_conf, "r_pub": r_pub}


@pytest.mark.parametrize(
    "sections",
    [
        ("cover", "annex_c"),  # the scope partnership named on the cover and in Annex C
        ("annex_a",),  # Annex A's risk column names the CONFIDENTIAL risk
        ("matrix",),  # heat-map cells
        ("contents", "partnerships"),
        ("stakeholders",),
        ("summary",),
        SECTIONS,
    ],
)
def test_banner_is_the_highest_mark_printed_for_section_subsets(mixed, tmp_path, sections):
    reg, r = mixed
    result, texts = pack(
        reg, tmp_path, ceiling="SECRET", sections=sections, partnership_refs=[r["p_conf"].ref]
    )
    check_banner(result, texts)
    if sections == ("cover", "annex_c"):
        assert result.banner_level == "CONFIDENTIAL"
        assert f"(C) {r['p_conf'].ref}" in "\n".join(texts)
    if sections == ("annex_a",):
        # No event is CONFIDENTIAL, but the risk column prints a CONFIDENTIAL ref, marked.
        assert f"(C){r['r_conf'].ref}" in "\n".join(texts)
        assert result.banner_level == "CONFIDENTIAL"


def test_heat_map_cells_carry_marks(mixed, tmp_path):
    reg, r = mixed
    result, texts = pack(reg, tmp_path, ceiling="SECRET", sections=("matrix",))
    joined = "\n".join(texts)
    assert f"(C){r['r_conf'].ref}" in joined and f"(PU){r['r_pub'].ref}" in joined
    assert result.banner_level == "CONFIDENTIAL"
    check_banner(result, texts)


def test_a_record_printed_nowhere_does_not_raise_the_banner(any_register, tmp_path):
    reg = any_register
    # Six risks: the summary prints the five highest; the sixth (SECRET) appears nowhere.
    for n in range(5):
        risk(reg, f"Visible {n}", "RESTRICTED", likelihood=5, impact=5 - n % 2)
    hidden = risk(reg, "Low secret", "SECRET", likelihood=1, impact=1)
    stakeholder(reg, "Secret bystander", "SECRET")
    result, texts = pack(reg, tmp_path, ceiling="SECRET", sections=("summary",))
    assert hidden.ref not in "\n".join(texts)
    assert result.banner_level == "RESTRICTED"
    check_banner(result, texts)
    # The dialog's preview calls the same function: the same banner, no layout needed.
    level, _counts = preview_classification(
        reg,
        BriefingParameters(
            ceiling="SECRET", sections=("summary",), invariant=True, today=dt.date.today()
        ),
    )
    assert level == "RESTRICTED"


def test_nato_marks_and_banner(mixed, tmp_path):
    reg, r = mixed
    result, texts = pack(reg, tmp_path, ceiling="SECRET", marking_prefix="NATO")
    joined = "\n".join(texts)
    assert "NATO CONFIDENTIAL" in texts[0]
    assert f"(NC) {r['r_conf'].ref}" in joined
    assert f"(PU) {r['r_pub'].ref}" in joined  # PUBLIC keeps (PU)
    assert "(NR)" in joined  # the RESTRICTED actor
    assert not re.search(r"\((U|R|C|S)\)", joined)  # no generic mark under the NATO prefix
    check_banner(result, texts, "NATO")


def test_nato_mapping_at_every_level():
    expected = {
        "PUBLIC": ("(PU)", "PUBLIC", "(PU)", "PUBLIC"),
        "UNCLASSIFIED": ("(U)", "UNCLASSIFIED", "(NU)", "NATO UNCLASSIFIED"),
        "RESTRICTED": ("(R)", "RESTRICTED", "(NR)", "NATO RESTRICTED"),
        "CONFIDENTIAL": ("(C)", "CONFIDENTIAL", "(NC)", "NATO CONFIDENTIAL"),
        "SECRET": ("(S)", "SECRET", "(NS)", "NATO SECRET"),
    }
    for level in LEVELS:
        plain_mark, plain_banner, nato_mark, nato_banner = expected[level.value]
        assert portion_mark(level) == plain_mark
        assert banner_text(level) == plain_banner
        assert portion_mark(level, "nato ") == nato_mark
        assert banner_text(level, "NATO") == nato_banner
        assert level_of_mark(nato_mark) == level and level_of_mark(plain_mark) == level
        # Any other prefix keeps the plain marks.
        assert portion_mark(level, "ACME") == plain_mark


# --------------------------------------------------------------------------- scope above the ceiling


def test_scope_above_the_ceiling_is_refused_like_an_unknown_ref(mixed, tmp_path):
    reg, r = mixed
    with pytest.raises(RegisterError) as above:
        pack(reg, tmp_path, name="a", ceiling="RESTRICTED", partnership_refs=[r["p_conf"].ref])
    missing_ref = "P-999"
    with pytest.raises(RegisterError) as unknown:
        pack(reg, tmp_path, name="b", ceiling="RESTRICTED", partnership_refs=[missing_ref])
    assert str(above.value) == str(unknown.value).replace(missing_ref, r["p_conf"].ref)
    assert not list(tmp_path.glob("*.pdf"))
    # At the boundary (ceiling equal to its level) the same scope is accepted.
    result, texts = pack(
        reg, tmp_path, name="c", ceiling="CONFIDENTIAL", partnership_refs=[r["p_conf"].ref]
    )
    assert r["p_conf"].ref in "\n".join(texts)


# --------------------------------------------------------------------------- the visible graph


def test_scope_membership_does_not_run_through_hidden_records(any_register, tmp_path):
    reg = any_register
    partner = stakeholder(reg, "Partner", "PUBLIC")
    p = partnership(reg, "Open pilot", partner.id, "UNCLASSIFIED")
    linked_via_secret = stakeholder(reg, "LinkedViaSecretRisk", "UNCLASSIFIED")
    acting_in_secret = stakeholder(reg, "ActorOfSecretEvent", "UNCLASSIFIED")
    secret_risk = risk(
        reg,
        "Secret risk",
        "SECRET",
        partnership_ids=[p.id],
        stakeholder_ids=[linked_via_secret.id],
    )
    # An UNCLASSIFIED event reaches the scope only through the SECRET risk.
    event(reg, "EventViaSecretRisk", "UNCLASSIFIED", risk_ids=[secret_risk.id])
    event(reg, "SecretEvent", "SECRET", partnership_id=p.id, stakeholder_id=acting_in_secret.id)
    event(reg, "DirectEvent", "UNCLASSIFIED", partnership_id=p.id)
    result, texts = pack(reg, tmp_path, ceiling="CONFIDENTIAL", partnership_refs=[p.ref])
    joined = "\n".join(texts)
    assert "DirectEvent" in joined
    for hidden in ("EventViaSecretRisk", "LinkedViaSecretRisk", "ActorOfSecretEvent"):
        assert hidden not in joined, hidden
    check_banner(result, texts)


def test_a_ref_counted_only_in_plus_n_more_does_not_raise_the_banner(register, tmp_path):
    # Twelve risks in one cell: a few refs fit, the rest are "+N more"; the SECRET one
    # sorts last, so it is counted but never printed.
    for n in range(11):
        risk(register, f"Crowded {n}", "RESTRICTED", likelihood=3, impact=3)
    secret = risk(register, "Crowded secret", "SECRET", likelihood=3, impact=3)
    result, texts = pack(register, tmp_path, ceiling="SECRET", sections=("matrix",))
    joined = "\n".join(texts)
    assert "more" in joined and secret.ref not in joined
    assert result.banner_level == "RESTRICTED"
    check_banner(result, texts)
    # With room for it (the register lists every risk), it is printed and raises the banner.
    result, texts = pack(
        register, tmp_path, name="with-register", ceiling="SECRET", sections=("matrix", "register")
    )
    assert f"(S) {secret.ref}" in "\n".join(texts) and result.banner_level == "SECRET"
    check_banner(result, texts)
