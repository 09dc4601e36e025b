"""Charts drawn with reportlab.graphics: heat maps, the stakeholder map, bars, sparklines.

Every label here is a record's ref or a fixed word; chart text is drawn as plain
strings (never parsed as markup).  Only records already loaded under the ceiling
reach these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from db import scoring
from db.enums import STANCE_LABELS, EventKind, label
from db.scales import IMPACT_LABELS, LIKELIHOOD_LABELS, Bands
from desktop.briefing import palette
from desktop.briefing.fonts import BOLD, REGULAR
from desktop.briefing.styles import hex_colour
from desktop.briefing.typography import MINUS, signed, thousands

GRID_LINE = colors.white
AXIS_INK = hex_colour(palette.MUTED)
INK = hex_colour(palette.INK)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 6.5,
    font: str = REGULAR,
    anchor: str = "middle",
    colour: colors.Color = INK,
) -> String:
    return String(x, y, text, fontName=font, fontSize=size, fillColor=colour, textAnchor=anchor)


def _pack_labels(labels: list[str], room: float, max_lines: int) -> list[list[str]]:
    """Labels in lines no wider than ``room``; when not all fit, the last line is left
    for "+N more"."""

    def width(line: list[str]) -> float:
        return stringWidth(" ".join(line), BOLD, 5.6)

    lines: list[list[str]] = []
    for text in labels:
        if lines and width([*lines[-1], text]) <= room:
            lines[-1].append(text)
        elif len(lines) < max_lines:
            lines.append([text])
        else:
            break
    if sum(len(line) for line in lines) < len(labels):
        # Make room for the "+N more" line.
        lines = lines[: max(0, max_lines - 1)] if len(lines) >= max_lines else lines
    return lines


def _plain_label(ref: str) -> str:
    return ref


def heat_map(
    cells: dict[tuple[int, int], list[str]],
    *,
    title: str,
    bands: Bands,
    width: float,
    cell: float | None = None,
    label: Callable[[str], str] = _plain_label,
    drawn: list[str] | None = None,
) -> Drawing:
    """A 5x5 likelihood x impact grid with band colours and the refs in each cell.

    ``cells`` maps (likelihood, impact) to the refs sitting there; ``label`` gives the
    text printed for a ref (its portion mark and ref); the refs actually printed (not
    those counted in "+N more") are appended to ``drawn``.
    """
    left, bottom, top = 40.0, 34.0, 16.0
    size = cell or min((width - left - 4) / 5, 46.0)
    grid_w = size * 5
    height = bottom + grid_w + top
    d = Drawing(left + grid_w + 4, height)
    d.initialFontName = REGULAR
    d.add(_text(left + grid_w / 2, height - 11, title, size=8.5, font=BOLD))
    # One line at the top of a cell is its count ("12 risks"); the refs go below it.
    max_lines = max(1, int((size - 17) // 7))
    room = size - 4
    for li in range(1, 6):
        for im in range(1, 6):
            x = left + (im - 1) * size
            y = bottom + (li - 1) * size
            band = scoring.band_for(li, im, bands)
            d.add(
                Rect(
                    x,
                    y,
                    size,
                    size,
                    fillColor=hex_colour(palette.band_colour(band)),
                    strokeColor=GRID_LINE,
                    strokeWidth=1.2,
                )
            )
            d.add(
                _text(
                    x + size - 2.5,
                    y + size - 7,
                    str(scoring.score(li, im)),
                    size=5.5,
                    anchor="end",
                    colour=hex_colour(palette.BAND_TEXT_COLOURS[band]),
                )
            )
            refs = sorted(cells.get((li, im), []))
            if not refs:
                continue
            ink = hex_colour(palette.BAND_TEXT_COLOURS[band])
            count = f"{thousands(len(refs))} risk{'s' if len(refs) != 1 else ''}"
            d.add(
                _text(x + 2.5, y + size - 7, count, size=5.5, font=BOLD, anchor="start", colour=ink)
            )
            lines = _pack_labels([label(r) for r in refs], room, max_lines)
            shown = sum(len(line) for line in lines)
            if drawn is not None:
                drawn.extend(refs[:shown])
            if shown < len(refs):
                lines.append([f"+{len(refs) - shown} more"])
            total_h = len(lines) * 7
            y0 = y + (size - 11) / 2 + total_h / 2 - 6
            for n, line in enumerate(lines):
                text = " ".join(line)
                # A label wider than the cell (a long ref with its mark) is set smaller
                # rather than drawn across the next cell.
                fit = min(5.6, 5.6 * room / max(1.0, stringWidth(text, BOLD, 5.6)))
                d.add(_text(x + size / 2, y0 - n * 7, text, size=fit, font=BOLD, colour=ink))
    # Axes: impact along the bottom, likelihood up the side.
    for i, lab in enumerate(IMPACT_LABELS):
        d.add(
            _text(
                left + (i + 0.5) * size,
                bottom - 8,
                f"{i + 1}",
                size=6.5,
                font=BOLD,
                colour=AXIS_INK,
            )
        )
        d.add(_text(left + (i + 0.5) * size, bottom - 15, lab, size=5.2, colour=AXIS_INK))
    for i, lab in enumerate(LIKELIHOOD_LABELS):
        y = bottom + (i + 0.5) * size
        d.add(
            _text(left - 4, y + 1, f"{i + 1}", size=6.5, font=BOLD, anchor="end", colour=AXIS_INK)
        )
        short = lab if len(lab) <= 9 else lab.split()[0]
        d.add(_text(left - 4, y - 6, short, size=5.2, anchor="end", colour=AXIS_INK))
    d.add(_text(left + grid_w / 2, 4, "Impact", size=7, font=BOLD, colour=AXIS_INK))
    rotated = Group(
        String(
            bottom + grid_w / 2,
            -7,
            "Likelihood",
            fontName=BOLD,
            fontSize=7,
            fillColor=AXIS_INK,
            textAnchor="middle",
        )
    )
    rotated.rotate(90)
    d.add(rotated)
    return d


def band_legend(bands: Bands, width: float) -> Drawing:
    d = Drawing(width, 16)
    d.initialFontName = REGULAR
    x = 0.0
    for name, lo, hi in bands.ranges():
        d.add(Rect(x, 3, 10, 10, fillColor=hex_colour(palette.band_colour(name)), strokeColor=None))
        text = f"{label(name)} ({lo}–{hi})"
        d.add(_text(x + 14, 5, text, size=7.5, anchor="start"))
        x += 24 + len(text) * 4.2
    return d


def stakeholder_map(
    points: Sequence[tuple[str, int, int, int]],
    *,
    width: float,
    label: Callable[[str], str] = _plain_label,
    drawn: list[str] | None = None,
) -> Drawing:
    """Influence (up) x interest (across) with stance colours; points are (ref, influence, interest, stance).

    ``label`` gives the text printed for a ref (a number of the key printed below the
    map, or the marked ref); the refs printed go to ``drawn``.  The four quadrants are
    named above and below the grid."""
    left, bottom = 34.0, 40.0
    size = min((width - left - 120) / 5, 46.0)
    grid = size * 5
    d = Drawing(width, bottom + grid + 14)
    d.initialFontName = REGULAR
    for row in range(5):
        for col in range(5):
            shade = "#eef2f6" if (row >= 2 and col >= 2) else "#f7f9fb"
            d.add(
                Rect(
                    left + col * size,
                    bottom + row * size,
                    size,
                    size,
                    fillColor=hex_colour(shade),
                    strokeColor=hex_colour(palette.RULE),
                    strokeWidth=0.5,
                )
            )
    by_cell: dict[tuple[int, int], list[tuple[str, int]]] = {}
    for ref, influence, interest, stance in points:
        by_cell.setdefault((influence, interest), []).append((ref, stance))
    for (influence, interest), members in by_cell.items():
        members.sort()
        x0 = left + (interest - 1) * size
        y0 = bottom + (influence - 1) * size
        per_row = 1
        capacity = max(1, int((size - 4) // 11))
        shown = members if len(members) <= capacity else members[: capacity - 1]
        for n, (ref, stance) in enumerate(shown):
            cx = x0 + 7 + (n % per_row) * size
            cy = y0 + size - 8 - (n // per_row) * 11
            d.add(
                Circle(
                    cx,
                    cy,
                    3.3,
                    fillColor=hex_colour(palette.stance_colour(stance)),
                    strokeColor=None,
                )
            )
            d.add(_text(cx + 5, cy - 2.3, label(ref), size=5.6, anchor="start"))
            if drawn is not None:
                drawn.append(ref)
        if len(members) > len(shown):
            d.add(
                _text(
                    x0 + 4,
                    y0 + size - 10.5 - len(shown) * 11,
                    f"+{len(members) - len(shown)} more",
                    size=5.6,
                    anchor="start",
                )
            )
    for i in range(5):
        d.add(
            _text(
                left + (i + 0.5) * size,
                bottom - 9,
                str(i + 1),
                size=6.5,
                font=BOLD,
                colour=AXIS_INK,
            )
        )
        d.add(
            _text(
                left - 5,
                bottom + (i + 0.5) * size - 2,
                str(i + 1),
                size=6.5,
                font=BOLD,
                anchor="end",
                colour=AXIS_INK,
            )
        )
    d.add(_text(left + grid / 2, bottom - 31, "Interest", size=7, font=BOLD, colour=AXIS_INK))
    # Quadrant names: high is 3 to 5 (the shaded cells), low 1 to 2.
    low_mid, high_mid = left + size, left + 3.5 * size
    for x, y, name in (
        (low_mid, bottom + grid + 4, "Keep satisfied"),
        (high_mid, bottom + grid + 4, "Manage closely"),
        (low_mid, bottom - 20, "Monitor"),
        (high_mid, bottom - 20, "Keep informed"),
    ):
        d.add(_text(x, y, name, size=6.5, font=BOLD, colour=AXIS_INK))
    rotated = Group(
        String(
            bottom + grid / 2,
            -14,
            "Influence",
            fontName=BOLD,
            fontSize=7,
            fillColor=AXIS_INK,
            textAnchor="middle",
        )
    )
    rotated.rotate(90)
    d.add(rotated)
    # Stance legend on the right.
    lx = left + grid + 16
    ly = bottom + grid - 10
    d.add(_text(lx, ly + 4, "Stance", size=7.5, font=BOLD, anchor="start"))
    for n, stance in enumerate(sorted(STANCE_LABELS, reverse=True)):
        y = ly - 10 - n * 12
        d.add(
            Circle(
                lx + 4,
                y + 2.5,
                3.5,
                fillColor=hex_colour(palette.stance_colour(stance)),
                strokeColor=None,
            )
        )
        d.add(
            _text(
                lx + 12,
                y,
                f"{STANCE_LABELS[stance]} ({signed(stance)})",
                size=7,
                anchor="start",
            )
        )
    return d


def weeks_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mondays of the weeks that touch ``[start, end]``."""
    first = start - dt.timedelta(days=start.weekday())
    out = []
    day = first
    while day <= end:
        out.append(day)
        day += dt.timedelta(days=7)
    return out


def days_in_period(week: dt.date, start: dt.date, end: dt.date) -> int:
    """How many days of the week starting ``week`` (a Monday) fall in ``[start, end]``."""
    first = max(week, start)
    last = min(week + dt.timedelta(days=6), end)
    return max(0, (last - first).days + 1)


def _hatch(d: Drawing, x: float, y: float, w: float, h: float, colour: colors.Color) -> None:
    """Diagonal hatching inside a rectangle (lines cut at its edges: no clipping needed)."""
    step = 5.0
    k = -h
    while k < w:
        # The line x = x0 + k + t, y = y0 + t for t in [0, h], cut to 0 <= k + t <= w.
        t0 = max(0.0, -k)
        t1 = min(h, w - k)
        if t1 > t0:
            d.add(Line(x + k + t0, y + t0, x + k + t1, y + t1, strokeColor=colour, strokeWidth=0.5))
        k += step


def events_per_week(
    counts: dict[dt.date, dict[str, int]],
    weeks: list[dt.date],
    *,
    width: float,
    height: float = 150,
    period: tuple[dt.date, dt.date] | None = None,
) -> Drawing:
    """Stacked bars of events per week by kind, with a legend of the kinds present.

    With ``period``, a week only partly inside it is hatched and labelled with its
    number of days ("4 days"), so that a short week is not read as a quiet one."""
    kinds = [k.value for k in EventKind if any(counts.get(w, {}).get(k.value) for w in weeks)]
    if not kinds:
        kinds = [EventKind.other.value]
    legend_rows = (len(kinds) + 3) // 4
    d = Drawing(width, height + legend_rows * 11 + 6)
    d.initialFontName = REGULAR
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 22 + legend_rows * 11
    chart.width, chart.height = width - 40, height - 30
    chart.data = [[counts.get(w, {}).get(k, 0) for w in weeks] for k in kinds]
    chart.categoryAxis.style = "stacked"
    step = max(1, len(weeks) // 12)
    chart.categoryAxis.categoryNames = [
        w.strftime("%d %b") if i % step == 0 else "" for i, w in enumerate(weeks)
    ]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.dy = -2
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    top = max([sum(counts.get(w, {}).values()) for w in weeks] + [1])
    chart.valueAxis.valueMax = _nice_top(top)
    chart.valueAxis.valueStep = _nice_top(top) / 4
    chart.valueAxis.strokeColor = AXIS_INK
    chart.categoryAxis.strokeColor = AXIS_INK
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = hex_colour(palette.RULE)
    chart.valueAxis.gridStrokeWidth = 0.4
    chart.barSpacing = 0
    chart.groupSpacing = 4
    for i, k in enumerate(kinds):
        chart.bars[i].fillColor = hex_colour(palette.EVENT_KIND_COLOURS.get(k, "#999999"))
        chart.bars[i].strokeColor = None
    d.add(chart)
    if period is not None and weeks:
        slot = chart.width / len(weeks)
        for i, wk in enumerate(weeks):
            days = days_in_period(wk, *period)
            if days >= 7:
                continue
            x0 = chart.x + i * slot + 1
            _hatch(d, x0, chart.y, slot - 2, chart.height, hex_colour(palette.RULE))
            word = "day" if days == 1 else "days"
            d.add(
                _text(
                    x0 + (slot - 2) / 2,
                    chart.y + chart.height + 3,
                    f"{days} {word}",
                    size=5.8,
                    colour=AXIS_INK,
                )
            )
    col_w = (width - 30) / 4
    for n, k in enumerate(kinds):
        x = 30 + (n % 4) * col_w
        y = 4 + (legend_rows - 1 - n // 4) * 11
        d.add(
            Rect(
                x,
                y,
                7,
                7,
                fillColor=hex_colour(palette.EVENT_KIND_COLOURS.get(k, "#999999")),
                strokeColor=None,
            )
        )
        d.add(_text(x + 10, y + 0.8, label(k), size=6.8, anchor="start"))
    return d


def _nice_top(value: float) -> float:
    for step in (4, 8, 12, 20, 40, 60, 80, 100, 200, 400, 600, 800, 1000, 2000, 4000, 8000, 10000):
        if value <= step:
            return float(step)
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float((int(value / magnitude) + 1) * magnitude)


def sentiment_sparkline(
    values: Sequence[float | None],
    *,
    weeks: Sequence[dt.date] | None = None,
    width: float = 120,
    height: float = 52,
) -> Drawing:
    """Average sentiment per week (-2..+2) as a small line chart that says what it shows:
    an axis (+2, 0, -2), the first and last week's dates, and the latest value; with no
    event in the period, the words "No events in the period" instead of an empty box."""
    d = Drawing(width, height)
    d.initialFontName = REGULAR
    left, right, bottom, top = 16.0, 4.0, 10.0, 10.0
    plot_w, plot_h = width - left - right, height - bottom - top
    d.add(
        Rect(
            left,
            bottom,
            plot_w,
            plot_h,
            fillColor=hex_colour("#f7f9fb"),
            strokeColor=hex_colour(palette.RULE),
            strokeWidth=0.4,
        )
    )
    mid = bottom + plot_h / 2
    for value in (2, 0, -2):
        y = mid + value / 2 * (plot_h / 2 - 2)
        d.add(_text(left - 2, y - 2, signed(value), size=5.5, anchor="end", colour=AXIS_INK))
    d.add(
        Line(
            left,
            mid,
            left + plot_w,
            mid,
            strokeColor=hex_colour(palette.RULE),
            strokeWidth=0.6,
            strokeDashArray=[2, 2],
        )
    )
    n = len(values)
    if weeks:
        d.add(_text(left, 2, weeks[0].strftime("%d %b"), size=5.5, anchor="start", colour=AXIS_INK))
        if len(weeks) > 1:
            d.add(
                _text(
                    left + plot_w,
                    2,
                    weeks[-1].strftime("%d %b"),
                    size=5.5,
                    anchor="end",
                    colour=AXIS_INK,
                )
            )
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        d.add(
            _text(
                left + plot_w / 2, mid - 2.5, "No events in the period", size=6.5, colour=AXIS_INK
            )
        )
        return d
    step = plot_w / max(1, n - 1) if n > 1 else 0.0
    pts: list[float] = []
    for i, v in known:
        x = left + (i * step if n > 1 else plot_w / 2)
        y = mid + (v / 2.0) * (plot_h / 2 - 2)
        pts.extend([x, y])
        d.add(
            Circle(
                x, y, 1.6, fillColor=hex_colour(palette.stance_colour(round(v))), strokeColor=None
            )
        )
    if len(pts) >= 4:
        d.add(PolyLine(pts, strokeColor=hex_colour(palette.ACCENT), strokeWidth=1))
    last_i, last_v = known[-1]
    when = f" (week of {weeks[last_i].strftime('%d %b')})" if weeks and last_i < len(weeks) else ""
    latest = f"{last_v:+.1f}".replace("-", MINUS) if last_v else "0.0"
    d.add(
        _text(left + plot_w, height - 8, f"Latest {latest}{when}", size=6, font=BOLD, anchor="end")
    )
    return d
