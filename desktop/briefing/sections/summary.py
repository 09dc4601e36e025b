"""Executive summary: key figures against the previous period, top risks, notable
events, risks flagged for review and a few plain sentences stating the facts."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer
from reportlab.platypus.flowables import Flowable

from db.enums import label
from desktop.briefing.board import cap
from desktop.briefing.data import PackData
from desktop.briefing.escape import esc
from desktop.briefing.sections import analyst
from desktop.briefing.sections.common import (
    SectionContext,
    band_cell,
    cell,
    enum_label,
    fmt_date,
    fmt_short_date,
    more_rows,
    para,
    simple_table,
)
from desktop.briefing.typography import signed, thousands
from desktop.services.summary import NOTABLE_SEVERITY, PeriodFigures, TopRisk
from desktop.services.summary import summary_sentences as service_sentences

TOP_RISKS = 5
KIND_W = 0.21
MAX_NOTABLE = 12


def _delta(now: int, before: int) -> str:
    diff = now - before
    return signed(diff) if diff else "no change"


def _status_text(counts: dict[str, int]) -> str:
    if not counts:
        return "none"
    from desktop.briefing.data import status_order

    return ", ".join(f"{counts[s]} {label(s).lower()}" for s in status_order() if counts.get(s))


def summary_sentences(d: PackData, mark: Callable[[str], str]) -> list[str]:
    """The facts of the summary (``desktop.services.summary.summary_sentences``, the one
    set of sentences), escaped for the page."""
    ranked = d.risks_by_residual()
    top = None
    if ranked:
        r = ranked[0]
        top = TopRisk(r.ref, r.level, r.title, r.residual_score, r.residual_band)
    notable = sum(1 for e in d.events if e.severity >= NOTABLE_SEVERITY)
    flagged = [f.risk for f in d.review_flags]
    sentences = service_sentences(
        d.figures, d.previous_figures, flagged, top=top, notable=notable, mark=mark
    )
    return [esc(text) for text in sentences]


def _figures_table(ctx: SectionContext, f: PeriodFigures, fp: PeriodFigures) -> Flowable:
    s = ctx.styles
    rows = [
        ["Events", thousands(f.events), thousands(fp.events), _delta(f.events, fp.events)],
        [
            "Adverse events",
            thousands(f.adverse_events),
            thousands(fp.adverse_events),
            _delta(f.adverse_events, fp.adverse_events),
        ],
        [
            "New risks",
            thousands(f.new_risks),
            thousands(fp.new_risks),
            _delta(f.new_risks, fp.new_risks),
        ],
        [
            "Open risks in high or critical band (residual)",
            thousands(f.residual_high_or_critical),
            thousands(fp.residual_high_or_critical),
            _delta(f.residual_high_or_critical, fp.residual_high_or_critical),
        ],
        [
            "Partnerships by status",
            para(esc(_status_text(f.partnerships_by_status)), s.cell),
            para(esc(_status_text(fp.partnerships_by_status)), s.cell),
            "",
        ],
    ]
    w = ctx.width
    return simple_table(
        ["Key figure", "This period", "Previous period", "Change"],
        rows,
        [w * 0.40, w * 0.22, w * 0.22, w * 0.16],
    )


def build(ctx: SectionContext) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    w = ctx.width
    out: list[Flowable] = [ctx.heading("summary")]
    out.append(
        para(
            f"Period {fmt_date(d.period_start)} to {fmt_date(d.period_end)}, compared with "
            f"{fmt_date(d.previous_start)} to {fmt_date(d.previous_end)}.",
            s.muted,
        )
    )
    out.append(Spacer(1, 2 * mm))
    for sentence in summary_sentences(d, ctx.mark):
        out.append(para(sentence, s.bullet.clone("SummaryBullet", bulletText="•")))
    out += analyst.interpretation(ctx)
    out += analyst.note(ctx)
    out += analyst.decisions(ctx)
    out.append(Spacer(1, 3 * mm))
    out.append(
        KeepTogether(
            [para("Key figures", s.h2), _figures_table(ctx, d.figures, d.previous_figures)]
        )
    )

    # Highest residual risks.
    top = d.risks_by_residual()[:TOP_RISKS]
    rows = []
    extra = []
    for i, r in enumerate(top, start=1):
        rows.append(
            [
                f"{ctx.mark(r.level)} {r.ref}",
                analyst.title_cell(ctx, r, w * 0.42),
                cell(r.owner or "—", s.cell, w * 0.18),
                f"{r.residual_likelihood} × {r.residual_impact} = {r.residual_score}",
                label(r.residual_band),
            ]
        )
        extra.extend(band_cell(4, i, r.residual_band))
    block: list[Flowable] = [para("Five highest residual risks", s.h2)]
    if rows:
        block.append(
            simple_table(
                ["Risk", "Title", "Owner", "Residual L × I", "Band"],
                rows,
                [w * 0.12, w * 0.42, w * 0.18, w * 0.16, w * 0.12],
                extra=extra,
            )
        )
    else:
        block.append(para("No open risks in scope.", s.body))
    out.append(KeepTogether(block))

    # Notable events.
    notable = sorted(
        (e for e in d.events if e.severity >= NOTABLE_SEVERITY),
        key=lambda e: (-e.severity, -(e.reach or 0), e.occurred_on, e.ref),
    )
    block = [para(f"Notable events (severity {NOTABLE_SEVERITY} or more)", s.h2)]
    if notable:
        rows = [
            [
                f"{ctx.mark(e.level)} {e.ref}",
                fmt_short_date(e.occurred_on),
                cell(e.title, s.cell, w * 0.46),
                cell(enum_label(e.kind), s.cell, w * KIND_W),
                str(e.severity),
            ]
            for e in notable[:MAX_NOTABLE]
        ]
        block.append(
            simple_table(
                ["Event", "Date", "Title", "Kind", "Sev."],
                rows,
                [w * 0.12, w * 0.13, w * 0.46, w * 0.21, w * 0.08],
            )
        )
        if len(notable) > MAX_NOTABLE:
            block.append(
                para(f"… and {thousands(len(notable) - MAX_NOTABLE)} more; see Annex A.", s.note)
            )
    else:
        block.append(para("No event of that severity in the period.", s.body))
    out.append(KeepTogether(block[:2]))
    out.extend(block[2:])

    # Review suggested.
    heading = para("Risks flagged “review suggested”", s.h2)
    flags = cap(d.review_flags, d.params.max_rows)
    if d.review_flags:
        rows = [
            [
                f"{ctx.mark(f.risk.level)} {f.risk.ref}",
                cell(f.risk.title, s.cell, w * 0.36),
                para("<br/>".join(esc(r[:1].upper() + r[1:]) + "." for r in f.reasons), s.cell),
            ]
            for f in flags.shown
        ]
        table = simple_table(["Risk", "Title", "Reason"], rows, [w * 0.12, w * 0.36, w * 0.52])
        out.append(KeepTogether([heading, table]) if len(rows) <= 12 else heading)
        if len(rows) > 12:
            out.append(table)
        out += more_rows(ctx, flags.more, "in the risk register")
    else:
        out.append(heading)
        out.append(
            para("None: no review date has passed and no risk is under unusual pressure.", s.body)
        )
    return out
