"""The transition tables as data (docs/domain.md §6-7).

The machine, the permission matrix, the UI buttons, the API's workflow document and the diagram
are all built from FLOWS. Labels are English message ids marked for translation with N_.
"""
from __future__ import annotations

from dataclasses import dataclass


def N_(text: str) -> str:  # marks a string for extraction; translated where it is shown
    return text


ORGANISERS = ("organiser", "supervisor")   # a supervisor may do all an organiser may
SUPERVISORS = ("supervisor",)

# who decides an approval
APPROVER_SUPERVISOR = "supervisor"
APPROVER_VGCL_LEADER = "vgcl_leader"

DOCUMENTS = ("cover_letter", "member_list", "congress_minutes", "election_minutes",
             "committee_cvs", "business_registration", "workforce_report")
DOCUMENT_LABELS = {
    "cover_letter": N_("Cover letter requesting recognition"),
    "member_list": N_("List of members"),
    "congress_minutes": N_("Minutes of the founding congress"),
    "election_minutes": N_("Minutes of the election"),
    "committee_cvs": N_("CVs of the executive committee"),
    "business_registration": N_("Business registration"),
    "workforce_report": N_("Workforce report"),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str            # date | int | text | names | documents
    label: str
    required: bool = True
    personal: bool = False  # names of workers: shown only to those working the case
    # on a trigger that needs approval: entered by the person who approves (a decision that
    # does not exist before then), optional in the request
    at_decision: bool = False


@dataclass(frozen=True)
class Trigger:
    name: str
    sources: tuple[str, ...]
    dest: str | None     # None: back to the state the case left (resume)
    label: str
    roles: tuple[str, ...] = ORGANISERS
    approval: str | None = None
    fields: tuple[Field, ...] = ()
    comment_required: bool = False
    guards: tuple[str, ...] = ()   # names of functions in workflow.guards
    effects: tuple[str, ...] = ()  # names of functions in workflow.effects

    @property
    def needs_approval(self) -> bool:
        return self.approval is not None

    @property
    def decision_fields(self) -> tuple[Field, ...]:
        """The fields the approver enters when approving (none unless it needs approval)."""
        return tuple(f for f in self.fields if f.at_decision) if self.needs_approval else ()

    @property
    def request_fields(self) -> tuple[Field, ...]:
        """The fields the person firing it (or requesting its approval) enters."""
        return tuple(f for f in self.fields if f not in self.decision_fields)


@dataclass(frozen=True)
class Flow:
    name: str
    kinds: tuple[str, ...]
    states: tuple[tuple[str, str], ...]   # (name, label), in order
    triggers: tuple[Trigger, ...]
    terminal: tuple[str, ...] = ("founded", "closed")

    @property
    def initial(self) -> str:
        return self.states[0][0]

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.states)

    @property
    def active_states(self) -> tuple[str, ...]:
        """States a case can be put on hold from (not terminal, not on hold)."""
        return tuple(s for s in self.state_names if s not in self.terminal and s != "on_hold")

    def trigger(self, name: str) -> Trigger | None:
        return next((t for t in self.triggers if t.name == name), None)

    def state_label(self, state: str) -> str:
        """The state's label (a message id, to translate where shown); the name if unknown."""
        return dict(self.states).get(state, state)


DECISION_FIELDS = (
    Field("decision_number", "text", N_("Decision number"), at_decision=True),
    Field("decision_date", "date", N_("Decision date"), at_decision=True),
    Field("signer", "text", N_("Signed by"), at_decision=True),
)
COMMITTEE = Field("committee_members", "names", N_("Executive committee members"),
                  personal=True)

SIDE_STATES = (("on_hold", N_("On hold")), ("closed", N_("Closed, not feasible")))


def _side_triggers(active: tuple[str, ...]) -> tuple[Trigger, ...]:
    return (
        Trigger("put_on_hold", active, "on_hold", N_("Put on hold"),
                roles=ORGANISERS, comment_required=True, effects=("remember_resume_state",)),
        Trigger("resume", ("on_hold",), None, N_("Resume"), roles=ORGANISERS),
        Trigger("close", active + ("on_hold",), "closed", N_("Close as not feasible"),
                roles=ORGANISERS, approval=APPROVER_SUPERVISOR, comment_required=True),
    )


_GRASSROOTS_STATES = (
    ("identified", N_("Target identified")),
    ("outreach", N_("Outreach and propaganda")),
    ("mobilising", N_("Mobilising to found")),
    ("eligible", N_("Eligible")),
    ("congress_scheduled", N_("Founding congress scheduled")),
    ("congress_held", N_("Founding congress held")),
    ("dossier_submitted", N_("Dossier submitted")),
    ("recognised", N_("Recognition decided")),
    ("founded", N_("Founded and announced")),
) + SIDE_STATES

GRASSROOTS = Flow(
    name="grassroots",
    kinds=("grassroots", "small_units"),
    states=_GRASSROOTS_STATES,
    triggers=(
        Trigger("start_outreach", ("identified",), "outreach", N_("Start outreach"),
                guards=("organiser_assigned",)),
        Trigger("form_committee", ("outreach",), "mobilising", N_("Form mobilising committee"),
                fields=(Field("committee_head", "text", N_("Head of the mobilising committee"),
                              personal=True),),
                guards=("outreach_step_logged",)),
        Trigger("confirm_eligibility", ("mobilising",), "eligible", N_("Confirm eligibility"),
                guards=("enough_applications",)),
        Trigger("schedule_congress", ("eligible",), "congress_scheduled",
                N_("Schedule founding congress"),
                fields=(Field("congress_date", "date", N_("Congress date")),)),
        Trigger("hold_congress", ("congress_scheduled",), "congress_held",
                N_("Record founding congress"),
                fields=(Field("held_on", "date", N_("Held on")),
                        Field("attendance", "int", N_("Attendance")),
                        Field("chair", "text", N_("Chair elected"), personal=True),
                        COMMITTEE),
                guards=("attendance_quorum",)),
        Trigger("submit_dossier", ("congress_held",), "dossier_submitted",
                N_("Submit recognition dossier"),
                fields=(Field("documents", "documents", N_("Dossier documents")),),
                guards=("dossier_complete",), effects=("start_recognition_deadline",)),
        Trigger("return_dossier", ("dossier_submitted",), "congress_held",
                N_("Return dossier"), roles=SUPERVISORS, comment_required=True,
                effects=("clear_deadline",)),
        Trigger("recognise", ("dossier_submitted",), "recognised", N_("Recognise"),
                approval=APPROVER_SUPERVISOR, fields=DECISION_FIELDS,
                effects=("clear_deadline",)),
        Trigger("appoint_provisional", ("eligible",), "recognised",
                N_("Appoint provisional committee"), approval=APPROVER_SUPERVISOR,
                fields=DECISION_FIELDS + (COMMITTEE,)),
        Trigger("announce", ("recognised",), "founded", N_("Announce founding"),
                fields=(Field("announced_on", "date", N_("Announced on")),
                        Field("founding_members", "int", N_("Founding members"))),
                guards=("founding_members_quorum",),
                effects=("record_founding",)),
    ) + _side_triggers(tuple(s for s, _ in _GRASSROOTS_STATES[:8])),
)

_PILOT_STATES = (
    ("proposed", N_("Proposed")),
    ("survey", N_("Survey")),
    ("scheme_drafted", N_("Scheme drafted")),
    ("scheme_approved", N_("Scheme approved")),
    ("established", N_("Established")),
    ("founded", N_("Founded, member unions transferred")),
) + SIDE_STATES

CONGLOMERATE = Flow(
    name="conglomerate_pilot",
    kinds=("conglomerate_pilot",),
    states=_PILOT_STATES,
    triggers=(
        Trigger("start_survey", ("proposed",), "survey", N_("Start survey")),
        Trigger("draft_scheme", ("survey",), "scheme_drafted", N_("Draft scheme"),
                guards=("survey_report_logged",)),
        Trigger("approve_scheme", ("scheme_drafted",), "scheme_approved", N_("Approve scheme"),
                approval=APPROVER_VGCL_LEADER),
        Trigger("establish", ("scheme_approved",), "established", N_("Establish union"),
                fields=DECISION_FIELDS + (COMMITTEE,)),
        Trigger("complete_transfer", ("established",), "founded",
                N_("Complete transfer of member unions"),
                fields=(Field("member_unions", "int", N_("Member unions transferred")),
                        Field("founding_members", "int", N_("Founding members"))),
                effects=("record_founding",)),
    ) + _side_triggers(tuple(s for s, _ in _PILOT_STATES[:5])),
)

FLOWS = (GRASSROOTS, CONGLOMERATE)
KINDS = ("grassroots", "small_units", "conglomerate_pilot")
KIND_LABELS = {
    "grassroots": N_("Grassroots union at one enterprise"),
    "small_units": N_("Union of small units (under 25 members each)"),
    "conglomerate_pilot": N_("Conglomerate pilot union"),
}
ALL_STATES = tuple(dict.fromkeys(s for flow in FLOWS for s in flow.state_names))
TERMINAL_STATES = ("founded", "closed")
FLOW_LABELS = {"grassroots": N_("Grassroots unions"),
               "conglomerate_pilot": N_("Conglomerate pilot union")}
# a state named in several flows ('founded') is labelled as in the first, the grassroots flow;
# a case's own flow labels it as that flow does (flow_for(kind).states)
STATE_LABELS = {name: label for flow in reversed(FLOWS) for name, label in flow.states}


def flow_for(kind: str) -> Flow:
    for flow in FLOWS:
        if kind in flow.kinds:
            return flow
    raise KeyError(kind)


def initial_state(kind: str | None) -> str | None:
    return flow_for(kind).initial if kind in KINDS else None


# --- when each date a case records may lie ---------------------------------------------------
# One table for every path (form, API, import, demo): the guard `dates_in_order` enforces it for
# each trigger's date fields, steps and visits check theirs, and the forms show it as help text.

DONE = "done"        # records what happened: not after today (Vietnam's date, casework.clock)
PLANNED = "planned"  # plans what will happen: not before today


@dataclass(frozen=True)
class DateRule:
    when: str                     # DONE or PLANNED
    after: tuple[str, ...] = ()   # the case's earlier dates (DATE_MARKS) it cannot precede


# the case's own dates a later one is compared with: a date field a trigger recorded, or, for a
# state, the day the case last entered it (a resume does not count: the state was entered before)
DATE_MARKS = {
    "eligible": N_("the day the case became eligible"),
    "congress_date": N_("the congress date"),
    "dossier_submitted": N_("the day the dossier was submitted"),
    "scheme_approved": N_("the day the scheme was approved"),
    "decision_date": N_("the decision date"),
}

DATE_RULES = {
    # trigger fields: congress held >= scheduled >= eligibility, decision >= dossier ...
    "congress_date": DateRule(PLANNED, after=("eligible",)),
    "held_on": DateRule(DONE, after=("congress_date",)),
    # recognise follows the dossier, appoint_provisional eligibility, establish the scheme
    "decision_date": DateRule(DONE, after=("eligible", "dossier_submitted", "scheme_approved")),
    "announced_on": DateRule(DONE, after=("decision_date",)),
    # a step logged, a visit planned or done (services.steps, services.visits)
    "step_date": DateRule(DONE),
    "visit_planned": DateRule(PLANNED),
    "visit_done": DateRule(DONE),
}

# trigger data naming workers (committee, chair): hidden from roles that do not work the case
PERSONAL_FIELDS = frozenset(f.name for flow in FLOWS for t in flow.triggers for f in t.fields
                            if f.personal)
