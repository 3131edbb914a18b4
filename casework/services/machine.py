"""One module-level `transitions` machine per flow, built from the definition tables, with the
guards and effects of casework.services (the diagram draws the same moves: workflow.diagram).

Never `add_model`: a loaded case is passed to `events[trigger].trigger(case, ...)` directly, so
no per-row machine is kept (transitions issues #146, #379, #434).
"""
from __future__ import annotations

from transitions import Machine, MachineError

from casework.i18n import _
from casework.services import effects, guards
from casework.services.guards import Attempt
from casework.workflow.data import GuardFailed
from casework.workflow.definition import FLOWS, Flow, Trigger, flow_for


def _check_guards(trigger: Trigger):
    functions = guards.checks_of(trigger)

    def check(event) -> bool:
        for guard in functions:
            guard(event.kwargs["attempt"])  # raises GuardFailed with the reason
        return True
    return check


def _apply_effects(trigger: Trigger):
    functions = [effects.store_data] + [getattr(effects, name) for name in trigger.effects]

    def apply(event) -> None:
        for effect in functions:
            effect(event.kwargs["attempt"])
    return apply


def _resumes_to(state: str):
    def check(event) -> bool:
        return event.model.resume_state == state
    return check


def _forget_resume_state(event) -> None:
    event.model.resume_state = None


def machine_transitions(flow: Flow) -> list[dict]:
    """The flow as a list of `transitions` transition dicts (also used to draw the diagram)."""
    result = []
    for trigger in flow.triggers:
        if trigger.dest is None:  # resume: one branch per state the case may have left
            for state in flow.active_states:
                result.append({"trigger": trigger.name, "source": list(trigger.sources),
                               "dest": state, "conditions": [_resumes_to(state)],
                               "before": [_forget_resume_state]})
        else:
            result.append({"trigger": trigger.name, "source": list(trigger.sources),
                           "dest": trigger.dest, "conditions": [_check_guards(trigger)],
                           "before": [_apply_effects(trigger)]})
    return result


def build_machine(flow: Flow) -> Machine:
    return Machine(model=None, states=list(flow.state_names), transitions=machine_transitions(flow),
                   initial=None, model_attribute="state", auto_transitions=False,
                   send_event=True, ignore_invalid_triggers=False)


MACHINES = {flow.name: build_machine(flow) for flow in FLOWS}


class InvalidTransition(Exception):
    pass


def fire(attempt: Attempt) -> None:
    """Move the case; GuardFailed says why not, InvalidTransition means the wrong state."""
    flow = flow_for(attempt.case.kind)
    event = MACHINES[flow.name].events.get(attempt.trigger.name)
    if event is None:
        raise InvalidTransition(attempt.trigger.name)
    try:
        moved = event.trigger(attempt.case, attempt=attempt)
    except MachineError as exc:
        raise InvalidTransition(str(exc)) from exc
    if not moved:
        raise GuardFailed(_("The case cannot resume: the state it left is unknown"))


def check(attempt: Attempt) -> None:
    """Run the trigger's guards without moving the case (before an approval is requested)."""
    if attempt.case.state not in attempt.trigger.sources:
        raise InvalidTransition(attempt.trigger.name)
    for guard in guards.checks_of(attempt.trigger):
        guard(attempt)


def blocked_reason(attempt: Attempt) -> str | None:
    """Why the trigger cannot pass now whatever is typed into its form (its guards that read
    only the case), or None."""
    try:
        for guard in guards.preconditions_of(attempt.trigger):
            guard(attempt)
    except GuardFailed as exc:
        return exc.message
    return None


def triggers_from_state(case) -> list[Trigger]:
    """The triggers whose source is the case's state, in table order (roles not yet applied)."""
    flow = flow_for(case.kind)
    return [t for t in flow.triggers if case.state in t.sources]
