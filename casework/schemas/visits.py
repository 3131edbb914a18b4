"""What planning, changing and listing leadership visits takes."""
from __future__ import annotations

from marshmallow import RAISE, ValidationError, fields, pre_load

from casework.i18n import _
from casework.models.visit import VISIT_STATUSES
from casework.schemas.answers import page_of
from casework.schemas.base import N_, Schema, context
from casework.schemas.fields import (C0, C0_BUT_LINES, Checked, Choice, Day, Instant, Items,
                                     Text, computed, derived, given)
from casework.schemas.limits import (ACTION_LENGTH, CASES_PER_VISIT, FOLLOW_UPS_PER_VISIT,
                                     HOST_NOTE_LENGTH, NAME_LENGTH, OUTCOME_LENGTH,
                                     PURPOSE_LENGTH, VERSIONS, YEARS)
from casework.schemas.paging import Filter, Paged, PerPage
from casework.text import whole_number

# ?upcoming= : what a checkbox or a client may send for yes and no
UPCOMING = {"1": True, "true": True, "yes": True, "on": True,
            "0": False, "false": False, "no": False, "off": False}
EDITABLE = ("planned_date", "purpose", "status", "outcome", "follow_ups", "cases", "host_unit",
            "host_note")
IGNORED = ("id", "version", "created_at", "updated_at")
FIXED = {"leader": N_("The leader of a visit cannot be changed; cancel it and plan another"),
         "province": N_("The province of a visit cannot be changed; cancel it and plan another")}


def visit_text(label: str, maximum: int, *, required: bool = False, lines: bool = True,
               blank: bool | None = None, **metadata):
    """A visit's text: `label` names it in the messages; several lines unless `lines` is
    False; null is "" unless it is `required` (or may not be `blank`)."""
    return Text(refused=C0_BUT_LINES if lines else C0, max_length=maximum, required=required,
                blank=blank,
                label=label, message=N_("%(label)s contains control characters"),
                messages={N_("Required"): N_("%(label)s is required"),
                          N_("Not text"): N_("%(label)s must be text"),
                          N_("At most %(maximum)s characters"):
                          N_("%(label)s must be at most %(maximum)d characters")},
                metadata=metadata, **({} if required or blank is False else {"empty": ""}))


def visit_date(label: str, required: bool = True, **kwargs):
    return Day(required=required, blank=False, years=YEARS, label=label,
               message=N_("%(label)s: not a date in the form YYYY-MM-DD"),
               messages={N_("Required"): N_("%(label)s is required"),
                         N_("Date out of range"): N_("%(label)s: date out of range")}, **kwargs)


class CaseRef(Checked, fields.Field):
    """A case id, or its reference (which case it is, and whether it may be linked, is the
    service's to say)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip():
            return value.strip()
        if whole_number(value) is not None and not isinstance(value, str):
            return value
        raise self.refuse()


def case_refs(**metadata):
    return Items(CaseRef(value_as="ref", message=N_("No case %(ref)s"),
                         metadata={"oneOf": [{"type": "integer", "minimum": 1},
                                             {"type": "string", "minLength": 1,
                                              "pattern": r"^[^\u0000-\u001f]*\S"}],
                                   "description": "A case id, or its reference"}),
                 flat=True, max_items=CASES_PER_VISIT,
                 message=N_("cases must be a list of at most %(maximum)d case ids"),
                 metadata=metadata)


class Owner(Checked, fields.String):
    """A user's email, or a person's name (an object {email} or {name} is taken too)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            value = value.get("email") or value.get("name")
        return visit_text(N_("The owner"), NAME_LENGTH, required=True,
                          lines=False).deserialize(value)


class Done(Checked, fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1", "true", "false"):
            return value in (1, "1", "true")
        raise self.refuse()


class FollowUpInput(Schema):
    id = fields.Raw(load_default=None, metadata={
        "type": "integer", "description": "Updates that follow-up; without it a new one is "
                                          "added"})
    action = visit_text(N_("The action"), ACTION_LENGTH, required=True)
    owner = Owner(required=True, messages={N_("Required"): N_("%(label)s is required")},
                  label=N_("The owner"), metadata={
                      "description": "A user's email, or a person's name",
                      "maxLength": NAME_LENGTH, "minLength": 1})
    due_date = visit_date(N_("The due date"))
    done = Done(load_default=False, message=N_("done must be true or false"),
                metadata={"default": False})


class VisitInput(Schema):
    leader = Text(empty=None, value_as="email",
                  message=N_("No active user with the email %(email)s"),
                  metadata={"description": "Email of the leader who visits (default: you, "
                                           "when you are a leader)"})
    province = Text(required=True, value_as="code", message=N_("Unknown province %(code)s"),
                    metadata={"description": "Province code"})
    host_unit = Text(required=True, value_as="code",
                     message=N_("Unknown unit %(code)s; give the code of a unit (e.g. LDLD-79) "
                                "and name other hosts in the note"),
                     messages={N_("Required"): N_("The host unit (a unit code such as LDLD-79) "
                                                  "is required")},
                     metadata={"description": "Unit code, e.g. LDLD-79"})
    host_note = visit_text(N_("The host note"), HOST_NOTE_LENGTH, lines=False)
    planned_date = visit_date(N_("The planned date"))
    purpose = visit_text(N_("The purpose"), PURPOSE_LENGTH, required=True)
    cases = case_refs()


class VisitPatch(Schema):
    """Any of these (and no other field); all are checked before anything changes. The leader
    and the province cannot be changed."""

    version = fields.Raw(load_default=None, metadata={
        "type": "integer", "minimum": VERSIONS.least,
        "description": "The version you saw (409 when stale)"})
    # a change names what it changes: nothing is required, but what is given may not be blank
    planned_date = visit_date(N_("The planned date"), required=False)
    purpose = visit_text(N_("The purpose"), PURPOSE_LENGTH, blank=False)
    status = Choice(VISIT_STATUSES, message=N_("Status must be one of %(choices)s"))
    outcome = visit_text(N_("The outcome"), OUTCOME_LENGTH)
    host_unit = Text(blank=False, value_as="code", message=VisitInput._declared_fields[
        "host_unit"].message, messages=VisitInput._declared_fields["host_unit"].messages,
        metadata={"description": "Unit code, e.g. LDLD-79"})
    host_note = visit_text(N_("The host note"), HOST_NOTE_LENGTH, lines=False)
    follow_ups = Items(fields.Nested(FollowUpInput), brackets=True, max_items=FOLLOW_UPS_PER_VISIT,
                       message=N_("follow_ups must be a list of at most %(maximum)d actions"),
                       metadata={"description": "Replaces the visit's follow-ups"})
    cases = case_refs(description="Replaces the linked cases you can see")

    class Meta:  # the document says no other field is taken (the pre-load refuses them)
        unknown = RAISE

    @pre_load
    def _refuse_other_fields(self, data, **kwargs):
        """The leader and the province with their own message, any other field named; the
        answer's own fields (id, created_at ...) sent back are ignored."""
        for key in data if isinstance(data, dict) else ():
            if key in FIXED:
                raise ValidationError(_(FIXED[key]), field_name=key)
            if key not in EDITABLE and key not in IGNORED:
                raise ValidationError(_("Unknown field %(name)s", name=repr(str(key)[:40])),
                                      field_name=str(key)[:40])
        if isinstance(data, dict):  # each follow-up is an object (its own message)
            for i, item in enumerate(data.get("follow_ups") or []
                                     if isinstance(data.get("follow_ups"), list) else []):
                if not isinstance(item, dict):
                    raise ValidationError(_("Each follow-up must be an object {action, owner, "
                                            "due_date, done}"), field_name=f"follow_ups[{i}]")
            data = {k: v for k, v in data.items() if k not in IGNORED or k == "version"}
        return data


class VisitQuery(Paged):
    leader = Filter(metadata={"description": "Email"})
    province = Filter(metadata={"description": "Province code"})
    status = Choice(VISIT_STATUSES, empty=None, message=N_("Status must be one of %(choices)s"))
    upcoming = Choice(tuple(UPCOMING), empty=None,
                      message=N_("upcoming must be one of %(choices)s"))
    per_page = PerPage(50)


# what a change may leave out: any field of the visit, never one of a follow-up it lists
PATCH = tuple(VisitPatch._declared_fields)


# --- what the API answers ---------------------------------------------------------------------

class FollowUp(Schema):
    id = given(fields.Integer)
    action = given()
    owner = given()
    due_date = given(Day)
    done = given(fields.Boolean)


class LinkedCase(Schema):
    id = given(fields.Integer)
    ref = given(nullable=True)


class Visit(Schema):
    """A visit as the API shows it; only the linked cases the reader may see are listed."""

    id = given(fields.Integer)
    leader = computed(lambda v: v.leader.email, type="string")
    leader_name = computed(lambda v: v.leader.name, type="string")
    province = computed(lambda v: v.province.code, type="string")
    host_unit = computed(lambda v: v.host_unit.code, type="string")
    host_note = given(nullable=True)
    planned_date = given(Day)
    purpose = given(nullable=True)
    status = given(metadata={"enum": list(VISIT_STATUSES)})
    outcome = given(nullable=True)
    follow_ups = given(fields.List, cls_or_instance=fields.Nested(FollowUp))
    cases = derived(fields.List(fields.Nested(LinkedCase)),
                    lambda v: [link.case for link in v.case_links
                               if context()["authz"].case_in_scope(context()["user"], link.case)])
    version = given(fields.Integer, metadata={"minimum": 1})
    created_at = given(Instant)
    updated_at = given(Instant)


VisitList = page_of(Visit, "VisitList")
