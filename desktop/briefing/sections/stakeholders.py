"""Stakeholders: influence x interest map with stance colours; table with stance changes."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from reportlab.platypus.flowables import Flowable

from desktop.briefing import charts, palette
from desktop.briefing.board import cap
from desktop.briefing.sections.common import (
    LongTable,
    SectionContext,
    cell,
    enum_label,
    more_rows,
    para,
    stance_text,
)
from desktop.briefing.styles import hex_colour
from desktop.briefing.typography import capitalised, count_of, signed

FRACTIONS = (0.135, 0.25, 0.17, 0.095, 0.085, 0.145, 0.12)


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    people = sorted(
        d.stakeholders, key=lambda x: (-(x.influence * x.interest), -x.influence, x.ref)
    )
    out: list[Flowable] = [ctx.heading("stakeholders")]
    if not people:
        out.append(para("No stakeholders in scope.", s.body))
        return out
    out.append(
        para(
            f"{capitalised(count_of(len(people), 'stakeholder'))} by influence and interest, coloured by their "
            "current stance. Those in the shaded upper right deserve the closest management.",
            s.body,
        )
    )
    levels = {x.ref: x.level for x in people}
    drawn: list[str] = []
    out.append(
        charts.stakeholder_map(
            [(x.ref, x.influence, x.interest, x.stance) for x in people],
            width=ctx.width,
            label=lambda ref: f"{ctx.pure_mark(levels[ref])}{ref}",
            drawn=drawn,
        )
    )
    for ref in drawn:
        ctx.mark(levels[ref])
    out.append(Spacer(1, 3 * mm))
    widths = [ctx.width * f for f in FRACTIONS]
    rows: list[list[Any]] = []
    listed = cap(people, d.params.max_rows)
    for x in listed.shown:
        change = "—"
        if x.stance_before is not None:
            was = signed(x.stance_before)
            change = f"{'▲' if x.stance > x.stance_before else '▼'} from {was}"
        rows.append(
            [
                f"{ctx.mark(x.level)} {x.ref}",
                cell(x.name, s.cell, widths[1]),
                cell(enum_label(x.kind), s.cell, widths[2]),
                str(x.influence),
                str(x.interest),
                stance_text(x.stance),
                change,
            ]
        )

    def row_styles(index: int, row: int) -> list[tuple[Any, ...]]:
        x = people[index]
        return [("TEXTCOLOR", (5, row), (5, row), hex_colour(palette.stance_text_colour(x.stance)))]

    out.append(para(f"Stance changes are counted since {d.since.isoformat()}.", s.note))
    out.append(
        LongTable(
            ["Stakeholder", "Name", "Kind", "Influence", "Interest", "Stance", "Change"],
            rows,
            widths,
            layout=ctx.layout,
            row_styles=row_styles,
        )
    )
    out += more_rows(ctx, listed.more, "less influence and interest, in the map above")
    return out
