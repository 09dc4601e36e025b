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

# No. (the map's key), ref, name, kind, influence, interest, stance, change.
FRACTIONS = (0.045, 0.125, 0.2, 0.15, 0.1, 0.095, 0.16, 0.125)


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
            "current stance. Each dot's number is its line in the table below (the key); a dot "
            "not in the table carries its ref. Those in the shaded upper right (manage closely) "
            "deserve the closest management.",
            s.body,
        )
    )
    levels = {x.ref: x.level for x in people}
    listed = cap(people, d.params.max_rows)
    key = {x.ref: n for n, x in enumerate(listed.shown, start=1)}
    drawn: list[str] = []

    def label(ref: str) -> str:
        number = key.get(ref)
        return str(number) if number is not None else f"{ctx.pure_mark(levels[ref])}{ref}"

    out.append(
        charts.stakeholder_map(
            [(x.ref, x.influence, x.interest, x.stance) for x in people],
            width=ctx.width,
            label=label,
            drawn=drawn,
        )
    )
    for ref in drawn:
        ctx.mark(levels[ref])
    out.append(Spacer(1, 3 * mm))
    widths = [ctx.width * f for f in FRACTIONS]
    rows: list[list[Any]] = []
    for x in listed.shown:
        change = "—"
        if x.stance_before is not None:
            was = signed(x.stance_before)
            change = f"{'▲' if x.stance > x.stance_before else '▼'} from {was}"
        rows.append(
            [
                str(key[x.ref]),
                f"{ctx.mark(x.level)} {x.ref}",
                cell(x.name, s.cell, widths[2]),
                cell(enum_label(x.kind), s.cell, widths[3]),
                str(x.influence),
                str(x.interest),
                stance_text(x.stance),
                change,
            ]
        )

    def row_styles(index: int, row: int) -> list[tuple[Any, ...]]:
        x = people[index]
        return [("TEXTCOLOR", (6, row), (6, row), hex_colour(palette.stance_text_colour(x.stance)))]

    out.append(para(f"Stance changes are counted since {d.since.isoformat()}.", s.note))
    out.append(
        LongTable(
            ["No.", "Stakeholder", "Name", "Kind", "Influence", "Interest", "Stance", "Change"],
            rows,
            widths,
            layout=ctx.layout,
            row_styles=row_styles,
        )
    )
    out += more_rows(ctx, listed.more, "less influence and interest, shown by ref in the map above")
    return out
