"""P4 (QUALITY.md): briefing-pack build time, for the benchmark suite (not a test).

``p4_briefing(table, work, quick=...)`` has the signature of the scenarios in
``tests/perf/scenarios.py`` and can be listed there; it also runs alone:
``uv run python -m tests.briefing.perf_pack [--quick]``.

* the demo register's pack: absolute target <= 1 s (after one warm-up build, which
  pays the imports and the font registration once per process);
* a register whose period holds 5,000 events: the whole pack against raw ReportLab
  laying out the same 5,000-row Annex A table (the same cells) in one ``Table`` in a
  ``SimpleDocTemplate``, in the same run: target <= 1.3x.

Each side is timed three times, interleaved, and the best time kept (shared, noisy
machines); CPU times are printed beside for reference.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RUNS = 3


def _best(fn: Any, runs: int = RUNS) -> tuple[float, float]:
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def demo_pack_seconds(work: Path) -> tuple[float, int]:
    from db.demo import load_demo
    from db.engine import open_register
    from desktop.briefing.builder import build_pack
    from desktop.briefing.parameters import BriefingParameters

    path = work / "p4-demo.db"
    path.unlink(missing_ok=True)
    reg = open_register(path)
    try:
        load_demo(reg)
        params = BriefingParameters(ceiling="SECRET", since=dt.date.today() - dt.timedelta(days=30))
        out = work / "p4-demo.pdf"
        result = build_pack(reg, params, out, actor="bench")  # warm-up
        wall, _ = _best(lambda: build_pack(reg, params, out, actor="bench"))
        return wall, result.page_count
    finally:
        reg.dispose()


def large_pack_seconds(work: Path, events: int) -> dict[str, float]:
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from db.engine import open_register
    from db.synthetic import generate
    from desktop.briefing.builder import build_pack, generation_time
    from desktop.briefing.data import load_pack_data
    from desktop.briefing.doctemplate import LayoutState
    from desktop.briefing.fonts import register_fonts
    from desktop.briefing.parameters import BriefingParameters
    from desktop.briefing.sections import annex_a
    from desktop.briefing.sections.common import LongTable, SectionContext, base_table_style
    from desktop.briefing.styles import Styles, geometry

    path = work / f"p4-large-{events}.db"
    if not path.exists():
        reg = open_register(path)
        generate(reg, events=events, risks=200, stakeholders=100, partnerships=40, days=30, seed=4)
        reg.dispose()
    reg = open_register(path)
    try:
        register_fonts()
        params = BriefingParameters(ceiling="SECRET").resolved()
        out = work / "p4-large.pdf"
        pages = {"pack": 0, "baseline": 0}

        def ours() -> None:
            pages["pack"] = build_pack(reg, params, out, actor="bench").page_count

        with reg.session() as session:
            data = load_pack_data(session, params, generated_at=generation_time(params))
        g = geometry("a4")

        def baseline() -> None:
            # The same Annex A cells, laid out by ReportLab's own Table splitting.
            ctx = SectionContext(data=data, styles=Styles(), geometry=g, layout=LayoutState())
            lt = next(f for f in annex_a.build(ctx) if isinstance(f, LongTable))
            table = Table([lt.header, *lt.rows], colWidths=lt.widths, repeatRows=1)
            table.setStyle(TableStyle(base_table_style(len(lt.rows) + 1)))
            doc = SimpleDocTemplate(
                io.BytesIO(),
                pagesize=(g.width, g.height),
                leftMargin=g.left,
                rightMargin=g.right,
                topMargin=g.top,
                bottomMargin=g.bottom,
            )
            doc.build([table])
            pages["baseline"] = doc.page

        ours_w, ours_c, base_w, base_c = [], [], [], []
        for _ in range(RUNS):
            w, c = _best(ours, 1)
            ours_w.append(w)
            ours_c.append(c)
            w, c = _best(baseline, 1)
            base_w.append(w)
            base_c.append(c)
        return {
            "events": float(len(data.events)),
            "ours": min(ours_w),
            "ours_cpu": min(ours_c),
            "pages": float(pages["pack"]),
            "baseline": min(base_w),
            "baseline_cpu": min(base_c),
            "baseline_pages": float(pages["baseline"]),
        }
    finally:
        reg.dispose()


def p4_briefing(table: Any, work: Path, *, quick: bool) -> None:
    from tests.perf.harness import Result

    demo, demo_pages = demo_pack_seconds(work)
    table.add(
        Result("P4 demo pack", f"demo, {demo_pages} pages", demo, None, "<= 1 s", demo <= 1.0)
    )
    n = 500 if quick else 5_000
    r = large_pack_seconds(work, n)
    ratio = r["ours"] / r["baseline"]
    table.add(
        Result(
            "P4 pack, 5,000 events vs raw Table",
            f"{int(r['events'])} events, {int(r['pages'])} pages",
            r["ours"],
            r["baseline"],
            "<= 1.3x",
            ratio <= 1.3,
            note=f"cpu {r['ours_cpu']:.1f} s vs {r['baseline_cpu']:.1f} s",
        )
    )


def main(argv: list[str]) -> int:
    from tests.perf.harness import Table as ResultTable

    quick = "--quick" in argv
    table = ResultTable()
    with tempfile.TemporaryDirectory(prefix="risk-p4-") as tmp:
        p4_briefing(table, Path(tmp), quick=quick)
    print(table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
