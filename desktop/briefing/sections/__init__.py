"""The pack's sections, one module each; ``build_story`` puts the chosen ones in order."""

from __future__ import annotations

from reportlab.platypus import PageBreak
from reportlab.platypus.flowables import Flowable

from desktop.briefing.sections import (
    annex_a,
    annex_b,
    annex_c,
    changes,
    contents,
    cover,
    events,
    matrix,
    overview,
    partnerships,
    register,
    stakeholders,
    summary,
)
from desktop.briefing.sections.common import SectionContext

BODY_SECTIONS = {
    "overview": overview.build,
    "summary": summary.build,
    "changes": changes.build,
    "matrix": matrix.build,
    "register": register.build,
    "partnerships": partnerships.build,
    "stakeholders": stakeholders.build,
    "events": events.build,
}


def build_story(
    ctx: SectionContext, *, pack_id: str, generated: str, prepared_by: str, digest: str
) -> list[Flowable]:
    chosen = ctx.data.params.sections
    story: list[Flowable] = []
    if "cover" in chosen:
        story += cover.build(ctx, pack_id=pack_id, generated=generated, prepared_by=prepared_by)
    if "contents" in chosen:
        story += contents.build(ctx)
    first = True
    for name, build in BODY_SECTIONS.items():
        if name not in chosen:
            continue
        if not first:
            story.append(PageBreak())
        first = False
        story += build(ctx)
    if "annex_a" in chosen:
        story += annex_a.build(ctx)
    if "annex_b" in chosen:
        story += annex_b.build(ctx, page_break=True)
    if "annex_c" in chosen:
        story += annex_c.build(
            ctx, page_break=True, digest=digest, generated=generated, pack_id=pack_id
        )
    story += annex_c.closing(ctx)
    return story
