"""The cover: title, audience, period, date, prepared by, pack id and the banner."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import NextPageTemplate, PageBreak, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from db.classification import LEVELS, banner_text
from desktop.briefing import palette
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import FONT_CMD, SectionContext, fmt_date, para, shorten
from desktop.briefing.sections.edition import edition_line
from desktop.briefing.sections.fitting import fit_lines
from desktop.briefing.styles import hex_colour

COVER_TITLE_LINES = 4
COVER_SCOPE_NAMES = 5


def build(ctx: SectionContext, *, pack_id: str, generated: str, prepared_by: str) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    p = d.params
    level = ctx.banner or LEVELS[0]
    banner = banner_text(level, p.marking_prefix)
    out: list[Flowable] = [Spacer(1, 28 * mm)]
    out.append(para("BRIEFING PACK", s.muted))
    out.append(Spacer(1, 3 * mm))
    # However long the title, the cover stays one page: at most four lines here, the
    # full title inside (the contents page prints it when it was shortened).
    title = fit_lines(p.title, s.cover_title, ctx.width, COVER_TITLE_LINES)
    out.append(ctx.heading("cover", p.title, toc=False, markup=esc(title), style=s.cover_title))
    if p.audience:
        audience = fit_lines(f"For: {p.audience}", s.cover_sub, ctx.width, 2)
        out.append(para(esc(audience), s.cover_sub))
    out.append(para(f"Period: {fmt_date(d.period_start)} to {fmt_date(d.period_end)}", s.cover_sub))
    if d.scope_refs:
        names = []
        for x in d.partnerships[:COVER_SCOPE_NAMES]:
            name = fit_lines(x.name, s.cover_meta, ctx.width / 2, 1)
            names.append(f"{esc(ctx.mark(x.level))} {esc(x.ref)} {esc(name)}")
        if len(d.partnerships) > COVER_SCOPE_NAMES:
            names.append(f"and {len(d.partnerships) - COVER_SCOPE_NAMES} more (see Partnerships)")
        scope = "; ".join(names) if names else "the partnerships chosen"
        one = len(names) == 1
        which, its, it = ("partnership", "its", "it") if one else ("partnerships", "their", "them")
        out.append(
            para(
                f"<b>Scope:</b> the {which} {scope} only. Every figure, list and chart counts {its} "
                f"risks, the events about {it} and the stakeholders concerned; nothing else in "
                "the register.",
                s.cover_meta,
            )
        )
    out.append(Spacer(1, 14 * mm))
    meta = [
        ["Date", generated],
        *([["Prepared by", esc(shorten(prepared_by, 200))]] if prepared_by.strip() else []),
        ["Pack id", pack_id],
        ["Ceiling", str(p.ceiling)],
        ["Classification", esc(banner)],
        ["Edition", edition_line(p, issued_by=prepared_by, issued_on=generated)],
    ]
    rows = [[para(f"<b>{k}</b>", s.cover_meta), para(v, s.cover_meta)] for k, v in meta]
    t = Table(rows, colWidths=[40 * mm, ctx.width - 40 * mm], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                FONT_CMD,
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, hex_colour(palette.RULE)),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    out.append(t)
    out.append(Spacer(1, 16 * mm))
    band_style = s.cover_sub.clone("CoverBanner", textColor=hex_colour("#ffffff"), alignment=1)
    band = Table([[para(f"<b>{esc(banner)}</b>", band_style)]], colWidths=[ctx.width])
    band.setStyle(
        TableStyle(
            [
                FONT_CMD,
                ("BACKGROUND", (0, 0), (-1, -1), hex_colour(palette.banner_colour(str(level)))),
                ("TEXTCOLOR", (0, 0), (-1, -1), hex_colour("#ffffff")),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    out.append(band)
    out.append(Spacer(1, 4 * mm))
    out.append(
        para(
            "This pack holds no record classified above the ceiling shown. The banner on every page "
            "shows the highest classification of the records it actually contains. Markings are "
            "handling labels, not accreditation: this tool is not an accredited system for "
            "classified information.",
            s.note,
        )
    )
    out.append(NextPageTemplate("body"))
    out.append(PageBreak())
    return out
