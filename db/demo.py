"""The demo register, built from the reference story in ``shared/seed``.

The story is a news report: an AI company (OpenAI) exploring a partnership with NATO on
unclassified networks days after a contract with the US Department of Defence; a
competitor (Anthropic) dropped by federal agencies over its position on military use;
researchers criticising the deal; subscribers cancelling; the company clarifying that
its tools will not be used to spy on US citizens and that a remark about classified
networks was a slip; the Pentagon saying the NSA would not directly use the services;
and the chief executive calling the deal "complicated but correct" while admitting the
reputational risk.

The records keep those facts and are written in our own words.  The register is kept
from the company's side, so the company itself is not one of its stakeholders.

**Dates and figures are illustrative, not reported.**  The story gives no dates, no
cancellation counts and no audience sizes; the demo places its events over the eight
weeks before ``today`` (so "the last 30 days" always has content) and uses plausible,
mutually consistent numbers.  Every record's notes say so.  A few records (the
partnerships with an allied ministry and with federal agencies, the internal letter,
the security review) are what the story implies rather than what it reports; their
notes say that too.

Every write goes through ``db.repository`` (validated and audited) in one transaction.
Each step is stamped with its illustrative time (``db.models.clock_at``), so the audit
history moves the way the story does: risks re-scored after the cancellations, a
stance turning critical, the NATO talks moving from exploring to negotiating.  That is
what the "as of" matrix and the "what changed" sections replay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from db import repository
from db.engine import Register
from db.errors import RegisterError
from db.kinds import KINDS
from db.models import clock_at

DEMO_ACTOR = "demo"

ILLUSTRATIVE = (
    "Demo record built from the reference news report (shared/seed). "
    "Its dates are illustrative: the report gives none."
)
FIGURES = "The figures on this record ({what}) are illustrative, not reported."
IMPLIED = "The report implies this record rather than stating it; treat it as an illustration."

# The order in which a forced load clears the register: what points at others first.
CLEAR_ORDER = tuple(kind.value for kind in reversed(KINDS))


@dataclass(frozen=True)
class Step:
    """One write of the demo history: ``days`` before today at ``hour``:``minute`` UTC."""

    days: int
    hour: int
    op: str  # "create" or "update"
    kind: str
    key: str
    data: dict[str, Any] = field(default_factory=dict)
    minute: int = 0


def _notes(*extra: str) -> str:
    return " ".join((ILLUSTRATIVE, *extra))


# --------------------------------------------------------------------------- stakeholders
# (key, values); all created on the day the register was set up.

STAKEHOLDERS: list[tuple[str, dict[str, Any]]] = [
    (
        "dod",
        dict(
            name="US Department of Defence (Pentagon)",
            kind="defence_body",
            influence=5,
            interest=5,
            stance=1,
            relationship_owner="Head of National Security Partnerships",
            classification="UNCLASSIFIED",
            description="Signed a major agreement to deploy the company's AI tools for certain "
            "government applications on classified systems. Said publicly that intelligence "
            "agencies such as the NSA would not use the services directly.",
        ),
    ),
    (
        "nato",
        dict(
            name="NATO",
            kind="defence_body",
            influence=5,
            interest=4,
            stance=0,
            relationship_owner="Head of National Security Partnerships",
            classification="UNCLASSIFIED",
            description="The alliance discussing a deployment of the company's tools on its "
            "unclassified networks, for data analysis, administrative workflows and research.",
        ),
    ),
    (
        "federal",
        dict(
            name="US federal agencies",
            kind="government",
            influence=4,
            interest=3,
            stance=0,
            relationship_owner="Head of Government Affairs",
            classification="UNCLASSIFIED",
            description="Civilian agencies that were directed to halt their work with the "
            "competitor; potential users of the company's tools for government applications.",
        ),
    ),
    (
        "nsa",
        dict(
            name="National Security Agency (NSA)",
            kind="government",
            influence=4,
            interest=2,
            stance=0,
            relationship_owner="General Counsel",
            classification="RESTRICTED",
            description="Named by the Pentagon as an agency that would not directly use the "
            "company's services. Any sign otherwise would reopen the surveillance criticism.",
        ),
    ),
    (
        "allies",
        dict(
            name="Allied defence ministries (NATO members)",
            implied=True,
            kind="government",
            influence=3,
            interest=3,
            stance=0,
            relationship_owner="Head of National Security Partnerships",
            classification="RESTRICTED",
            description="Member states whose staff would use the tools on alliance networks.",
        ),
    ),
    (
        "anthropic",
        dict(
            name="Anthropic",
            kind="company",
            influence=3,
            interest=4,
            stance=0,
            relationship_owner="Head of Strategy",
            classification="PUBLIC",
            description="Competitor. Federal agencies were directed to stop working with it, "
            "partly because of its position on limiting military uses of AI; its chief "
            "executive had voiced caution about defence deployments.",
        ),
    ),
    (
        "researchers",
        dict(
            name="AI researchers",
            kind="research_community",
            influence=3,
            interest=5,
            stance=0,
            relationship_owner="Head of Research Partnerships",
            classification="UNCLASSIFIED",
            description="Academic and industry researchers, some of whom criticised the role of "
            "AI in military systems after the Pentagon agreement.",
        ),
    ),
    (
        "customers",
        dict(
            name="Subscribers and paying customers",
            kind="customers",
            influence=3,
            interest=4,
            stance=0,
            relationship_owner="VP Consumer Products",
            classification="UNCLASSIFIED",
            description="Users of the paid product; some cancelled their subscriptions in "
            "protest at the defence partnerships.",
        ),
    ),
    (
        "employees",
        dict(
            name="Company employees",
            kind="employees",
            influence=3,
            interest=5,
            stance=0,
            relationship_owner="Chief People Officer",
            classification="CONFIDENTIAL",
            description="Staff who heard the chief executive defend the Pentagon agreement at an "
            "internal meeting and who raised questions about military work.",
        ),
    ),
    (
        "wsj",
        dict(
            name="The Wall Street Journal",
            kind="media",
            influence=4,
            interest=4,
            stance=0,
            relationship_owner="Head of Communications",
            classification="PUBLIC",
            description="Reported the NATO discussions and the chief executive's internal remarks.",
        ),
    ),
    (
        "press",
        dict(
            name="Technology and national press",
            kind="media",
            influence=4,
            interest=3,
            stance=0,
            relationship_owner="Head of Communications",
            classification="PUBLIC",
            description="Outlets covering the defence agreements, the cancellations and the "
            "wider debate about AI in defence.",
        ),
    ),
    (
        "civil",
        dict(
            name="Civil-liberties groups",
            kind="civil_society",
            influence=3,
            interest=4,
            stance=-1,
            relationship_owner="Head of Policy",
            classification="UNCLASSIFIED",
            description="Organisations concerned that AI deployed with defence and intelligence "
            "bodies could be used to watch domestic populations.",
        ),
    ),
    (
        "investors",
        dict(
            name="Investors and board members",
            kind="investors",
            influence=5,
            interest=4,
            stance=1,
            relationship_owner="Chief Financial Officer",
            classification="CONFIDENTIAL",
            description="Weigh the long-term value of government work against the short-term "
            "public-relations cost the chief executive acknowledged.",
        ),
    ),
    (
        "oversight",
        dict(
            name="Legislative oversight committees",
            implied=True,
            kind="regulator",
            influence=4,
            interest=2,
            stance=0,
            relationship_owner="Head of Government Affairs",
            classification="UNCLASSIFIED",
            description="Where the questions of ethics, safety and oversight that the report "
            "expects to stay central would be asked formally.",
        ),
    ),
]


# --------------------------------------------------------------------------- partnerships

PARTNERSHIPS: dict[str, dict[str, Any]] = {
    "p_anthropic": dict(
        name="Anthropic's work with US federal agencies",
        partner="anthropic",
        status="active",
        network="not_applicable",
        owner="Head of Strategy",
        classification="PUBLIC",
        scope="The competitor's collaboration with federal agencies, tracked as context: it "
        "was halted when agencies were directed to stop working with the company.",
    ),
    "p_dod": dict(
        name="Pentagon AI deployment agreement",
        partner="dod",
        status="negotiating",
        network="classified",
        owner="Head of National Security Partnerships",
        classification="UNCLASSIFIED",
        scope="Deployment of the company's AI technology for certain government applications "
        "on classified military systems.",
    ),
    "p_nato": dict(
        name="NATO unclassified-network exploration",
        partner="nato",
        status="exploring",
        network="unclassified",
        owner="Head of National Security Partnerships",
        classification="RESTRICTED",
        scope="Possible deployment on NATO's unclassified networks to help members analyse "
        "data, improve administrative workflows and support research. Not classified systems.",
    ),
    "p_federal": dict(
        name="Federal agency government applications",
        implied=True,
        partner="federal",
        status="exploring",
        network="unclassified",
        owner="Head of Government Affairs",
        classification="CONFIDENTIAL",
        scope="Follow-on civilian applications with agencies after they stopped working with "
        "the competitor, as the company moved closer to the US defence ecosystem.",
    ),
    "p_allies": dict(
        name="Allied ministry administrative pilot",
        implied=True,
        partner="allies",
        status="exploring",
        network="unclassified",
        owner="Head of National Security Partnerships",
        classification="CONFIDENTIAL",
        scope="A single member state's pilot of administrative-workflow support, explored "
        "alongside the NATO talks.",
    ),
}


# --------------------------------------------------------------------------- risks

RISKS: dict[str, dict[str, Any]] = {
    "r_signature": dict(
        title="Pentagon agreement signature slips",
        category="operational",
        owner="Head of National Security Partnerships",
        likelihood=3,
        impact=3,
        treatment="accept",
        status="open",
        classification="UNCLASSIFIED",
        description="Timing risk before the agreement was signed.",
        mitigation="None needed beyond tracking the signing date.",
        partnerships=["p_dod"],
        stakeholders=["dod"],
    ),
    "r_backlash": dict(
        title="Backlash from researchers and users over defence work",
        category="reputational",
        owner="Head of Communications",
        likelihood=4,
        impact=4,
        residual_likelihood=3,
        residual_impact=4,
        treatment="mitigate",
        status="open",
        classification="UNCLASSIFIED",
        description="Criticism of AI in military systems spreads from researchers to users "
        "and the press, and attaches to the brand.",
        mitigation="Publish plain limits on use (no domestic surveillance, no direct use by "
        "intelligence agencies); brief researchers before announcements; keep a rapid-"
        "response line for corrections.",
        review_in=9,
        partnerships=["p_dod"],
        stakeholders=["researchers", "customers", "press"],
    ),
    "r_churn": dict(
        title="Subscription cancellations by users opposed to defence partnerships",
        category="commercial",
        owner="VP Consumer Products",
        likelihood=3,
        impact=3,
        residual_likelihood=3,
        residual_impact=2,
        treatment="mitigate",
        status="open",
        classification="UNCLASSIFIED",
        description="Users who object to defence work cancel paid subscriptions.",
        mitigation="Count cancellations weekly; explain the limits of the work in product "
        "channels; give objecting users a route for feedback.",
        review_in=-4,
        partnerships=["p_dod"],
        stakeholders=["customers"],
    ),
    "r_surveillance": dict(
        title="Perception that the tools enable domestic surveillance",
        category="ethical",
        owner="Head of Policy",
        likelihood=4,
        impact=5,
        residual_likelihood=3,
        residual_impact=5,
        treatment="mitigate",
        status="open",
        classification="UNCLASSIFIED",
        description="Work with defence and, by association, intelligence bodies is read as "
        "consent to spying on citizens.",
        mitigation="Public commitment that the technology will not be used to spy on US "
        "citizens or domestic populations; Pentagon confirmation that the NSA will not use "
        "the services directly; a published summary of use limits.",
        review_in=14,
        partnerships=["p_dod"],
        stakeholders=["civil", "nsa", "researchers"],
    ),
    "r_staff": dict(
        title="Employee dissent and departures over military work",
        category="people",
        owner="Chief People Officer",
        likelihood=3,
        impact=4,
        residual_likelihood=3,
        residual_impact=3,
        treatment="mitigate",
        status="open",
        classification="CONFIDENTIAL",
        description="Staff who object to defence work disengage or leave.",
        mitigation="Question-and-answer sessions after the all-hands; written red lines on "
        "military use; a confidential channel for concerns.",
        review_in=-2,
        partnerships=["p_dod"],
        stakeholders=["employees"],
    ),
    "r_political": dict(
        title="Dependence on government favour, as the competitor's case shows",
        category="political",
        owner="Head of Government Affairs",
        likelihood=2,
        impact=5,
        treatment="monitor",
        status="monitoring",
        classification="UNCLASSIFIED",
        description="The competitor lost its federal work partly over its stated limits on "
        "military use; the same could happen to the company if positions shift.",
        mitigation="Watch agency directions and oversight activity; keep positions consistent.",
        review_in=30,
        partnerships=["p_dod", "p_anthropic"],
        stakeholders=["federal", "dod", "anthropic", "oversight"],
    ),
    "r_investors": dict(
        title="Investor concern over short-term public-relations costs",
        category="commercial",
        owner="Chief Financial Officer",
        likelihood=2,
        impact=3,
        residual_likelihood=2,
        residual_impact=2,
        treatment="accept",
        status="monitoring",
        classification="CONFIDENTIAL",
        description="The chief executive acknowledged short-term public-relations challenges.",
        mitigation="Brief the board on churn and sentiment figures each fortnight.",
        review_in=21,
        partnerships=["p_dod"],
        stakeholders=["investors"],
    ),
    "r_misstatement": dict(
        title="Misstating the deployment scope (classified or unclassified)",
        category="reputational",
        owner="Chief Communications Officer",
        likelihood=3,
        impact=4,
        residual_likelihood=2,
        residual_impact=3,
        treatment="mitigate",
        status="open",
        classification="RESTRICTED",
        description="An executive remark suggested the NATO work could run on classified "
        "networks; the company later called it a slip.",
        mitigation="Pre-cleared lines on network scope for every executive; correct the record "
        "within a day.",
        review_in=-10,
        partnerships=["p_nato"],
        stakeholders=["wsj", "nato"],
    ),
    "r_security": dict(
        title="Data-handling incident on alliance unclassified networks",
        category="security",
        owner="Chief Information Security Officer",
        likelihood=2,
        impact=5,
        residual_likelihood=1,
        residual_impact=5,
        treatment="mitigate",
        status="open",
        classification="CONFIDENTIAL",
        description="Sensitive material reaches the unclassified service, or data leaks "
        "between member states.",
        mitigation="Security accreditation review before deployment; tenant separation per "
        "member; nothing classified on the unclassified service.",
        review_in=21,
        partnerships=["p_nato"],
        stakeholders=["nato", "allies"],
    ),
    "r_scope_creep": dict(
        title="Use drifting beyond stated limits (classified or intelligence use)",
        category="ethical",
        owner="General Counsel",
        likelihood=2,
        impact=5,
        residual_likelihood=2,
        residual_impact=3,
        treatment="mitigate",
        status="open",
        classification="SECRET",
        description="Work agreed for unclassified or administrative use extends to "
        "intelligence or operational uses the company said it would not support.",
        mitigation="Contract clauses restricting use; audit rights; escalation to leadership.",
        review_in=-20,
        partnerships=["p_dod", "p_nato"],
        stakeholders=["nsa", "dod"],
    ),
    "r_compliance": dict(
        title="Procurement and compliance duties across agencies and allies",
        category="legal_regulatory",
        owner="General Counsel",
        likelihood=2,
        impact=3,
        treatment="transfer",
        status="open",
        classification="UNCLASSIFIED",
        description="Each agency and member state brings its own procurement and "
        "data-protection rules.",
        mitigation="Use a specialist government-contracts partner for procurement compliance.",
        review_in=45,
        partnerships=["p_federal"],
        stakeholders=["federal", "oversight", "allies"],
    ),
}


# --------------------------------------------------------------------------- events

EVENTS: dict[str, dict[str, Any]] = {
    "e_caution": dict(
        title="Anthropic's chief executive urges caution on defence AI",
        kind="statement",
        stakeholder="anthropic",
        partnership="p_anthropic",
        severity=2,
        sentiment=0,
        channel="press",
        classification="PUBLIC",
        summary="The competitor's chief executive, Dario Amodei, set out caution about "
        "defence-related deployments of AI.",
    ),
    "e_halt": dict(
        title="Federal agencies directed to halt work with Anthropic",
        kind="government_action",
        stakeholder="federal",
        partnership="p_anthropic",
        severity=3,
        sentiment=0,
        channel="official_statement",
        classification="PUBLIC",
        summary="Agencies were told to stop collaborating with the competitor, partly over its "
        "position on limiting military uses of AI.",
    ),
    "e_dod_signed": dict(
        title="Pentagon agreement signed",
        kind="partnership_milestone",
        stakeholder="dod",
        partnership="p_dod",
        severity=3,
        sentiment=1,
        channel="official_statement",
        classification="PUBLIC",
        summary="A major agreement to deploy the company's AI technology for certain "
        "government applications on classified systems.",
    ),
    "e_press_deal": dict(
        title="Press coverage of the Pentagon agreement",
        kind="media_report",
        stakeholder="press",
        partnership="p_dod",
        severity=3,
        sentiment=-1,
        channel="press",
        classification="PUBLIC",
        reach=2_000_000,
        reach_basis="illustrative: combined audience of the outlets that ran it",
        summary="Coverage framed the deal against the competitor's exit from federal work.",
        figures="reach",
    ),
    "e_research_crit": dict(
        title="AI researchers criticise the Pentagon deal",
        kind="criticism",
        stakeholder="researchers",
        partnership="p_dod",
        risks=["r_backlash"],
        severity=4,
        sentiment=-2,
        channel="social_media",
        classification="PUBLIC",
        reach=250_000,
        reach_basis="illustrative: followers of the most-shared posts",
        summary="Researchers questioned the role of AI in military systems.",
        figures="reach",
    ),
    "e_intel_question": dict(
        title="Researchers ask whether intelligence agencies will use the tools",
        kind="criticism",
        stakeholder="researchers",
        partnership="p_dod",
        risks=["r_surveillance", "r_backlash"],
        severity=3,
        sentiment=-1,
        channel="social_media",
        classification="PUBLIC",
        reach=90_000,
        reach_basis="illustrative: views of the thread that raised it",
        summary="Posts asked whether the NSA and other intelligence agencies would get access.",
        figures="reach",
    ),
    "e_cancel_1": dict(
        title="Subscribers cancel in protest at the defence deal",
        kind="customer_action",
        stakeholder="customers",
        partnership="p_dod",
        risks=["r_churn", "r_backlash"],
        severity=3,
        sentiment=-2,
        channel="social_media",
        classification="UNCLASSIFIED",
        metric_value=1200,
        metric_unit="subscriptions cancelled",
        reach=40_000,
        reach_basis="illustrative: views of public posts announcing cancellations",
        summary="A first wave of cancellations from users opposed to defence partnerships.",
        figures="cancellation count and reach",
    ),
    "e_civil_crit": dict(
        title="Civil-liberties groups warn of domestic surveillance",
        kind="criticism",
        stakeholder="civil",
        partnership="p_dod",
        risks=["r_surveillance"],
        severity=4,
        sentiment=-2,
        channel="press",
        classification="PUBLIC",
        reach=500_000,
        reach_basis="illustrative: audience of the articles quoting the groups",
        summary="Groups warned that the tools could be turned on citizens.",
        figures="reach",
    ),
    "e_press_cancel": dict(
        title="Reports of subscription cancellations over the deal",
        kind="media_report",
        stakeholder="press",
        partnership="p_dod",
        risks=["r_churn", "r_backlash"],
        severity=3,
        sentiment=-1,
        channel="press",
        classification="PUBLIC",
        reach=1_500_000,
        reach_basis="illustrative: combined audience of the outlets",
        summary="Reports said the announcement led some customers to cancel.",
        figures="reach",
    ),
    "e_stmt_no_spying": dict(
        title="Company: our AI will not be used to spy on US citizens",
        kind="statement",
        partnership="p_dod",
        risks=["r_surveillance", "r_backlash"],
        severity=2,
        sentiment=1,
        channel="official_statement",
        classification="PUBLIC",
        responds_to="e_civil_crit",
        summary="A clarification that the technology will not be used to spy on US citizens "
        "or domestic populations.",
    ),
    "e_stmt_nsa": dict(
        title="Pentagon: the NSA will not directly use the services",
        kind="statement",
        stakeholder="dod",
        partnership="p_dod",
        risks=["r_surveillance"],
        severity=2,
        sentiment=1,
        channel="official_statement",
        classification="PUBLIC",
        responds_to="e_intel_question",
        summary="The Pentagon said intelligence agencies such as the NSA would not directly use "
        "the company's services.",
    ),
    "e_cancel_2": dict(
        title="Second week of protest cancellations",
        kind="customer_action",
        stakeholder="customers",
        partnership="p_dod",
        risks=["r_churn"],
        severity=3,
        sentiment=-2,
        channel="other",
        classification="UNCLASSIFIED",
        metric_value=2100,
        metric_unit="subscriptions cancelled",
        reach=60_000,
        reach_basis="illustrative: views of public posts announcing cancellations",
        summary="Cancellations citing the defence work rose in the second week.",
        figures="cancellation count and reach",
    ),
    "e_staff_questions": dict(
        title="Staff question military work on internal channels",
        kind="employee_action",
        stakeholder="employees",
        partnership="p_dod",
        risks=["r_staff"],
        severity=2,
        sentiment=-1,
        channel="internal",
        classification="CONFIDENTIAL",
        summary="Employees asked how the agreement fits the company's stated principles.",
    ),
    "e_ceo_correct": dict(
        title="Chief executive calls the deal 'complicated but correct'",
        kind="statement",
        partnership="p_dod",
        risks=["r_backlash", "r_staff"],
        severity=3,
        sentiment=0,
        channel="internal",
        classification="CONFIDENTIAL",
        responds_to="e_staff_questions",
        summary="At an internal meeting the chief executive acknowledged that the Pentagon "
        "agreement carried reputational risk and short-term public-relations challenges, but "
        "told staff it was a complicated but correct decision.",
    ),
    "e_ceo_nato_remark": dict(
        title="Chief executive raises a NATO deployment, seeming to say classified networks",
        kind="other",
        partnership="p_nato",
        risks=["r_backlash"],
        severity=3,
        sentiment=0,
        channel="internal",
        classification="CONFIDENTIAL",
        summary="At the same meeting he mentioned deploying the technology in NATO's network "
        "infrastructure and appeared to suggest classified networks.",
    ),
    "e_staff_reaction": dict(
        title="Mixed staff reaction to the all-hands remarks",
        kind="employee_action",
        stakeholder="employees",
        risks=["r_staff"],
        severity=2,
        sentiment=-1,
        channel="internal",
        classification="CONFIDENTIAL",
        summary="Some staff welcomed the candour; others asked for firmer limits.",
    ),
    "e_nato_talks": dict(
        title="First exploratory talks with NATO on unclassified networks",
        kind="partnership_milestone",
        stakeholder="nato",
        partnership="p_nato",
        risks=["r_security"],
        severity=2,
        sentiment=1,
        channel="briefing",
        classification="RESTRICTED",
        summary="Scope discussed: data analysis, administrative workflows and research support "
        "on unclassified networks only.",
    ),
    "e_wsj_report": dict(
        title="The Wall Street Journal reports the NATO talks",
        kind="media_report",
        stakeholder="wsj",
        partnership="p_nato",
        risks=["r_backlash"],
        severity=4,
        sentiment=-1,
        channel="press",
        classification="PUBLIC",
        reach=3_000_000,
        reach_basis="illustrative: estimated readership of the report and its pick-ups",
        summary="The report covered the NATO discussions, the Pentagon contract and the chief "
        "executive's internal remarks, including the classified-network comment.",
        figures="reach",
    ),
    "e_classified_crit": dict(
        title="Researchers alarmed by talk of classified-network deployment",
        kind="criticism",
        stakeholder="researchers",
        partnership="p_nato",
        risks=["r_misstatement", "r_scope_creep", "r_backlash"],
        severity=4,
        sentiment=-2,
        channel="social_media",
        classification="PUBLIC",
        reach=120_000,
        reach_basis="illustrative: followers of the most-shared posts",
        summary="Critics read the remark as a plan to put the tools on classified alliance "
        "systems.",
        figures="reach",
    ),
    "e_stmt_slip": dict(
        title="Company: the classified-network remark was a slip",
        kind="statement",
        partnership="p_nato",
        risks=["r_misstatement"],
        severity=2,
        sentiment=1,
        channel="official_statement",
        classification="PUBLIC",
        responds_to="e_classified_crit",
        summary="The company clarified that the discussions concern unclassified networks only.",
    ),
    "e_cancel_3": dict(
        title="Cancellations continue at a lower rate",
        kind="customer_action",
        stakeholder="customers",
        partnership="p_dod",
        risks=["r_churn"],
        severity=2,
        sentiment=-1,
        channel="other",
        classification="UNCLASSIFIED",
        metric_value=800,
        metric_unit="subscriptions cancelled",
        summary="Weekly cancellations citing defence work fell after the clarifications.",
        figures="cancellation count",
    ),
    "e_dod_kickoff": dict(
        title="Deployment under the Pentagon agreement begins",
        kind="partnership_milestone",
        stakeholder="dod",
        partnership="p_dod",
        risks=["r_scope_creep"],
        severity=2,
        sentiment=1,
        channel="briefing",
        classification="SECRET",
        summary="First applications go live on the agreed systems; the details of the "
        "deployment are held at this record's level.",
    ),
    "e_nato_negotiation": dict(
        title="NATO talks move to negotiating terms",
        kind="partnership_milestone",
        stakeholder="nato",
        partnership="p_nato",
        risks=["r_security", "r_scope_creep"],
        severity=2,
        sentiment=1,
        channel="briefing",
        classification="RESTRICTED",
        summary="Both sides agreed to negotiate terms for an unclassified-network deployment.",
    ),
    "e_federal_meeting": dict(
        title="Exploratory meeting with federal agencies on civilian applications",
        kind="partnership_milestone",
        stakeholder="federal",
        partnership="p_federal",
        risks=["r_political", "r_compliance"],
        severity=2,
        sentiment=1,
        channel="briefing",
        classification="CONFIDENTIAL",
        summary="Agencies that dropped the competitor asked about government applications.",
        implied=True,
    ),
    "e_civil_letter": dict(
        title="Civil-liberties groups call for a published use policy",
        kind="criticism",
        stakeholder="civil",
        partnership="p_dod",
        risks=["r_surveillance"],
        severity=3,
        sentiment=-1,
        channel="open_letter",
        classification="PUBLIC",
        reach=80_000,
        reach_basis="illustrative: signatories' combined mailing lists",
        summary="An open letter asked the company to publish what its defence work excludes.",
        figures="reach",
    ),
    "e_stmt_limits": dict(
        title="Company publishes a summary of its limits on defence use",
        kind="statement",
        partnership="p_dod",
        risks=["r_surveillance", "r_backlash"],
        severity=2,
        sentiment=1,
        channel="official_statement",
        classification="PUBLIC",
        responds_to="e_civil_letter",
        summary="No domestic surveillance; no direct use by intelligence agencies; the NATO "
        "discussions cover unclassified networks only.",
    ),
    "e_staff_letter": dict(
        title="Internal staff letter asks for red lines on military work",
        kind="employee_action",
        stakeholder="employees",
        risks=["r_staff"],
        severity=3,
        sentiment=-1,
        channel="internal",
        classification="CONFIDENTIAL",
        metric_value=140,
        metric_unit="signatories",
        summary="Employees asked leadership to write down what military work the company will "
        "not take on.",
        figures="signatory count",
        implied=True,
    ),
    "e_oversight": dict(
        title="Oversight committee staff request a briefing on defence AI",
        kind="government_action",
        stakeholder="oversight",
        risks=["r_political"],
        severity=2,
        sentiment=0,
        channel="briefing",
        classification="RESTRICTED",
        summary="Staff asked how the agreements handle ethics, safety and oversight.",
        implied=True,
    ),
    "e_analysis": dict(
        title="Analysis pieces on AI's growing role in defence",
        kind="media_report",
        stakeholder="press",
        risks=["r_political", "r_backlash"],
        severity=2,
        sentiment=0,
        channel="press",
        classification="PUBLIC",
        reach=900_000,
        reach_basis="illustrative: combined audience of the outlets",
        summary="Coverage of AI for intelligence processing, cybersecurity monitoring, "
        "simulation and planning, and logistics.",
        figures="reach",
    ),
    "e_ally_interest": dict(
        title="An allied ministry asks about an administrative pilot",
        kind="partnership_milestone",
        stakeholder="allies",
        partnership="p_allies",
        risks=["r_security", "r_compliance"],
        severity=2,
        sentiment=1,
        channel="briefing",
        classification="CONFIDENTIAL",
        summary="A member state asked whether it could pilot workflow support ahead of an "
        "alliance-wide deployment.",
        implied=True,
    ),
    "e_cancel_4": dict(
        title="Cancellations level off",
        kind="customer_action",
        stakeholder="customers",
        partnership="p_dod",
        risks=["r_churn"],
        severity=2,
        sentiment=-1,
        channel="other",
        classification="UNCLASSIFIED",
        metric_value=300,
        metric_unit="subscriptions cancelled",
        summary="Weekly cancellations citing defence work near their pre-announcement level.",
        figures="cancellation count",
    ),
    "e_security_review": dict(
        title="Security review of the unclassified-network deployment design",
        kind="other",
        stakeholder="nato",
        partnership="p_nato",
        risks=["r_security", "r_scope_creep"],
        severity=3,
        sentiment=0,
        channel="briefing",
        classification="SECRET",
        summary="Findings on data separation between member states; held at this record's level.",
        implied=True,
    ),
    "e_research_panel": dict(
        title="Researchers' panel criticises the move toward alliance work",
        kind="criticism",
        stakeholder="researchers",
        partnership="p_nato",
        risks=["r_backlash"],
        severity=3,
        sentiment=-1,
        channel="press",
        classification="PUBLIC",
        reach=60_000,
        reach_basis="illustrative: audience of the panel and its write-ups",
        summary="Panellists argued the NATO work extends the Pentagon deal's risks.",
        figures="reach",
    ),
    "e_investor_briefing": dict(
        title="Investors briefed on the reputational impact",
        kind="other",
        stakeholder="investors",
        risks=["r_investors", "r_churn"],
        severity=2,
        sentiment=0,
        channel="briefing",
        classification="CONFIDENTIAL",
        summary="The board saw the cancellation and sentiment figures since the agreement.",
        implied=True,
    ),
}


# --------------------------------------------------------------------------- the story in order


def _timeline() -> list[Step]:
    """Every write of the demo history, oldest first (days before today, hour UTC)."""
    steps: list[Step] = []
    for i, (key, _values) in enumerate(STAKEHOLDERS):
        steps.append(Step(60, 9, "create", "stakeholder", key, minute=i))
    c, u = "create", "update"
    steps += [
        Step(60, 11, c, "partnership", "p_anthropic"),
        Step(58, 10, c, "event", "e_caution"),
        Step(56, 9, c, "partnership", "p_dod"),
        Step(55, 10, c, "risk", "r_signature"),
        Step(52, 15, c, "event", "e_halt"),
        Step(52, 16, u, "partnership", "p_anthropic", {"status": "halted", "ended_on": 52}),
        Step(50, 9, u, "partnership", "p_dod", {"status": "agreed", "announced_on": 50}),
        Step(50, 10, c, "event", "e_dod_signed"),
        Step(50, 11, u, "risk", "r_signature", {"status": "closed"}),
        Step(50, 17, c, "event", "e_press_deal"),
        # The risk workshop the day after the announcement.
        Step(49, 10, c, "risk", "r_backlash", minute=0),
        Step(49, 10, c, "risk", "r_churn", minute=10),
        Step(49, 10, c, "risk", "r_surveillance", minute=20),
        Step(49, 10, c, "risk", "r_staff", minute=30),
        Step(49, 10, c, "risk", "r_political", minute=40),
        Step(48, 14, c, "event", "e_research_crit"),
        Step(47, 11, c, "event", "e_intel_question"),
        Step(47, 12, u, "stakeholder", "researchers", {"stance": -1}),
        Step(46, 9, c, "event", "e_cancel_1"),
        Step(46, 15, c, "event", "e_civil_crit"),
        Step(45, 8, c, "event", "e_press_cancel"),
        Step(44, 16, c, "event", "e_stmt_no_spying"),
        Step(43, 18, c, "event", "e_stmt_nsa"),
        Step(43, 19, u, "risk", "r_surveillance", {"residual_likelihood": 2, "residual_impact": 4}),
        Step(42, 10, c, "event", "e_cancel_2"),
        Step(42, 11, u, "risk", "r_churn", {"likelihood": 4, "residual_likelihood": 3}),
        Step(42, 11, u, "stakeholder", "customers", {"stance": -1}, minute=5),
        Step(41, 14, c, "event", "e_staff_questions"),
        Step(36, 9, c, "partnership", "p_nato"),
        Step(35, 17, c, "event", "e_ceo_correct"),
        Step(35, 17, c, "event", "e_ceo_nato_remark", minute=10),
        Step(35, 18, c, "risk", "r_investors"),
        Step(
            35,
            18,
            u,
            "event",
            "e_ceo_correct",
            {"risks": ["r_backlash", "r_staff", "r_investors"]},
            minute=10,
        ),
        Step(33, 12, c, "event", "e_staff_reaction"),
        Step(33, 13, u, "risk", "r_staff", {"partnerships": ["p_dod", "p_nato"]}),
        Step(30, 9, c, "risk", "r_security"),
        Step(30, 15, c, "event", "e_nato_talks"),
        Step(29, 11, c, "risk", "r_scope_creep"),
        Step(28, 8, c, "event", "e_wsj_report"),
        Step(28, 8, u, "partnership", "p_nato", {"announced_on": 28}, minute=30),
        Step(28, 14, c, "risk", "r_misstatement"),
        Step(28, 15, u, "event", "e_wsj_report", {"risks": ["r_backlash", "r_misstatement"]}),
        Step(
            28, 16, u, "risk", "r_backlash", {"likelihood": 5, "partnerships": ["p_dod", "p_nato"]}
        ),
        Step(27, 13, c, "event", "e_classified_crit"),
        Step(26, 10, c, "event", "e_stmt_slip"),
        Step(24, 10, c, "event", "e_cancel_3"),
        Step(21, 9, c, "event", "e_dod_kickoff"),
        Step(21, 10, u, "partnership", "p_dod", {"status": "active"}),
        Step(20, 15, c, "event", "e_nato_negotiation"),
        Step(20, 16, u, "partnership", "p_nato", {"status": "negotiating"}),
        Step(20, 16, u, "stakeholder", "nato", {"stance": 1}, minute=5),
        Step(19, 9, c, "partnership", "p_federal"),
        Step(19, 10, c, "risk", "r_compliance"),
        Step(18, 11, c, "event", "e_federal_meeting"),
        Step(
            18,
            15,
            u,
            "risk",
            "r_political",
            {"partnerships": ["p_dod", "p_anthropic", "p_federal"]},
        ),
        Step(16, 10, c, "event", "e_civil_letter"),
        Step(14, 16, c, "event", "e_stmt_limits"),
        Step(14, 17, u, "risk", "r_backlash", {"residual_likelihood": 3, "residual_impact": 3}),
        Step(12, 13, c, "event", "e_staff_letter"),
        Step(11, 10, c, "event", "e_oversight"),
        Step(10, 9, c, "event", "e_analysis"),
        Step(9, 9, c, "partnership", "p_allies"),
        Step(9, 11, c, "event", "e_ally_interest"),
        Step(9, 12, u, "risk", "r_security", {"partnerships": ["p_nato", "p_allies"]}),
        Step(
            9, 12, u, "risk", "r_compliance", {"partnerships": ["p_federal", "p_allies"]}, minute=5
        ),
        Step(7, 10, c, "event", "e_cancel_4"),
        Step(5, 14, c, "event", "e_security_review"),
        Step(3, 16, c, "event", "e_research_panel"),
        Step(2, 11, c, "event", "e_investor_briefing"),
    ]
    return steps


EVENT_DAYS: dict[str, int] = {
    s.key: s.days for s in _timeline() if s.kind == "event" and s.op == "create"
}


# --------------------------------------------------------------------------- building payloads


class _Ids:
    """Keys of the demo's records -> their ids, as they are created."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __getitem__(self, key: str) -> int:
        return self.ids[key]

    def many(self, keys: list[str]) -> list[int]:
        return [self.ids[k] for k in keys]


def _stakeholder_payload(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k != "implied"}
    data["notes"] = _notes(*([IMPLIED] if values.get("implied") else []))
    return data


def _partnership_payload(values: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k not in ("partner", "implied")}
    data["partner_id"] = ids[values["partner"]]
    data["notes"] = _notes(*([IMPLIED] if values.get("implied") else []))
    return data


def _risk_payload(values: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    data = {
        k: v for k, v in values.items() if k not in ("partnerships", "stakeholders", "review_in")
    }
    if "review_in" in values:
        data["review_due"] = today + dt.timedelta(days=values["review_in"])
    data["partnership_ids"] = ids.many(values.get("partnerships", []))
    data["stakeholder_ids"] = ids.many(values.get("stakeholders", []))
    data["notes"] = _notes("Its review date is illustrative.")
    return data


def _event_payload(key: str, values: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    skip = ("stakeholder", "partnership", "risks", "responds_to", "figures", "implied")
    data = {k: v for k, v in values.items() if k not in skip}
    data["occurred_on"] = today - dt.timedelta(days=EVENT_DAYS[key])
    if values.get("stakeholder"):
        data["stakeholder_id"] = ids[values["stakeholder"]]
    if values.get("partnership"):
        data["partnership_id"] = ids[values["partnership"]]
    if values.get("responds_to"):
        data["responds_to_id"] = ids[values["responds_to"]]
    data["risk_ids"] = ids.many(values.get("risks", []))
    extra = []
    if values.get("figures"):
        extra.append(FIGURES.format(what=values["figures"]))
    if values.get("implied"):
        extra.append(IMPLIED)
    data["notes"] = _notes(*extra)
    return data


def _update_payload(kind: str, data: dict[str, Any], ids: _Ids, today: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("announced_on", "ended_on"):
            out[name] = today - dt.timedelta(days=value)
        elif name in ("risks", "partnerships", "stakeholders"):
            out[f"{name[:-1]}_ids"] = ids.many(value)
        else:
            out[name] = value
    return out


def _moment(today: dt.date, step: Step) -> dt.datetime:
    day = today - dt.timedelta(days=step.days)
    return dt.datetime.combine(day, dt.time(step.hour, step.minute), tzinfo=dt.UTC)


def _apply(session: Session, step: Step, ids: _Ids, today: dt.date, actor: str) -> None:
    if step.op == "update":
        changes = _update_payload(step.kind, step.data, ids, today)
        repository.update(session, step.kind, ids[step.key], changes, actor=actor)  # type: ignore[arg-type]
        return
    payload: dict[str, Any]
    if step.kind == "stakeholder":
        payload = _stakeholder_payload(dict(STAKEHOLDERS)[step.key])
    elif step.kind == "partnership":
        payload = _partnership_payload(PARTNERSHIPS[step.key], ids, today)
        payload.update(_update_payload(step.kind, step.data, ids, today))
    elif step.kind == "risk":
        payload = _risk_payload(RISKS[step.key], ids, today)
    else:
        payload = _event_payload(step.key, EVENTS[step.key], ids, today)
    record = repository.create(session, step.kind, payload, actor=actor)  # type: ignore[arg-type]
    ids.ids[step.key] = record.id


# --------------------------------------------------------------------------- loading


def _is_empty(session: Session) -> bool:
    return not any(repository.counts(session).values())


def _ids_of(session: Session, kind: str) -> Iterator[int]:
    table: Any = repository.spec(kind).table
    yield from list(session.execute(select(table.id).order_by(table.id)).scalars())


def clear(session: Session, *, actor: str) -> dict[str, int]:
    """Delete every stakeholder, partnership, risk and event through the repository
    (so each delete is audited); returns how many of each were deleted."""
    removed: dict[str, int] = {}
    for kind in CLEAR_ORDER:
        n = 0
        for record_id in _ids_of(session, kind):
            repository.delete(session, kind, record_id, actor=actor)
            n += 1
        removed[kind] = n
    return removed


def load_demo(
    register: Register,
    *,
    actor: str = DEMO_ACTOR,
    today: dt.date | None = None,
    force: bool = False,
) -> dict[str, int]:
    """Load the demo register; returns the number of records created per kind.

    Refuses a register that already holds records unless ``force``, which first
    deletes them (audited) and then loads the demo, all in one transaction.  The
    demo's dates are placed relative to ``today`` (default: the current date), so the
    same ``today`` always gives the same records.
    """
    today = today or dt.date.today()
    with register.write() as session:
        if not _is_empty(session):
            if not force:
                counts = repository.counts(session)
                held = ", ".join(f"{n} {kind}s" for kind, n in counts.items() if n)
                raise RegisterError(
                    f"{register.display_name()} is not empty ({held}); the demo loads only "
                    "into an empty register (use --force to replace its records)"
                )
            clear(session, actor=actor)
        ids = _Ids()
        for step in _timeline():
            with clock_at(_moment(today, step)):
                _apply(session, step, ids, today, actor)
        return repository.counts(session)
