"""The register section's "Treatment actions" table: the open actions of each risk in
the register, in the register's order, overdue ones highlighted.

Only what ``PackData.actions`` holds is printed: actions within the ceiling, of risks
the pack includes (``desktop.services.actions``).  Each action carries its own
portion mark, so an action counts for the banner exactly when it is printed.  An
action that names several risks is listed under each of them.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus.flowables import Flowable

from desktop.briefing import palette
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import LongTable, SectionContext, fmt_short_date, para
from desktop.briefing.styles import hex_colour

TITLE = "Treatment actions"
HEADER = ["Risk", "Action", "Title and owner", "Status", "Due", "Aims for"]
# The ref columns hold the widest portion mark too: "(NU) R-1000".
FRACTIONS = (0.112, 0.112, 0.456, 0.11, 0.12, 0.09)


def build_table(ctx: SectionContext) -> list[Flowable]:
    """The heading, a sentence and the table (or a sentence saying there is none)."""
    d, s = ctx.data, ctx.styles
    muted = palette.MUTED
    rows: list[list[Any]] = []
    overdue_rows: list[bool] = []
    for risk in d.risks_by_residual():
        for action in d.actions.get(risk.id, []):
            owner = f'<br/><font size="6.5" color="{muted}">{esc(action.owner)}</font>'
            rows.append(
                [
                    f"{ctx.mark(risk.level)} {risk.ref}",
                    f"{ctx.mark(action.classification)} {action.ref}",
                    para(esc(action.title) + (owner if action.owner else ""), s.cell),
                    action.status_label,
                    fmt_short_date(action.due_on) + ("\noverdue" if action.overdue else ""),
                    action.expected_cell or "—",
                ]
            )
            overdue_rows.append(action.overdue)
    overdue_bg = hex_colour(palette.OVERDUE)
    overdue_ink = hex_colour(palette.OVERDUE_TEXT)

    def row_styles(index: int, row: int) -> list[tuple[Any, ...]]:
        if not overdue_rows[index]:
            return []
        return [
            ("BACKGROUND", (4, row), (4, row), overdue_bg),
            ("TEXTCOLOR", (4, row), (4, row), overdue_ink),
        ]

    late = sum(overdue_rows)
    out: list[Flowable] = [
        ctx.heading("register", TITLE, level=1),
        para(
            "Planned and in-progress actions of the risks above, in the register's order; "
            "an action that treats several risks is listed under each. "
            f"Aims for: the residual likelihood × impact the action is expected to reach. "
            f"Overdue due dates (before {d.period_end.isoformat()}) are highlighted"
            + (f": {late} {'row' if late == 1 else 'rows'}." if late else "; none is overdue."),
            s.body,
        ),
    ]
    if rows:
        widths = [ctx.width * f for f in FRACTIONS]
        out.append(LongTable(HEADER, rows, widths, layout=ctx.layout, row_styles=row_styles))
    else:
        out.append(para("No open treatment actions for the risks in scope.", s.body))
    return out
