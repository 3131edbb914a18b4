"""What logging a step takes."""
from __future__ import annotations

from casework.models.step import STEP_KINDS
from casework.schemas.base import N_, Schema
from casework.schemas.fields import NUL, Choice, Day, Text, WholeNumber
from casework.schemas.limits import APPLICATIONS_CHANGE, NOTE_LENGTH, YEARS

_APPLICATIONS = dict(
    minimum=APPLICATIONS_CHANGE.least, maximum=APPLICATIONS_CHANGE.most, empty=0,
    message=N_("Applications must be a whole number (negative only to correct an earlier "
               "count)"),
    metadata={"description": "Applications gained (or, negative, withdrawn); null or absent: 0"})


class StepInput(Schema):
    kind = Choice(STEP_KINDS, required=True, message=N_("Kind must be one of %(choices)s"))
    date = Day(required=True, years=YEARS, label=N_("The date of the step"),
               message=N_("%(label)s: not a date in the form YYYY-MM-DD"),
               messages={N_("Required"): N_("The date of the step is required"),
                         N_("Date out of range"): N_("%(label)s: date out of range")},
               metadata={"description": "Not in the future"})
    note = Text(refused=NUL, max_length=NOTE_LENGTH, empty="",
                message=N_("The note must be text of at most %(maximum)d characters"))
    applications_vietnamese = WholeNumber(**_APPLICATIONS)
    applications_foreign = WholeNumber(**_APPLICATIONS)
