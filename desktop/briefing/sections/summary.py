"""Executive summary: key figures against the previous period, top risks, notable
events, risks flagged for review and a few plain sentences stating the facts."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer
from reportlab.platypus.flowables import Flowable

from db.enums import label
from desktop.briefing import palette
from desktop.briefing.data import NOTABLE_SEVERITY, Figures, PackData
from desktop.briefing.escape import esc
from desktop.briefing.sections.common import (
    SectionContext,
    cell,
    enum_label,
    fmt_date,
    fmt_short_date,
    mark,
    para,
    simple_table,
)
from desktop.briefing.styles import hex_colour

TOP_RISKS = 5
KIND_W = 0.21
MAX_NOTABLE = 12


def _delta(now: int, before: int) -> str:
    diff = now - before
    return f"+{diff}" if diff > 0 else ("−" + str(-diff) if diff < 0 else "no change")


def _status_text(counts: dict[str, int]) -> str:
    if not counts:
        return "none"
    from desktop.briefing.data import status_order

    return ", ".join(f"{counts[s]} {label(s).lower()}" for s in status_order() if counts.get(s))


def summary_sentences(d: PackData) -> list[str]:
    """The facts of the summary as plain sentences (escaped markup)."""
    f, fp = d.figures, d.previous_figures
    out = [
        f"From {fmt_date(d.period_start)} to {fmt_date(d.period_end)} the register recorded "
        f"{f.events} event{'s' if f.events != 1 else ''}, {f.adverse_events} of them adverse "
        f"(previous {(d.period_end - d.period_start).days + 1} days: {fp.events} events, "
        f"{fp.adverse_events} adverse).",
        f"{f.new_risks} new risk{'s were' if f.new_risks != 1 else ' was'} opened; "
        f"{f.high_or_critical} open risk{'s sit' if f.high_or_critical != 1 else ' sits'} in the high or critical "
        f"band after mitigation (at the end of the previous period: {fp.high_or_critical}).",
    ]
    ranked = d.risks_by_residual()
    if ranked:
        top = ranked[0]
        out.append(
            f"The highest residual risk is {esc(top.ref)} {mark(top.level)} “{esc(top.title)}”, "
            f"scored {top.residual_score} ({top.residual_band})."
        )
    n = len(d.review_flags)
    if n:
        out.append(
            f"{n} risk{'s are' if n != 1 else ' is'} flagged “review suggested” (reasons below)."
        )
    else:
        out.append("No risk is flagged for review.")
    notable = [e for e in d.events if e.severity >= NOTABLE_SEVERITY]
    if notable:
        out.append(
            f"{len(notable)} event{'s' if len(notable) != 1 else ''} of severity {NOTABLE_SEVERITY} or more "
            "occurred in the period."
        )
    if d.partnerships:
        out.append(f"Partnerships by status: {_status_text(f.partnerships_by_status)}.")
    return out


def _figures_table(ctx: SectionContext, f: Figures, fp: Figures) -> Flowable:
    s = ctx.styles
    rows = [
        ["Events", str(f.events), str(fp.events), _delta(f.events, fp.events)],
        [
            "Adverse events",
            str(f.adverse_events),
            str(fp.adverse_events),
            _delta(f.adverse_events, fp.adverse_events),
        ],
        ["New risks", str(f.new_risks), str(fp.new_risks), _delta(f.new_risks, fp.new_risks)],
        [
            "Open risks in high or critical band (residual)",
            str(f.high_or_critical),
            str(fp.high_or_critical),
            _delta(f.high_or_critical, fp.high_or_critical),
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
    for sentence in summary_sentences(d):
        out.append(para(sentence, s.bullet.clone("SummaryBullet", bulletText="•")))
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
                f"{mark(r.level)} {r.ref}",
                cell(r.title, s.cell, w * 0.42),
                cell(r.owner or "—", s.cell, w * 0.18),
                f"{r.residual_likelihood} × {r.residual_impact} = {r.residual_score}",
                label(r.residual_band),
            ]
        )
        extra.append(
            ("BACKGROUND", (4, i), (4, i), hex_colour(palette.band_colour(r.residual_band)))
        )
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
                f"{mark(e.level)} {e.ref}",
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
            block.append(para(f"… and {len(notable) - MAX_NOTABLE} more; see Annex A.", s.note))
    else:
        block.append(para("No event of that severity in the period.", s.body))
    out.append(KeepTogether(block[:2]))
    out.extend(block[2:])

    # Review suggested.
    heading = para("Risks flagged “review suggested”", s.h2)
    if d.review_flags:
        rows = [
            [
                f"{mark(f.risk.level)} {f.risk.ref}",
                cell(f.risk.title, s.cell, w * 0.36),
                para("<br/>".join(esc(r[:1].upper() + r[1:]) + "." for r in f.reasons), s.cell),
            ]
            for f in d.review_flags
        ]
        table = simple_table(["Risk", "Title", "Reason"], rows, [w * 0.12, w * 0.36, w * 0.52])
        out.append(KeepTogether([heading, table]) if len(rows) <= 12 else heading)
        if len(rows) > 12:
            out.append(table)
    else:
        out.append(heading)
        out.append(
            para("None: no review date has passed and no risk is under unusual pressure.", s.body)
        )
    return out
