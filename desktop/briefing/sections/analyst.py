"""The words that interpret: the drivers and the outlook (desktop.services.interpret),
the analyst's note, the decisions requested and each risk owner's commentary.

The note, the decisions and a commentary each carry the level chosen for them: they
are printed, with their portion mark, only when that level is within the pack's
ceiling, and then count for the banner like any record; above it they are left out
without a trace (no heading, no mark, nothing in the digest).
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import KeepTogether
from reportlab.platypus.flowables import Flowable

from desktop.briefing.data import RiskRow
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import SectionContext, cell, fmt_date, para, shorten
from desktop.services.interpret import driver_sentences, outlook_sentences

NOTE_CHARS = 3000


def _within(ctx: SectionContext, level: str | None) -> bool:
    return level is not None and level in {str(x) for x in ctx.data.levels}


def _bullets(ctx: SectionContext, sentences: list[str]) -> list[Flowable]:
    style = ctx.styles.bullet.clone("InterpretBullet", bulletText="•")
    return [para(esc(text), style) for text in sentences]


def interpretation(ctx: SectionContext) -> list[Flowable]:
    """ "What is driving it" and "Outlook", in the services' sentences (marks counted)."""
    i = ctx.data.interpretation
    if i is None:
        return []
    s = ctx.styles
    out: list[Flowable] = []
    for title, sentences in (
        ("What is driving it", driver_sentences(i, ctx.mark)),
        ("Outlook", outlook_sentences(i, ctx.mark)),
    ):
        items = _bullets(ctx, sentences)
        out.append(KeepTogether([para(title, s.h2), *items[:1]]))
        out.extend(items[1:])
    return out


def decision_lines(ctx: SectionContext) -> list[str]:
    """The decisions requested, one per line, when within the ceiling (else none)."""
    p = ctx.data.params
    if not p.decisions or not _within(ctx, p.decisions_level):
        return []
    return [line.strip(" -•\t") for line in p.decisions.splitlines() if line.strip(" -•\t")]


def decisions(
    ctx: SectionContext, *, title: str = "Decisions requested", keep: bool = True
) -> list[Flowable]:
    """The decisions block; ``keep=False`` inside a frame that cannot split (the overview)."""
    lines = decision_lines(ctx)
    if not lines:
        return []
    mark = ctx.mark(str(ctx.data.params.decisions_level))
    style = ctx.styles.bullet.clone("DecisionBullet", bulletText="•")
    items = [para(f"{esc(mark)} {esc(shorten(line, NOTE_CHARS))}", style) for line in lines]
    block = [para(title, ctx.styles.h2), *items]
    return [KeepTogether(block)] if keep else block


def note(ctx: SectionContext) -> list[Flowable]:
    """The analyst's note, when within the ceiling."""
    p = ctx.data.params
    if not p.note or not _within(ctx, p.note_level):
        return []
    mark = ctx.mark(str(p.note_level))
    paragraphs = [x.strip() for x in p.note.split("\n\n") if x.strip()]
    body = [
        para(
            (f"{esc(mark)} " if k == 0 else "")
            + esc(shorten(text, NOTE_CHARS)).replace("\n", "<br/>"),
            ctx.styles.body,
        )
        for k, text in enumerate(paragraphs)
    ]
    return [KeepTogether([para("Analyst’s note", ctx.styles.h2), *body[:1]]), *body[1:]]


def commentary(ctx: SectionContext, r: RiskRow, *, limit: int = 400, size: float = 6.5) -> str:
    """Markup for a risk owner's commentary under its title ("" when there is none to print).

    The data layer keeps only a commentary within the ceiling; the mark counts here."""
    if not r.commentary or r.commentary_level is None:
        return ""
    mark = ctx.mark(r.commentary_level)
    when = f", {fmt_date(r.commentary_on)}" if r.commentary_on else ""
    return (
        f'<br/><font size="{size}"><i>Owner{when}:</i> {esc(mark)} '
        f"{esc(shorten(r.commentary, limit))}</font>"
    )


def title_cell(ctx: SectionContext, r: RiskRow, width: float, *, limit: int = 300) -> Any:
    """A top-risk table's title cell: the title, and the owner's commentary when printed."""
    said = commentary(ctx, r, limit=limit)
    if not said:
        return cell(r.title, ctx.styles.cell, width)
    return para(esc(r.title) + said, ctx.styles.cell)
