"""Annex C: exclusions and provenance; and the closing statement on markings."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer
from reportlab.platypus.flowables import Flowable

from db.classification import LEVELS, banner_text
from db.kinds import KINDS
from desktop import PRODUCT_NAME, __version__
from desktop.briefing.escape import esc
from desktop.briefing.parameters import SECTION_TITLES
from desktop.briefing.sections.common import SectionContext, cell, para, simple_table
from desktop.briefing.typography import count_of

KIND_NAMES = {kind.value: info.plural_label for kind, info in KINDS.items()}
MARKINGS_NOTE = (
    "Markings in this pack are handling labels, not accreditation. Stakeholder Risk Tracker is not an "
    "accredited system for classified information; handle this document under your organisation's own rules."
)


def build(
    ctx: SectionContext, *, page_break: bool, digest: str, generated: str, pack_id: str
) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    p = d.params
    w = ctx.width
    out: list[Flowable] = [PageBreak()] if page_break else []
    out.append(ctx.heading("annex_c"))
    level = ctx.banner or LEVELS[0]
    out.append(
        para(
            f"Records classified above the ceiling <b>{esc(str(p.ceiling))}</b> were removed when the data was read, "
            "before anything was laid out. They are counted here by number only.",
            s.body,
        )
    )
    rows = [
        [KIND_NAMES[k], str(d.excluded_counts.get(k, 0))]
        for k in ("stakeholder", "partnership", "risk", "event", "action")
    ]
    rows.append(["Total", str(sum(d.excluded_counts.values()))])
    out.append(
        KeepTogether(
            [
                para("Exclusions", s.h2),
                simple_table(
                    ["Kind", "Records left out"],
                    rows,
                    [w * 0.5, w * 0.2],
                    extra=[("FONT", (0, len(rows)), (-1, len(rows)), "DejaVuSans-Bold", 7.8, 9.6)],
                ),
            ]
        )
    )
    sections = ", ".join(SECTION_TITLES[x] for x in p.sections)
    scope_levels = {x.ref: x.level for x in d.partnerships}
    scope = (
        ", ".join(
            f"{ctx.mark(scope_levels.get(ref, str(p.ceiling)))} {ref}" for ref in d.scope_refs
        )
        if d.scope_refs
        else "the whole register"
    )
    facts = [
        ["Ceiling", str(p.ceiling)],
        ["Banner (highest level included)", banner_text(level, p.marking_prefix)],
        ["Period", f"{d.period_start.isoformat()} to {d.period_end.isoformat()}"],
        [
            "Previous period (comparison)",
            f"{d.previous_start.isoformat()} to {d.previous_end.isoformat()}",
        ],
        ["Changes counted since", f"{d.since.isoformat()} ({d.since_basis})"],
        ["Scope", scope],
        ["Sections", sections],
        ["Paper", p.paper.upper() if p.paper == "a4" else p.paper.capitalize()],
        ["Marking prefix", p.marking_prefix or "none"],
        [
            "Records included",
            f"{count_of(len(d.risks), 'risk')}, {count_of(len(d.events), 'event')}, "
            f"{count_of(len(d.partnerships), 'partnership')}, "
            f"{count_of(len(d.named_stakeholders), 'stakeholder')}",
        ],
        ["Pack id", pack_id],
        ["Generated", generated],
        ["Product", f"{PRODUCT_NAME} {__version__}"],
        ["Data digest (SHA-256)", digest],
    ]
    rows2 = [[k, cell(v, s.cell, w * 0.7)] for k, v in facts]
    out.append(
        KeepTogether(
            [
                para("Provenance", s.h2),
                simple_table(["Parameter", "Value"], rows2, [w * 0.3, w * 0.7]),
            ]
        )
    )
    out.append(
        para(
            "The data digest is a SHA-256 hash of every record included, in a fixed order: the same register "
            "and parameters give the same digest.",
            s.note,
        )
    )
    return out


def closing(ctx: SectionContext) -> list[Flowable]:
    return [
        Spacer(1, 6 * mm),
        para("About the markings", ctx.styles.h2),
        para(MARKINGS_NOTE, ctx.styles.body),
    ]
