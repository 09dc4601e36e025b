"""What a pack is asked to contain: the request the dialog and the CLI hand to the builder."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from db.classification import Classification, levels_up_to, parse_level
from db.engine import Register
from db.models import DRAFT, ISSUED
from db.queries.briefings import BriefingRow, latest_briefing_at
from db.scales import Bands
from desktop.briefing.board import DEFAULT_MAX_ROWS
from desktop.services.periods import default_period, default_since

# Optional sections, in the order they appear.  Cover and contents are always on
# unless excluded by name.
SECTIONS: tuple[str, ...] = (
    "cover",
    "contents",
    "overview",
    "summary",
    "changes",
    "matrix",
    "register",
    "partnerships",
    "stakeholders",
    "events",
    "annex_a",
    "annex_b",
    "annex_c",
)
SECTION_TITLES: dict[str, str] = {
    "cover": "Cover",
    "contents": "Contents",
    "overview": "Overview",
    "summary": "Executive summary",
    "changes": "What changed",
    "matrix": "Risk matrix",
    "register": "Risk register",
    "partnerships": "Partnerships",
    "stakeholders": "Stakeholders",
    "events": "Events and criticism",
    "annex_a": "Annex A: event log",
    "annex_b": "Annex B: scoring scales and bands",
    "annex_c": "Annex C: exclusions and provenance",
}
DEFAULT_TITLE = "Stakeholder risk briefing"
PAPERS = ("a4", "letter")


def parse_sections(include: str | None, exclude: str | None) -> tuple[str, ...]:
    """Sections from the CLI's comma lists; unknown names raise ValueError naming them."""

    def names(text: str | None) -> list[str]:
        if not text:
            return []
        out = [n.strip().lower().replace("-", "_") for n in text.split(",") if n.strip()]
        unknown = [n for n in out if n not in SECTIONS]
        if unknown:
            raise ValueError(
                f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}"
            )
        return out

    chosen = names(include)
    left_out = set(names(exclude))
    if chosen:
        wanted = set(chosen) | ({"cover", "contents"} - left_out)
    else:
        wanted = set(SECTIONS)
    return tuple(s for s in SECTIONS if s in wanted and s not in left_out)


@dataclass
class BriefingParameters:
    """Everything that decides a pack's content.  The same parameters on the same
    register give the same pack (byte for byte when ``invariant`` is set)."""

    title: str = DEFAULT_TITLE
    audience: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    since: dt.date | None = None
    ceiling: Classification | str = Classification.UNCLASSIFIED
    partnership_refs: list[str] = field(default_factory=list)
    partnership_ids: list[int] = field(default_factory=list)
    sections: tuple[str, ...] = SECTIONS
    paper: str = "a4"
    marking_prefix: str = ""
    invariant: bool = False
    today: dt.date | None = None
    # The name printed as the preparer: None, the actor building the pack (a display
    # name); "" when no name was chosen (the cover then names no preparer).
    prepared_by: str | None = None
    bands: Bands | None = None  # None: the register's bands (filled in when a pack is built)
    # The edition (desktop.briefing.edition): a draft (the default, watermarked, never a
    # baseline) or issued, to a distribution; the analyst's note and the decisions
    # requested, each with the level chosen for it (printed only within the ceiling).
    issue: bool = False
    distribution: str | None = None
    note: str | None = None
    note_level: str | None = None
    decisions: str | None = None
    decisions_level: str | None = None
    # Board size: Annex A and the long tables show at most this many rows (0: all), and
    # the full event log travels inside the PDF as a CSV file unless left out.
    max_rows: int = DEFAULT_MAX_ROWS
    attach_event_log: bool = True

    def resolved(self) -> BriefingParameters:
        """A copy with the defaults filled in: dates, ceiling parsed, sections checked."""
        today = self.today or dt.date.today()
        date_to = self.date_to or today
        date_from = self.date_from or default_period(date_to)[0]
        if date_from > date_to:
            raise ValueError(f"the period starts ({date_from}) after it ends ({date_to})")
        if self.since is not None and self.since > date_to:
            raise ValueError(f"'since' ({self.since}) is after the end of the period ({date_to})")
        paper = (self.paper or "a4").lower()
        if paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
        unknown = [s for s in self.sections if s not in SECTIONS]
        if unknown:
            raise ValueError(f"unknown section {', '.join(unknown)}")
        if self.max_rows < 0:
            raise ValueError("the row limit cannot be negative (0 shows every row)")
        return BriefingParameters(
            title=(self.title or "").strip() or DEFAULT_TITLE,
            audience=(self.audience or "").strip() or None,
            date_from=date_from,
            date_to=date_to,
            since=self.since,
            ceiling=parse_level(self.ceiling),
            partnership_refs=[r.strip().upper() for r in self.partnership_refs if r.strip()],
            partnership_ids=list(self.partnership_ids),
            sections=tuple(s for s in SECTIONS if s in set(self.sections)),
            paper=paper,
            marking_prefix=(self.marking_prefix or "").strip(),
            invariant=self.invariant,
            today=today,
            prepared_by=None if self.prepared_by is None else self.prepared_by.strip(),
            bands=self.bands,
            issue=self.issue,
            distribution=(self.distribution or "").strip() or None,
            note=(self.note or "").strip() or None,
            note_level=str(parse_level(self.note_level)) if self.note_level else None,
            decisions=(self.decisions or "").strip() or None,
            decisions_level=(
                str(parse_level(self.decisions_level)) if self.decisions_level else None
            ),
            max_rows=self.max_rows,
            attach_event_log=self.attach_event_log,
        )

    def to_json(self) -> str:
        """The parameters as stored on the briefing record (no paths, sorted keys)."""
        data: dict[str, Any] = {
            "title": self.title,
            "audience": self.audience,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "since": self.since.isoformat() if self.since else None,
            "ceiling": str(self.ceiling),
            "partnerships": list(self.partnership_refs),
            "sections": list(self.sections),
            "paper": self.paper,
            "marking_prefix": self.marking_prefix,
            "invariant": self.invariant,
            "bands": self.bands.to_text() if self.bands else None,
            "today": self.today.isoformat() if self.today else None,
            "edition": ISSUED if self.issue else DRAFT,
            "distribution": self.distribution,
            "note": self.note,
            "note_level": self.note_level,
            "decisions": self.decisions,
            "decisions_level": self.decisions_level,
            "max_rows": self.max_rows,
            "attach_event_log": self.attach_event_log,
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> BriefingParameters:
        """The parameters a briefing record stores (``to_json``), read back.

        Records made before a key existed read it as its default (no bands: the
        register's; no "today": the day of the rebuild; no edition: issued, as
        migration 0006 made every pack recorded before editions existed; no row limit
        and no attached log, as packs were made then).
        """
        data = json.loads(text or "{}")
        if not isinstance(data, dict):
            raise ValueError("the stored parameters are not an object")

        def day(name: str) -> dt.date | None:
            value = data.get(name)
            return dt.date.fromisoformat(value) if value else None

        sections = data.get("sections")
        bands = data.get("bands")
        return cls(
            title=str(data.get("title") or DEFAULT_TITLE),
            audience=data.get("audience") or None,
            date_from=day("date_from"),
            date_to=day("date_to"),
            since=day("since"),
            ceiling=parse_level(data.get("ceiling") or Classification.UNCLASSIFIED),
            partnership_refs=[str(r) for r in data.get("partnerships") or []],
            sections=tuple(str(s) for s in sections) if isinstance(sections, list) else SECTIONS,
            paper=str(data.get("paper") or "a4"),
            marking_prefix=str(data.get("marking_prefix") or ""),
            invariant=bool(data.get("invariant", False)),
            today=day("today"),
            bands=Bands.from_text(str(bands)) if bands else None,
            issue=str(data.get("edition") or ISSUED) == ISSUED,
            distribution=data.get("distribution") or None,
            note=data.get("note") or None,
            note_level=data.get("note_level") or None,
            decisions=data.get("decisions") or None,
            decisions_level=data.get("decisions_level") or None,
            # Packs made before the board limits existed listed every row, attached nothing.
            max_rows=int(data.get("max_rows") or 0),
            attach_event_log=bool(data.get("attach_event_log", False)),
        )


def regeneration_parameters(register: Register, row: BriefingRow) -> BriefingParameters:
    """The parameters of a recorded pack, with "what changed since" pinned to the date it used.

    A pack made with the default "since" counted from the pack before it; a rebuild
    made today would count from the pack itself, so the date is written out.  A pack
    made in invariant mode with its day recorded needs no pin: it is dated at the
    start of that day, before its own record, so its rebuild sees the same previous
    pack and comes out byte for byte the same.
    """
    params = BriefingParameters.from_json(row.parameters)
    pinned_by_its_day = params.invariant and params.today is not None
    if (
        params.since is None
        and not pinned_by_its_day
        and params.date_from is not None
        and params.date_to is not None
    ):
        with register.session() as session:
            before = latest_briefing_at(
                session,
                before=row.created_at,
                levels=levels_up_to(params.ceiling),
                issued_only=True,
                scope=row.scope,
            )
        params.since = default_since(
            params.date_from, params.date_to, before.date() if before else None
        ).day
    return params


def scope_key(refs: list[str]) -> str:
    """A pack's scope as ``BriefingRecord.scope`` stores it: its partnership refs,
    upper-cased, sorted and comma-joined; "" for the whole register."""
    return ",".join(sorted({r.strip().upper() for r in refs if r.strip()}))
