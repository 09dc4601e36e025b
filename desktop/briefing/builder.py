"""Build a briefing pack: the one entry point for the CLI and the GUI's worker thread.

``build_pack`` reads the register under the ceiling, lays the pack out with
Platypus, writes it to a temporary file beside the target and moves it into place
only when complete, then records the pack (``BriefingRecord``).  A cancelled or
failed build leaves neither a file nor a record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.platypus.flowables import Flowable

from db.classification import LEVELS, Classification, banner_text, highest
from db.engine import Register
from db.errors import Cancelled
from db.models import DRAFT, ISSUED, BriefingRecord
from db.queries import briefing as q
from db.register_settings import register_bands
from desktop import PRODUCT_NAME, __version__
from desktop.briefing import palette
from desktop.briefing.data import PackData, load_pack_data
from desktop.briefing.doctemplate import BriefingDocTemplate, Furniture, LayoutState
from desktop.briefing.escape import plain
from desktop.briefing.fonts import register_fonts
from desktop.briefing.parameters import BriefingParameters, scope_key
from desktop.briefing.sections import build_story, edition
from desktop.briefing.sections.common import SectionContext
from desktop.briefing.styles import Styles, geometry

# Nothing is ever fetched from a network or the file system by markup: no host is
# trusted and no URL scheme either (user text is escaped anyway; this is the belt
# to those braces).
rl_config.trustedHosts = []
rl_config.trustedSchemes = []

Progress = Callable[[float, str], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class BriefingResult:
    page_count: int
    banner_level: str
    sha256: str
    excluded_counts: dict[str, int]
    path: Path
    seconds: float
    pack_id: str = ""

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded_counts.values())


def preview_classification(
    register: Register, params: BriefingParameters
) -> tuple[str, dict[str, int]]:
    """The banner level and exclusion counts a pack with ``params`` would have.

    The dialog's live preview: the same data and the same marking pass as the
    builder (``printed_level``), without the layout.
    """
    p = params.resolved()
    generated_at = generation_time(p)
    with register.session() as session:
        data = load_pack_data(session, p, generated_at=generated_at)
    return printed_level(data).value, dict(data.excluded_counts)


def compose_story(
    data: PackData,
    *,
    banner: Classification | None,
    layout: LayoutState | None = None,
    pack_id: str = "",
    generated: str = "",
    prepared_by: str = "",
    digest: str = "",
) -> tuple[list[Flowable], SectionContext]:
    """The story of the chosen sections; its context knows every portion mark printed."""
    register_fonts()
    p = data.params
    ctx = SectionContext(
        data=data,
        styles=Styles(),
        geometry=geometry(p.paper),
        layout=layout or LayoutState(),
        banner=banner,
    )
    story = build_story(
        ctx, pack_id=pack_id, generated=generated, prepared_by=prepared_by, digest=digest
    )
    return story, ctx


def printed_level(data: PackData) -> Classification:
    """The pack's banner: the highest portion mark its chosen sections print.

    A first pass builds the story and collects the level of every mark printed
    (cover, contents, sections, annexes, chart labels, refs in cells); the banner
    is no portion, so the pass that prints it cannot change the answer.  Nothing
    printed means the lowest level, never the ceiling.
    """
    _story, ctx = compose_story(data, banner=None)
    return highest({x.value for x in ctx.printed}) or LEVELS[0]


def generation_time(p: BriefingParameters) -> dt.datetime:
    """Now; in invariant mode the start of ``today`` so that rebuilds are identical."""
    if p.invariant and p.today is not None:
        return dt.datetime.combine(p.today, dt.time.min, tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class BriefingPackBuilder:
    """Lays out one pack from loaded data; ``render`` returns the PDF bytes."""

    def __init__(
        self,
        data: PackData,
        *,
        actor: str,
        generated_at: dt.datetime,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> None:
        self.data = data
        self.params = data.params
        self.actor = plain(actor) or "unknown"
        # The preparer printed on the cover and in the metadata: a name someone chose
        # (the display name), never a login name; the record keeps the actor.
        chosen = self.params.prepared_by
        self.prepared_by = plain(self.actor if chosen is None else chosen)
        self.generated_at = generated_at
        self.progress = progress
        self.cancel = cancel
        self.digest = data.digest()
        self.pack_id = self._pack_id()
        self.banner_level: Classification = printed_level(data)
        self.page_count = 0
        self._fraction = 0.0

    def _pack_id(self) -> str:
        # A note or decisions above the ceiling are not in the pack: nor in its id.
        levels = {str(x) for x in self.data.levels}
        p = self.params
        note_shown = p.note_level in levels
        decisions_shown = p.decisions_level in levels
        shown = dataclasses.replace(
            p,
            note=p.note if note_shown else None,
            note_level=p.note_level if note_shown else None,
            decisions=p.decisions if decisions_shown else None,
            decisions_level=p.decisions_level if decisions_shown else None,
        )
        seed = "|".join([self.digest, shown.to_json(), self.generated_at.isoformat()])
        short = hashlib.sha256(seed.encode()).hexdigest()[:6].upper()
        return f"BP-{self.generated_at:%Y%m%d}-{short}"

    def _report(self, fraction: float, message: str) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("the briefing pack was cancelled")
        if self.progress is not None:
            # Never backwards: a new layout pass starts its page count again.
            self._fraction = max(self._fraction, min(1.0, fraction))
            self.progress(self._fraction, message)

    def render(self) -> bytes:
        register_fonts()
        p = self.params
        geo = geometry(p.paper)
        banner = banner_text(self.banner_level, p.marking_prefix)
        generated = self.generated_at.strftime("%d %b %Y %H:%M UTC")
        layout = LayoutState()
        furniture = Furniture(
            banner=banner,
            banner_fill=palette.banner_colour(self.banner_level.value),
            banner_ink=palette.BANNER_TEXT_COLOURS.get(self.banner_level.value, "#ffffff"),
            header=plain(p.title),
            pack_id=self.pack_id,
            generated=generated,
            underlay=None if p.issue else edition.draw_watermark,
        )
        self._report(0.15, "Preparing the sections")
        story, ctx = compose_story(
            self.data,
            banner=self.banner_level,
            layout=layout,
            pack_id=self.pack_id,
            generated=generated,
            prepared_by=self.prepared_by,
            digest=self.digest,
        )
        # The marks this story prints are the marks the first pass counted.
        assert (highest({x.value for x in ctx.printed}) or LEVELS[0]) == self.banner_level
        buffer = io.BytesIO()
        first_pass_pages = [0]

        def page_done(page: int) -> None:
            if layout.draft:
                first_pass_pages[0] = page
                self._report(0.2 + 0.3 * (1 - 1 / (1 + page / 25)), f"Counting pages ({page})")
            else:
                total = max(first_pass_pages[0], page)
                self._report(0.5 + 0.45 * page / total, f"Laying out page {page} of {total}")

        period = f"{self.data.period_start.isoformat()} to {self.data.period_end.isoformat()}"
        doc = BriefingDocTemplate(
            buffer,
            geometry=geo,
            furniture=furniture,
            layout=layout,
            with_cover="cover" in p.sections,
            on_page_done=page_done,
            attachments=ctx.attachments,
            title=plain(p.title),
            author=self.prepared_by,
            subject=f"Briefing pack {self.pack_id}, period {period}, marked {banner}",
            creator=f"{PRODUCT_NAME} {__version__}",
            producer=f"{PRODUCT_NAME} {__version__} (ReportLab)",
            keywords="",
            invariant=1 if p.invariant else 0,
            lang="en-GB",
        )
        doc.multiBuild(story)
        self.page_count = doc.page_total
        return buffer.getvalue()


def write_atomically(target: Path, payload: bytes, cancel: CancelCheck | None = None) -> None:
    """Write ``payload`` to ``target`` through a temporary file beside it, readable by its owner
    only (``mkstemp`` creates it 0600), moved into place at the end."""
    folder = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if cancel is not None and cancel():
            raise Cancelled("the briefing pack was cancelled")
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def edition_fields(
    p: BriefingParameters, data: PackData, actor: str, generated_at: dt.datetime
) -> dict[str, Any]:
    """The record's edition columns: issued or draft, by whom, when, to whom, its scope,
    and the analyst's note and decisions with their levels."""
    issued = p.issue
    return {
        "edition": ISSUED if issued else DRAFT,
        "issued_by": actor if issued else None,
        "issued_at": generated_at if issued else None,
        "distribution": (p.distribution or p.audience or None) if issued else None,
        "scope": scope_key(data.scope_refs),
        "note": p.note,
        "note_classification": p.note_level if p.note else None,
        "decisions": p.decisions,
        "decisions_classification": p.decisions_level if p.decisions else None,
    }


def build_pack(
    register: Register,
    params: BriefingParameters,
    out_path: str | os.PathLike[str],
    *,
    actor: str,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> BriefingResult:
    """Build the pack ``params`` describe into ``out_path`` and record it in the register."""
    started = time.perf_counter()
    target = Path(out_path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"the folder {target.parent} does not exist")
    p = params.resolved()
    if progress is not None:
        progress(0.0, "Reading the register")
    if cancel is not None and cancel():
        raise Cancelled("the briefing pack was cancelled")
    generated_at = generation_time(p)
    with register.session() as session:
        if p.bands is None:
            # Written into the pack's record, so that a rebuild uses the same bands.
            p.bands = register_bands(session)
        data = load_pack_data(session, p, generated_at=generated_at)
    builder = BriefingPackBuilder(
        data, actor=actor, generated_at=generated_at, progress=progress, cancel=cancel
    )
    payload = builder.render()
    digest = hashlib.sha256(payload).hexdigest()
    if progress is not None:
        progress(0.97, "Writing the file")
    write_atomically(target, payload, cancel)
    try:
        with register.write() as session:
            q.add_briefing_record(
                session,
                record=BriefingRecord(
                    created_at=dt.datetime.now(dt.UTC),
                    actor=builder.actor,
                    title=p.title[:300],
                    audience=(p.audience or None) and (p.audience or "")[:300],
                    parameters=p.to_json(),
                    ceiling=str(p.ceiling),
                    banner_level=builder.banner_level.value,
                    page_count=builder.page_count,
                    sha256=digest,
                    file_name=target.name[:500],
                    **edition_fields(p, data, builder.actor, builder.generated_at),
                ),
            )
    except BaseException:
        # No record, no file: the pack either exists and is recorded, or neither.
        target.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(1.0, "Done")
    return BriefingResult(
        page_count=builder.page_count,
        banner_level=builder.banner_level.value,
        sha256=digest,
        excluded_counts=dict(data.excluded_counts),
        path=target,
        seconds=time.perf_counter() - started,
        pack_id=builder.pack_id,
    )


def describe_result(result: BriefingResult, shown_path: str) -> str:
    """The CLI's one line, exactly as the command-line contract words it."""
    return (
        f"wrote {shown_path}: {result.page_count} pages, banner {result.banner_level}, "
        f"{result.excluded_total} records excluded"
    )


__all__ = [
    "BriefingPackBuilder",
    "BriefingParameters",
    "BriefingResult",
    "build_pack",
    "preview_classification",
]
