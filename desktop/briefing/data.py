"""Everything a pack shows, loaded once under the ceiling and turned into plain rows.

``load_pack_data`` runs a fixed handful of queries (``db.queries.briefing``), each
filtered by classification in SQL, so nothing above the ceiling is ever loaded and
nothing above it can reach a page; a link to a record that was not loaded is simply
not shown.  Key figures, the heat maps, the trend of each risk, "review suggested"
and "what changed" come from the shared analysis (``desktop.services``, given the
same ceiling), and every score, band, residual cell and adverse event from
``db.scoring``, so the pack states what the dashboard and the matrix view show and
holds no rule of its own.  No query runs once per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from db import commentary as owner_commentary
from db import scoring
from db.classification import levels_up_to
from db.enums import PartnershipStatus, RiskStatus
from db.errors import RegisterError
from db.models import BriefingRecord
from db.queries import briefing as q
from db.register_settings import register_bands
from db.scales import Bands
from desktop.briefing.parameters import BriefingParameters, scope_key
from desktop.services import actions as action_service
from desktop.services import changes as changes_service
from desktop.services import interpret as interpret_service
from desktop.services import matrix as matrix_service
from desktop.services import periods
from desktop.services import pressure as pressure_service
from desktop.services import summary as summary_service
from desktop.services.filters import RecordFilter
from desktop.services.summary import PeriodFigures


@dataclass
class RiskRow:
    id: int
    ref: str
    level: str
    title: str
    owner: str | None
    category: str
    likelihood: int
    impact: int
    residual_likelihood: int
    residual_impact: int
    has_residual: bool
    treatment: str
    mitigation: str | None
    status: str
    review_due: dt.date | None
    created_on: dt.date
    partnership_ids: list[int] = field(default_factory=list)
    stakeholder_ids: list[int] = field(default_factory=list)
    score: int = 0
    residual_score: int = 0
    band: str = "low"
    residual_band: str = "low"
    overdue: bool = False
    trend: str = ""  # "new", "up", "down", "same" or "" (no previous pack)
    previous_residual_score: int | None = None
    # The owner's commentary, only when its own level is within the ceiling (else None).
    commentary: str | None = None
    commentary_on: dt.date | None = None
    commentary_level: str | None = None


@dataclass
class EventRow:
    id: int
    ref: str
    level: str
    occurred_on: dt.date
    title: str
    kind: str
    severity: int
    sentiment: int
    reach: int | None
    metric_value: float | None
    metric_unit: str | None
    channel: str
    summary: str | None
    stakeholder_id: int | None
    partnership_id: int | None
    responds_to_id: int | None
    risk_ids: list[int] = field(default_factory=list)

    @property
    def adverse(self) -> bool:
        return scoring.is_adverse(self.sentiment, self.kind)


@dataclass
class PartnershipRow:
    id: int
    ref: str
    level: str
    name: str
    partner_id: int
    status: str
    network: str
    scope: str | None
    announced_on: dt.date | None
    ended_on: dt.date | None
    owner: str | None


@dataclass
class StakeholderRow:
    id: int
    ref: str
    level: str
    name: str
    kind: str
    influence: int
    interest: int
    stance: int
    relationship_owner: str | None
    stance_before: int | None = None  # stance at the "since" date when it changed


@dataclass(frozen=True)
class Baseline:
    """The issued pack "what changed" and the trends compare with."""

    created_at: dt.datetime  # UTC
    issued_at: dt.datetime  # UTC
    title: str
    distribution: str | None  # its distribution list, else its audience
    ceiling: str


@dataclass
class ReviewFlag:
    risk: RiskRow
    reasons: list[str]


@dataclass
class PackData:
    params: BriefingParameters
    bands: Bands
    levels: list[str]
    period_start: dt.date
    period_end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    since: dt.date
    since_basis: str
    last_pack_at: dt.datetime | None
    risks: list[RiskRow]
    events: list[EventRow]  # events in the period, oldest first
    partnerships: list[PartnershipRow]
    stakeholders: list[StakeholderRow]  # stakeholders in scope
    named_stakeholders: dict[int, StakeholderRow]  # any included stakeholder a record names
    answered: dict[int, tuple[str, str, str]]  # event id -> (ref, title, level) of answered events
    excluded_counts: dict[str, int]
    figures: PeriodFigures  # this period (desktop.services.summary)
    previous_figures: PeriodFigures
    review_flags: list[ReviewFlag]
    changes: changes_service.Changes
    scope_refs: list[str]
    # The open risks' inherent and residual matrices (desktop.services.matrix), as the
    # matrix view and ``risk-tracker matrix`` count them; None without the analysis.
    matrices: tuple[matrix_service.RiskMatrix, matrix_service.RiskMatrix] | None = None
    # The last issued pack of the same scope at the same or a lower ceiling (None: none,
    # or "since" was asked for); trends compare with ``trend_since``.
    baseline: Baseline | None = None
    trend_since: dt.datetime | None = None
    # The drivers and the outlook (desktop.services.interpret); None without the analysis.
    interpretation: interpret_service.Interpretation | None = None
    # Open treatment actions of the risks in the pack, by risk id, within the ceiling
    # (desktop.services.actions; overdue as of the period's end, as "review suggested").
    actions: dict[int, list[action_service.ActionItem]] = field(default_factory=dict)

    # ----------------------------------------------------------------- lookups

    @property
    def open_risks(self) -> list[RiskRow]:
        return [r for r in self.risks if r.status != RiskStatus.closed.value]

    def risks_by_residual(self) -> list[RiskRow]:
        return sorted(
            self.open_risks,
            key=lambda r: summary_service.register_order(r.residual_score, r.score, r.ref),
        )

    def partnership(self, pid: int | None) -> PartnershipRow | None:
        if pid is None:
            return None
        return self._partnerships_by_id.get(pid)

    def stakeholder(self, sid: int | None) -> StakeholderRow | None:
        if sid is None:
            return None
        return self.named_stakeholders.get(sid)

    def risk(self, rid: int) -> RiskRow | None:
        return self._risks_by_id.get(rid)

    def __post_init__(self) -> None:
        self._partnerships_by_id = {p.id: p for p in self.partnerships}
        self._risks_by_id = {r.id: r for r in self.risks}

    def digest(self) -> str:
        """SHA-256 of the data included: every record's ref, level, version-free values."""
        h = hashlib.sha256()

        def feed(kind: str, rows: Iterable[Any]) -> None:
            for row in rows:
                values = {k: v for k, v in vars(row).items() if not k.startswith("_")}
                h.update(kind.encode())
                h.update(
                    json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()
                )

        feed("risk", self.risks)
        feed("event", self.events)
        feed("partnership", self.partnerships)
        feed("stakeholder", sorted(self.named_stakeholders.values(), key=lambda s: s.id))
        return h.hexdigest()


# --------------------------------------------------------------------------- loading


def resolve_scope(session: Session, params: BriefingParameters) -> tuple[q.Scope, list[str]]:
    """The partnerships the pack is limited to; unknown refs are a user error.

    A partnership above the ceiling is unknown to the pack: it is refused with the
    very message a ref that does not exist gets, so the refusal confirms nothing.
    """
    levels = levels_up_to(params.ceiling)
    if params.partnership_ids:
        wanted = sorted(set(params.partnership_ids))
        known = q.partnership_refs_for_ids(session, ids=wanted, levels=levels)
        unknown = [str(i) for i in wanted if i not in known]
        if unknown:
            raise RegisterError(f"no partnership with id {', '.join(unknown)}")
        return q.Scope(tuple(wanted)), sorted(known.values())
    if not params.partnership_refs:
        return q.Scope(None), []
    found = q.partnership_ids_for_refs(session, refs=params.partnership_refs, levels=levels)
    missing = [r for r in params.partnership_refs if r.strip().upper() not in found]
    if missing:
        raise RegisterError(f"no partnership with ref {', '.join(missing)}")
    return q.Scope(tuple(sorted(found.values()))), sorted(found)


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def previous_pack(
    session: Session,
    params: BriefingParameters,
    scope_refs: list[str],
    *,
    generated_at: dt.datetime | None,
) -> BriefingRecord | None:
    """The pack this one compares with (``db.queries.briefing.baseline_pack``).

    An invariant pack is dated at the start of its day and looks only before that, so
    that its rebuild sees the same packs; any other pack is made now, after every
    record there is: its time is whole seconds, a pack recorded a moment ago counts.
    """
    return q.baseline_pack(
        session,
        levels=levels_up_to(params.ceiling),
        scope=scope_key(scope_refs),
        before=generated_at if params.invariant else None,
    )


def _since(p: BriefingParameters, last: BriefingRecord | None) -> periods.Since:
    assert p.date_from is not None and p.date_to is not None
    made = _as_utc(last.created_at).date() if last is not None else None
    return periods.default_since(p.date_from, p.date_to, made)


def default_since(
    session: Session, params: BriefingParameters, *, generated_at: dt.datetime | None
) -> periods.Since:
    """Where "what changed" starts when no "since" is asked for: the previous pack's
    day, else the period's start; what the pack itself will use (the build dialog
    shows it).  Unknown partnership refs raise ``RegisterError``, as the build does."""
    p = params if params.date_from and params.date_to and params.today else params.resolved()
    _scope, scope_refs = resolve_scope(session, p)
    return _since(p, previous_pack(session, p, scope_refs, generated_at=generated_at))


def load_pack_data(
    session: Session,
    params: BriefingParameters,
    *,
    generated_at: dt.datetime | None = None,
    analysis: bool = True,
) -> PackData:
    """Load and analyse everything the pack shows, under ``params.ceiling``."""
    p = params if params.date_from and params.date_to and params.today else params.resolved()
    assert p.date_from is not None and p.date_to is not None and p.today is not None
    bands = p.bands or register_bands(session)
    levels = levels_up_to(p.ceiling)
    asked, scope_refs = resolve_scope(session, p)
    scope = q.scope_within(session, scope=asked, levels=levels)
    start, end = p.date_from, p.date_to
    prev_start, prev_end = periods.previous_period(start, end)

    # The baseline of "what changed" and the trends; "since" overrides it.
    last = previous_pack(session, p, scope_refs, generated_at=generated_at)
    last_pack_at = _as_utc(last.created_at) if last is not None else None
    baseline = None
    if p.since is not None:
        since, since_basis = p.since, "as asked"
        trend_since: dt.datetime | None = dt.datetime.combine(p.since, dt.time.min, tzinfo=dt.UTC)
    else:
        default = _since(p, last)
        since, since_basis = default.day, default.basis
        trend_since = last_pack_at
        if last is not None and last_pack_at is not None:
            baseline = Baseline(
                created_at=last_pack_at,
                issued_at=_as_utc(last.issued_at or last.created_at),
                title=last.title,
                distribution=last.distribution or last.audience,
                ceiling=last.ceiling,
            )

    load_start = start

    # ------------------------------------------------------------------ records
    risk_models = q.risks(session, levels=levels, scope=scope)
    partnership_models = q.partnerships(session, levels=levels, scope=scope)
    stakeholder_models = q.stakeholders(session, levels=levels, scope=scope, start=start, end=end)
    event_rows = q.events(session, levels=levels, scope=scope, start=load_start, end=end)
    event_links = q.event_risk_links(session, levels=levels, scope=scope, start=load_start, end=end)
    rp_links, rs_links = q.risk_links(session, levels=levels, scope=scope)

    partnerships = [
        PartnershipRow(
            id=m.id or 0,
            ref=m.ref,
            level=str(m.classification),
            name=m.name,
            partner_id=m.partner_id,
            status=str(m.status),
            network=str(m.network),
            scope=m.scope,
            announced_on=m.announced_on,
            ended_on=m.ended_on,
            owner=m.owner,
        )
        for m in partnership_models
    ]
    partnership_ids = {x.id for x in partnerships}

    stakeholders = [
        StakeholderRow(
            id=m.id or 0,
            ref=m.ref,
            level=str(m.classification),
            name=m.name,
            kind=str(m.kind),
            influence=m.influence,
            interest=m.interest,
            stance=m.stance,
            relationship_owner=m.relationship_owner,
        )
        for m in stakeholder_models
    ]

    risks: list[RiskRow] = []
    # The commentaries this session may see (a team member: those cleared for them).
    commentaries = owner_commentary.read(session, [m.id for m in risk_models if m.id is not None])
    for m in risk_models:
        rl, ri = scoring.residual_cell(
            m.likelihood, m.impact, m.residual_likelihood, m.residual_impact
        )
        row = RiskRow(
            id=m.id or 0,
            ref=m.ref,
            level=str(m.classification),
            title=m.title,
            owner=m.owner,
            category=str(m.category),
            likelihood=m.likelihood,
            impact=m.impact,
            residual_likelihood=rl,
            residual_impact=ri,
            has_residual=scoring.has_residual(m.residual_likelihood, m.residual_impact),
            treatment=str(m.treatment),
            mitigation=m.mitigation,
            status=str(m.status),
            review_due=m.review_due,
            created_on=_as_utc(m.created_at).date(),
        )
        row.score = scoring.score(m.likelihood, m.impact)
        row.residual_score = scoring.score(rl, ri)
        row.band = scoring.band(row.score, bands)
        row.residual_band = scoring.band(row.residual_score, bands)
        row.overdue = pressure_service.days_overdue(m.review_due, p.today) is not None
        words = commentaries.get(row.id, {})
        said = str(words.get("commentary_classification") or m.classification)
        if words.get("commentary") and said in levels:  # never loaded above the ceiling
            row.commentary, row.commentary_on, row.commentary_level = (
                words["commentary"],
                words["commentary_on"],
                said,
            )
        risks.append(row)
    risk_by_id = {r.id: r for r in risks}

    all_partnership_ids = partnership_ids
    for rid, pid in rp_links:
        if rid in risk_by_id and pid in all_partnership_ids:
            risk_by_id[rid].partnership_ids.append(pid)
    for rid, sid in rs_links:
        if rid in risk_by_id:
            risk_by_id[rid].stakeholder_ids.append(sid)

    links_by_event: dict[int, list[int]] = defaultdict(list)
    for eid, rid in event_links:
        if rid in risk_by_id:
            links_by_event[eid].append(rid)
    period_events = [
        EventRow(
            id=r.id,
            ref=r.ref,
            level=str(r.classification),
            occurred_on=r.occurred_on,
            title=r.title,
            kind=str(r.kind),
            severity=r.severity,
            sentiment=r.sentiment,
            reach=r.reach,
            metric_value=r.metric_value,
            metric_unit=r.metric_unit,
            channel=str(r.channel),
            summary=r.summary,
            stakeholder_id=r.stakeholder_id,
            partnership_id=r.partnership_id if r.partnership_id in all_partnership_ids else None,
            responds_to_id=r.responds_to_id,
            risk_ids=sorted(links_by_event.get(r.id, [])),
        )
        for r in event_rows
    ]

    # Stakeholders named by included records: partners and actors, still under the ceiling.
    named_ids = {x.partner_id for x in partnerships} | {
        e.stakeholder_id for e in period_events if e.stakeholder_id
    }
    named_ids |= {sid for r in risks for sid in r.stakeholder_ids}
    in_scope_ids = {s.id for s in stakeholders}
    named: dict[int, StakeholderRow] = {s.id: s for s in stakeholders}
    missing = sorted(named_ids - in_scope_ids)
    for sm in q.stakeholders_by_id(session, levels=levels, ids=missing):
        named[sm.id or 0] = StakeholderRow(
            id=sm.id or 0,
            ref=sm.ref,
            level=str(sm.classification),
            name=sm.name,
            kind=str(sm.kind),
            influence=sm.influence,
            interest=sm.interest,
            stance=sm.stance,
            relationship_owner=sm.relationship_owner,
        )
    for r in risks:
        r.stakeholder_ids = sorted(sid for sid in r.stakeholder_ids if sid in named)
        r.partnership_ids = sorted(set(r.partnership_ids))

    answered_ids = sorted({e.responds_to_id for e in period_events if e.responds_to_id})
    answered = q.event_titles(session, levels=levels, ids=answered_ids)
    # The visible graph: a link to a record above the ceiling does not exist for the
    # pack (not even as an id in the data digest).
    for e in period_events:
        if e.stakeholder_id is not None and e.stakeholder_id not in named:
            e.stakeholder_id = None
        if e.responds_to_id is not None and e.responds_to_id not in answered:
            e.responds_to_id = None

    excluded = q.excluded_counts(session, levels=levels, scope=asked, start=start, end=end)

    # ------------------------------------------------------------------ shared analysis
    # Figures, "review suggested" and "what changed" come from desktop.services, so
    # the pack states exactly what the dashboard and the matrix view show.
    # (the partnerships as asked: the filter itself leaves out those above the ceiling,
    # and an empty list there would mean the whole register)
    filters = RecordFilter(ceiling=str(p.ceiling), partnership_ids=asked.partnership_ids)
    # ``analysis=False`` (the dialog's live preview) keeps only what decides the
    # marking: the records and what the "what changed" section would show.
    if "changes" in p.sections or analysis:
        changes = changes_service.changes_between(
            session, start=since, end=end, filters=filters, bands=bands
        )
    else:
        changes = changes_service.Changes(start=since, end=end)
    flags: list[ReviewFlag] = []
    now_fig, prev_fig = PeriodFigures.empty(start, end), PeriodFigures.empty(prev_start, prev_end)
    matrices = None
    interpretation = None
    if analysis:
        matrices = matrix_service.risk_matrices(session, filters=filters, bands=bands)
        interpretation = interpret_service.interpret(
            session, start=start, end=end, filters=filters, bands=bands
        )
        now_fig, prev_fig = summary_service.compare_periods(
            session, start=start, end=end, filters=filters, bands=bands
        )
        flagged = pressure_service.review_suggested(
            session, today=end, filters=filters, bands=bands
        )
        flags = [
            ReviewFlag(risk_by_id[f.risk_id], list(f.reasons))
            for f in flagged
            if f.risk_id in risk_by_id
        ]

    by_ref = {s.ref: s for s in stakeholders}
    for change in sorted(changes.stance_changes, key=lambda c: c.on):
        who = by_ref.get(change.ref)
        if who is not None and who.stance_before is None and change.old is not None:
            who.stance_before = change.old
    for who in stakeholders:
        if who.stance_before == who.stance:
            who.stance_before = None

    # Trend of each risk's residual score since the previous pack: the services'
    # replay of the audit trail up to the moment that pack was made.
    if analysis and trend_since is not None:
        trends = matrix_service.residual_trends(session, since=trend_since, filters=filters)
        for r in risks:
            t = trends.get(r.ref)
            if t is not None:
                r.trend = t.direction
                r.previous_residual_score = t.previous_score

    return PackData(
        params=p,
        bands=bands,
        levels=levels,
        period_start=start,
        period_end=end,
        previous_start=prev_start,
        previous_end=prev_end,
        since=since,
        since_basis=since_basis,
        last_pack_at=last_pack_at,
        risks=risks,
        events=period_events,
        partnerships=partnerships,
        stakeholders=stakeholders,
        named_stakeholders=named,
        answered=answered,
        excluded_counts=excluded,
        figures=now_fig,
        previous_figures=prev_fig,
        review_flags=flags,
        changes=changes,
        scope_refs=scope_refs,
        matrices=matrices,
        baseline=baseline,
        trend_since=trend_since,
        interpretation=interpretation,
        actions=action_service.open_actions_by_risk(
            session, today=end, levels=levels, risk_ids=list(risk_by_id)
        ),
    )


def status_order() -> list[str]:
    return [s.value for s in PartnershipStatus]
