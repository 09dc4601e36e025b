"""Annex B: the scoring scales, the bands and how pressure is scored."""

from __future__ import annotations

from reportlab.platypus import KeepTogether, PageBreak
from reportlab.platypus.flowables import Flowable

from db.enums import STANCE_LABELS, label
from db.scales import IMPACT_LABELS, LIKELIHOOD_LABELS
from desktop.briefing import palette
from desktop.briefing.sections.common import SectionContext, band_cell, para, simple_table
from desktop.briefing.styles import hex_colour
from desktop.briefing.typography import signed
from desktop.services.pressure import (
    BASELINE_WEEKS,
    HALF_LIFE_DAYS,
    MIN_PRESSURE,
    RATIO_THRESHOLD,
    RECENT_DAYS,
)


def build(ctx: SectionContext, *, page_break: bool) -> list[Flowable]:
    d, s = ctx.data, ctx.styles
    w = ctx.width
    out: list[Flowable] = [PageBreak()] if page_break else []
    out.append(ctx.heading("annex_b"))
    rows = [[str(i + 1), LIKELIHOOD_LABELS[i], IMPACT_LABELS[i]] for i in range(5)]
    out.append(
        KeepTogether(
            [
                para("Likelihood and impact", s.h2),
                simple_table(
                    ["Value", "Likelihood", "Impact"], rows, [w * 0.12, w * 0.44, w * 0.44]
                ),
            ]
        )
    )
    rows = [[label(name), f"{lo} to {hi}", ""] for name, lo, hi in d.bands.ranges()]
    extra = [
        cmd
        for i, (name, _, _) in enumerate(d.bands.ranges(), start=1)
        for cmd in band_cell(2, i, name)
    ]
    out.append(
        KeepTogether(
            [
                para("Bands", s.h2),
                para(
                    "Score = likelihood × impact (1 to 25). Residual scores are after mitigation.",
                    s.body,
                ),
                simple_table(
                    ["Band", "Score", "Colour"], rows, [w * 0.3, w * 0.3, w * 0.4], extra=extra
                ),
            ]
        )
    )
    rows = [[signed(k), v] for k, v in sorted(STANCE_LABELS.items())]
    extra = [
        ("TEXTCOLOR", (1, i), (1, i), hex_colour(palette.stance_text_colour(k)))
        for i, k in enumerate(sorted(STANCE_LABELS), start=1)
    ]
    out.append(
        KeepTogether(
            [
                para("Stance and sentiment", s.h2),
                simple_table(["Value", "Meaning"], rows, [w * 0.2, w * 0.8], extra=extra),
            ]
        )
    )
    out.append(para("Pressure and “review suggested”", s.h2))
    out.append(
        para(
            "An adverse event is one linked to the risk with a negative sentiment, or a criticism not logged with "
            "a positive sentiment. Each adds severity × (1 + log<sub>10</sub>(1 + reach)), halved for every "
            f"{HALF_LIFE_DAYS:g} days of age. The recent pressure (the last {RECENT_DAYS} days of the period) is "
            f"compared with the risk's own baseline over the {BASELINE_WEEKS} weeks before. A risk is flagged "
            f"“review suggested” when its recent pressure is at least {MIN_PRESSURE:g} and at least "
            f"{RATIO_THRESHOLD:g} times its baseline (or it had no baseline), or when its review date has passed. "
            "Only records included in this pack count.",
            s.body,
        )
    )
    out.append(
        para(
            "Severity of an event runs from 1 (minor) to 5 (severe); reach is the estimated number of people "
            "reached, with its basis recorded in the register.",
            s.body,
        )
    )
    return out
