"""Effects: what a transition writes on the case besides its state (named in
casework.workflow.definition; they read the settings and the calendar)."""
from __future__ import annotations

from casework.services import founded_units
from casework.services.calendar import add_working_days
from casework.services.guards import Attempt
from casework.services.settings import get_setting
from casework.workflow.data import to_json


def remember_resume_state(attempt: Attempt) -> None:
    attempt.case.resume_state = attempt.case.state


def start_recognition_deadline(attempt: Attempt) -> None:
    attempt.case.deadline = add_working_days(attempt.today, get_setting("recognition_deadline_days"))


def start_dossier_deadline(attempt: Attempt) -> None:
    """The committee files the dossier within so many working days of the founding congress."""
    attempt.case.deadline = add_working_days(attempt.data["held_on"],
                                             get_setting("dossier_deadline_days"))


def clear_deadline(attempt: Attempt) -> None:
    attempt.case.deadline = None


def record_founding(attempt: Attempt) -> None:
    attempt.case.founded_members = attempt.data["founding_members"]
    attempt.case.founded_on = attempt.data.get("announced_on", attempt.today)


def store_data(attempt: Attempt) -> None:
    """Keep what the trigger took; decisions under one key so 'announce' can find the date."""
    if not attempt.data:
        return
    details = dict(attempt.case.details or {})
    key = "decision" if "decision_number" in attempt.data else attempt.trigger.name
    details[key] = to_json(attempt.data)
    attempt.case.details = details  # a new dict, so the JSON column is seen as changed


def found_union(attempt: Attempt) -> None:
    """The founded case becomes a grassroots union of the tree (casework.services.founded_units)."""
    founded_units.found_union(attempt.case, attempt.actor, attempt.case.founded_on,
                              attempt.case.founded_members or 0)
