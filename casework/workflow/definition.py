"""The transition tables as data (docs/domain.md §6-7).

The machine, the permission matrix, the UI buttons, the API's workflow document and the diagram
are all built from FLOWS, and so is everything the rest of the code knows about the workflow:
the kinds, the terminal and side states, who approves what (`Approver`), the colour of each state
(`State.tone`) and the look of each trigger's button (`Trigger.style`). Labels are English message
ids marked for translation with N_.
"""
from __future__ import annotations

from dataclasses import dataclass


def N_(text: str) -> str:  # marks a string for extraction; translated where it is shown
    return text


ORGANISERS = ("organiser", "supervisor")   # a supervisor may do all an organiser may
SUPERVISORS = ("supervisor",)


# --- who decides an approval -----------------------------------------------------------------
# authz reads `role` and `level` (the rule of who may decide, in Python and as a query for the
# inbox and the notifications); the pages and messages show the texts. Nothing else interprets
# an approver.

CASE_SCOPE = "case_scope"   # someone of a unit whose subtree holds the case (its unit or above)
ROOT = "root"               # someone of the tree's root, the VGCL: national


@dataclass(frozen=True)
class Approver:
    name: str                # the key: the API's `approval`
    role: str                # the user role that decides
    level: str               # CASE_SCOPE or ROOT: where in the organisation tree they sit
    label: str               # the API workflow document's `approved_by` (English, a contract)
    badge: str               # the workflow page's note on the trigger
    must_approve: str        # the trigger's page, to the person firing it
    enters_decision: str     # the trigger's page, when the approver enters decision fields
    will_decide: str         # after a request is filed (%(action)s: the trigger's label)
    only_they_decide: str    # the refusal to anyone else


SUPERVISOR = Approver(
    "supervisor", role="supervisor", level=CASE_SCOPE, label="supervisor",
    badge=N_("approved by a supervisor"),
    must_approve=N_("A supervisor other than you must approve it first."),
    enters_decision=N_("The supervisor who approves it enters the decision (number, date, "
                       "signer)."),
    will_decide=N_("Approval requested: %(action)s. A supervisor will decide it."),
    only_they_decide=N_("Only a supervisor decides approvals."))
VGCL_LEADER = Approver(
    "vgcl_leader", role="leader", level=ROOT, label="leader of the VGCL",
    badge=N_("approved by a leader of the VGCL"),
    must_approve=N_("A leader of the VGCL must approve it first."),
    enters_decision=N_("The leader of the VGCL who approves it enters the decision (number, "
                       "date, signer)."),
    will_decide=N_("Approval requested: %(action)s. A leader of the VGCL will decide it."),
    only_they_decide=N_("Only a leader of the VGCL decides a conglomerate scheme."))

# the checklist of a recognition dossier, in its order
DOCUMENT_LABELS = {
    "cover_letter": N_("Cover letter requesting recognition"),
    "member_list": N_("List of members"),
    "congress_minutes": N_("Minutes of the founding congress"),
    "election_minutes": N_("Minutes of the election"),
    "committee_cvs": N_("CVs of the executive committee"),
    "business_registration": N_("Business registration"),
    "workforce_report": N_("Workforce report"),
}
DOCUMENTS = tuple(DOCUMENT_LABELS)
# what the superior union issues, filed on the case beside the dossier (casework.documents)
DECISION_DOCUMENTS = ("recognition_decision", "provisional_decision", "announcement_record",
                      "establishment_decision")
DECISION_DOCUMENT_LABELS = {
    "recognition_decision": N_("Recognition decision"),
    "provisional_decision": N_("Decision appointing a provisional committee"),
    "announcement_record": N_("Record of the announcement"),
    "establishment_decision": N_("Decision establishing the conglomerate union"),
}
FILED_DOCUMENTS = DOCUMENTS + DECISION_DOCUMENTS



@dataclass(frozen=True)
class State:
    name: str
    label: str
    tone: str = "primary"    # the colour of its badge (a Bootstrap colour: primary, success ...)
    terminal: bool = False   # the case is finished here: nothing leaves it


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
    approval: Approver | None = None
    fields: tuple[Field, ...] = ()
    comment_required: bool = False
    guards: tuple[str, ...] = ()   # names of functions in workflow.guards
    effects: tuple[str, ...] = ()  # names of functions in workflow.effects
    # its button: "primary" moves the case on, "secondary" sets it aside or back, "danger"
    # ends it (views.filters.trigger_button turns it into classes)
    style: str = "primary"

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
    states: tuple[State, ...]   # in order
    triggers: tuple[Trigger, ...]

    @property
    def initial(self) -> str:
        return self.states[0].name

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def labels(self) -> dict[str, str]:
        """{state: its label (a message id)}."""
        return {s.name: s.label for s in self.states}

    @property
    def terminal(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.terminal)

    @property
    def active_states(self) -> tuple[str, ...]:
        """States a case can be put on hold from (not terminal, not on hold)."""
        return tuple(s.name for s in self.states if not s.terminal and s.name not in SIDE_STATES)

    def state(self, name: str) -> State | None:
        return next((s for s in self.states if s.name == name), None)

    def trigger(self, name: str) -> Trigger | None:
        return next((t for t in self.triggers if t.name == name), None)

    def state_label(self, state: str) -> str:
        """The state's label (a message id, to translate where shown); the name if unknown."""
        return self.labels.get(state, state)


DECISION_FIELDS = (
    # left blank, the deciding unit's register gives the next number (services.decision_numbers)
    Field("decision_number", "text", N_("Decision number"), required=False, at_decision=True),
    Field("decision_date", "date", N_("Decision date"), at_decision=True),
    Field("signer", "text", N_("Signed by"), at_decision=True),
)
COMMITTEE = Field("committee_members", "names", N_("Executive committee members"),
                  personal=True)

# the states every flow ends with, beside its main line: a case set aside, or given up
_SIDE_STATES = (State("on_hold", N_("On hold"), tone="warning"),
                State("closed", N_("Closed, not feasible"), tone="secondary", terminal=True))
SIDE_STATES = tuple(s.name for s in _SIDE_STATES)


def _flow(name: str, kinds: tuple[str, ...], states: tuple[State, ...],
          triggers: tuple[Trigger, ...]) -> Flow:
    """A flow of its main line, with the side states and the triggers to and from them."""
    active = tuple(s.name for s in states if not s.terminal)
    side = (
        Trigger("put_on_hold", active, "on_hold", N_("Put on hold"),
                roles=ORGANISERS, comment_required=True, effects=("remember_resume_state",),
                style="secondary"),
        Trigger("resume", ("on_hold",), None, N_("Resume"), roles=ORGANISERS),
        Trigger("close", active + ("on_hold",), "closed", N_("Close as not feasible"),
                roles=ORGANISERS, approval=SUPERVISOR, comment_required=True, style="danger"),
    )
    return Flow(name=name, kinds=kinds, states=states + _SIDE_STATES, triggers=triggers + side)


GRASSROOTS = _flow(
    "grassroots", ("grassroots", "small_units"),
    (
        State("identified", N_("Target identified")),
        State("outreach", N_("Outreach and propaganda")),
        State("mobilising", N_("Mobilising to found")),
        State("eligible", N_("Eligible")),
        State("congress_scheduled", N_("Founding congress scheduled")),
        State("congress_held", N_("Founding congress held")),
        State("dossier_submitted", N_("Dossier submitted"), tone="info"),
        State("recognised", N_("Recognition decided"), tone="success"),
        State("founded", N_("Founded and announced"), tone="success", terminal=True),
    ),
    (
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
                guards=("attendance_quorum",), effects=("start_dossier_deadline",)),
        Trigger("submit_dossier", ("congress_held",), "dossier_submitted",
                N_("Submit recognition dossier"),
                fields=(Field("documents", "documents", N_("Dossier documents")),),
                guards=("dossier_complete",), effects=("start_recognition_deadline",)),
        Trigger("return_dossier", ("dossier_submitted",), "congress_held",
                N_("Return dossier"), roles=SUPERVISORS, comment_required=True,
                effects=("clear_deadline",), style="secondary"),
        Trigger("recognise", ("dossier_submitted",), "recognised", N_("Recognise"),
                approval=SUPERVISOR, fields=DECISION_FIELDS,
                effects=("clear_deadline",)),
        Trigger("appoint_provisional", ("eligible",), "recognised",
                N_("Appoint provisional committee"), approval=SUPERVISOR,
                fields=DECISION_FIELDS + (COMMITTEE,)),
        Trigger("announce", ("recognised",), "founded", N_("Announce founding"),
                fields=(Field("announced_on", "date", N_("Announced on")),
                        Field("founding_members", "int", N_("Founding members"))),
                guards=("founding_members_quorum",),
                effects=("record_founding", "found_union")),
    ),
)

CONGLOMERATE = _flow(
    "conglomerate_pilot", ("conglomerate_pilot",),
    (
        State("proposed", N_("Proposed")),
        State("survey", N_("Survey")),
        State("scheme_drafted", N_("Scheme drafted"), tone="info"),
        State("scheme_approved", N_("Scheme approved")),
        State("established", N_("Established"), tone="success"),
        State("founded", N_("Founded, member unions transferred"), tone="success",
              terminal=True),
    ),
    (
        Trigger("start_survey", ("proposed",), "survey", N_("Start survey")),
        Trigger("draft_scheme", ("survey",), "scheme_drafted", N_("Draft scheme"),
                guards=("survey_report_logged",)),
        Trigger("approve_scheme", ("scheme_drafted",), "scheme_approved", N_("Approve scheme"),
                approval=VGCL_LEADER),
        Trigger("establish", ("scheme_approved",), "established", N_("Establish union"),
                fields=DECISION_FIELDS + (COMMITTEE,)),
        Trigger("complete_transfer", ("established",), "founded",
                N_("Complete transfer of member unions"),
                fields=(Field("member_unions", "int", N_("Member unions transferred")),
                        Field("founding_members", "int", N_("Founding members"))),
                effects=("record_founding", "found_union")),
    ),
)

FLOWS = (GRASSROOTS, CONGLOMERATE)
KINDS = tuple(kind for flow in FLOWS for kind in flow.kinds)
KIND_LABELS = {
    "grassroots": N_("Grassroots union at one enterprise"),
    "small_units": N_("Union of small units (under 25 members each)"),
    "conglomerate_pilot": N_("Conglomerate pilot union"),
}
ALL_STATES = tuple(dict.fromkeys(s for flow in FLOWS for s in flow.state_names))
TERMINAL_STATES = tuple(dict.fromkeys(s for flow in FLOWS for s in flow.terminal))
FLOW_LABELS = {"grassroots": N_("Grassroots unions"),
               "conglomerate_pilot": N_("Conglomerate pilot union")}
# a state named in several flows ('founded') is labelled (and coloured) as in the first, the
# grassroots flow; a case's own flow labels it as that flow does (flow_for(kind).labels)
STATE_LABELS = {s.name: s.label for flow in reversed(FLOWS) for s in flow.states}
STATE_TONES = {s.name: s.tone for flow in reversed(FLOWS) for s in flow.states}


def flow_for(kind: str) -> Flow:
    for flow in FLOWS:
        if kind in flow.kinds:
            return flow
    raise KeyError(kind)


def initial_state(kind: str | None) -> str | None:
    return flow_for(kind).initial if kind in KINDS else None


def approvers() -> tuple[Approver, ...]:
    """The approvers the flows' triggers name, each once, in the order they first appear."""
    return tuple(dict.fromkeys(t.approval for flow in FLOWS for t in flow.triggers
                               if t.approval is not None))


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
