"""Every limit an input has is declared once, in casework/schemas/limits.py: no module restates
one, no stored text may be longer than its column, and where two modules used to disagree the
one value now holds on every way in (the API, the page's form, the service)."""
from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

import casework
from casework.extensions import db
from casework.forms.admin import UnitForm
from casework.forms.cases import EnterpriseForm
from casework.models import (ApprovalRequest, Attachment, AuditEntry, Case, Enterprise, OrgUnit,
                             Step, Target, User, Visit, VisitFollowUp)
from casework.models.application import ApplicationLink, CaseApplication
from casework.models.decision import UnitDecisionSuffix
from casework.models.saved_list import SavedList
from casework.models.membership import GrassrootsUnion, UnitEvent
from casework.errors import Invalid
from casework.schemas import limits
from casework.services.pipeline import PipelineFilters
from casework.services.queries import CaseFilters
from casework.services.units import create_unit
from casework.schemas.transitions import FIELD_TYPES
from casework.workflow.data import GuardFailed
from casework.workflow.definition import Field
from tests.browser import Browser, text
from tests.helpers import PASSWORD, Api, enterprise, error_of, make_case, make_team, tax_code

APP = Path(casework.__file__).parent
# settings an operator may change (the largest attachment, import file, API page): not limits
SETTINGS = {Path("config.py")}
LIMITS = Path("schemas/limits.py")
VALIDATORS = {"Length", "NumberRange", "IntRange", "FloatRange", "DateRange"}
BOUNDS = {"max_entries", "min_length", "max_length", "minimum", "maximum", "min_items",
          "max_items"}


def _is_number(node) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _holds_a_number(node) -> bool:
    """A number written in `node` (`200`, `-5`, `10 * 1024`, `number(200)`), not an index
    (`YEARS[0]` reads a limit)."""
    if _is_number(node):
        return True
    if isinstance(node, ast.Subscript):
        return _holds_a_number(node.value)
    return any(_holds_a_number(child) for child in ast.iter_child_nodes(node))


def restated_limits(source: str) -> list[str]:
    """What in `source` declares a limit of its own: a MAX_* assignment or a range constant
    (`YEARS = (2000, 2100)`); a number given to a validator (WTForms' Length/NumberRange,
    click's IntRange), to a bound of a field (`max_length=`, `maximum=`, `max_entries=` ...)
    or to a message saying one (`_("at most %(maximum)d", maximum=200)`); or a range written
    with two numbers (`2000 <= year <= 2100`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            pair = isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2 \
                and all(_is_number(n) for n in node.value.elts)
            found += [f"{node.lineno}: {t.id} =" for t in targets if isinstance(t, ast.Name)
                      and (t.id.startswith("MAX_") or pair and t.id.isupper())]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            values = [*node.args, *(k.value for k in node.keywords)] if name in VALIDATORS \
                else [k.value for k in node.keywords if k.arg in BOUNDS]
            if any(_holds_a_number(value) for value in values):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Compare) and len(node.comparators) > 1 \
                and _is_number(node.left) and _is_number(node.comparators[-1]):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_a_restated_limit():
    source = ("MAX_NAME = 200\n"
              "name = StringField('Name', validators=[Length(max=200)])\n"
              "year = IntegerField('Year', validators=[NumberRange(min=2000, max=2100)])\n"
              "size = click.IntRange(min=1, max=-5)\n"
              "rows = FieldList(FormField(Row), max_entries=20)\n"
              "ok = 2000 <= year <= 2100\n"
              "YEARS = (2000, 2100)\n"
              "fine = StringField('Name', validators=[Length(max=NAME_LENGTH)])\n"
              "pair = (1, 2)\n"
              "note = Text(max_length=500)\n"
              "said = _('at most %(maximum)d', maximum=200)\n"
              "read = WholeNumber(minimum=YEARS[0], maximum=YEARS[1])\n")
    found = sorted(int(line.split(":")[0]) for line in restated_limits(source))
    assert found == [1, 2, 3, 4, 5, 6, 7, 10, 11]


def test_no_module_but_limits_py_restates_a_limit():
    found = {}
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP)
        if relative == LIMITS or relative in SETTINGS:
            continue
        if hits := restated_limits(path.read_text(encoding="utf-8")):
            found[str(relative)] = hits
    assert not found, "limits declared outside casework/schemas/limits.py: " + repr(found)


# --- the limits and the columns -----------------------------------------------------------------

# every text limit, with the columns the text is stored in; None: the text is not stored as it
# is typed (a password's hash, a tax code compacted, trigger data in a JSON column)
STORED = {
    "EMAIL_LENGTH": [User.email],
    "NAME_LENGTH": [User.name, OrgUnit.name, VisitFollowUp.owner_name, AuditEntry.actor_name],
    "UNIT_CODE_LENGTH": [OrgUnit.code],
    "CASE_REF_LENGTH": [Case.ref],
    "ENTERPRISE_NAME_LENGTH": [Enterprise.name],
    "SECTOR_LENGTH": [Enterprise.sector],
    "ADDRESS_LENGTH": [Enterprise.address],
    "COMMENT_LENGTH": [ApprovalRequest.comment, ApprovalRequest.decision_comment,
                       AuditEntry.comment],
    "NOTE_LENGTH": [Step.note],
    "FILENAME_LENGTH": [Attachment.original_name],
    "TARGET_NOTE_LENGTH": [Target.note],
    "PURPOSE_LENGTH": [Visit.purpose],
    "OUTCOME_LENGTH": [Visit.outcome],
    "ACTION_LENGTH": [VisitFollowUp.action],
    "HOST_NOTE_LENGTH": [Visit.host_note],
    "APPLICANT_NAME_LENGTH": [CaseApplication.full_name],
    "APPLICATION_JOB_LENGTH": [CaseApplication.job],
    "APPLICATION_REASON_LENGTH": [CaseApplication.reason],
    "APPLICATION_CONTACT_LENGTH": [ApplicationLink.contact],
    "APPLICATION_LINK_TOKEN_LENGTH": [ApplicationLink.token],
    "UNIT_NAME_LENGTH": [OrgUnit.name],
    "REASON_LENGTH": [GrassrootsUnion.dissolution_reason, UnitEvent.comment],
    "DECISION_SUFFIX_LENGTH": [UnitDecisionSuffix.suffix],
    "LIST_NAME_LENGTH": [SavedList.name],
    "BULK_ACTION_LENGTH": None,
    "PASSWORD_LENGTH": None,
    "TAX_CODE_TYPED_LENGTH": None,
    "TRIGGER_TEXT_LENGTH": None,
    "FILENAME_EXTENSION_LENGTH": None,
    "FILTER_LENGTH": None,
    "PHONE_TEXT_LENGTH": None,
    "MONTH_TEXT_LENGTH": None,
}


def _most(value) -> int:
    return value.most if isinstance(value, limits.Range) else value


def test_every_text_limit_is_classified():
    lengths = {name for name in vars(limits) if name.endswith("_LENGTH")}
    assert lengths == set(STORED), "say in STORED which columns a new *_LENGTH limit fills"


@pytest.mark.parametrize("name", sorted(n for n, columns in STORED.items() if columns))
def test_no_text_limit_exceeds_its_column(name):
    most = _most(getattr(limits, name))
    for column in STORED[name]:
        length = column.property.columns[0].type.length  # None: a text column, unbounded
        assert length is None or most <= length, f"{name} = {most} > {column} ({length})"


def test_the_years_are_the_years_the_targets_table_checks():
    [check] = [c for c in Target.__table__.constraints
               if isinstance(c, sa.CheckConstraint) and c.name.endswith("year_range")]
    assert str(check.sqltext) == f"year BETWEEN {limits.YEARS.least} AND {limits.YEARS.most}"


def test_ids_fit_an_integer_column():
    assert limits.IDS == (1, 2**31 - 1)


# --- disagreements resolved ---------------------------------------------------------------------
# Years: trigger dates (and steps, visits, follow-ups) took 1990 to 2100 (workflow/data.py),
# targets and the timings 2000 to 2100: every date now takes limits.YEARS.

def test_a_date_takes_the_years_and_no_other():
    day = FIELD_TYPES["date"].schema(Field("held_on", "date", "Date"), True)  # a trigger's date

    def parse_date(typed):
        return day.deserialize(typed)

    assert parse_date(f"{limits.YEARS.least}-01-01") == date(limits.YEARS.least, 1, 1)
    assert parse_date(f"{limits.YEARS.most}-12-31") == date(limits.YEARS.most, 12, 31)
    for outside in (f"{limits.YEARS.least - 1}-12-31", f"{limits.YEARS.most + 1}-01-01",
                    "1995-06-30"):  # 1990s dates were accepted before
        with pytest.raises(ValidationError) as refused:
            parse_date(outside)
        [refusal] = refused.value.messages
        assert refusal.code == GuardFailed.code
        assert refusal.message == "%(label)s: date out of range"


def _browser(app, user) -> Browser:
    user.set_password(PASSWORD)
    db.session.commit()
    browser = Browser(app)
    assert browser.login(user).status_code == 302
    return browser


def test_the_form_and_the_api_refuse_a_step_dated_before_the_years_alike(app, client):
    team = make_team()
    case = make_case(team.organiser)
    before = f"{limits.YEARS.least - 1}-12-31"
    step = {"kind": "other", "date": before, "note": "Ghi chú"}
    response = Api(client, team.organiser).post(f"/cases/{case.id}/steps", step)
    assert response.status_code == 422
    refused = error_of(response)
    assert refused["field"] == "date" and "date out of range" in refused["message"]

    page = _browser(app, team.organiser).submit(
        f"/cases/{case.id}", {**step, "applications_vietnamese": "0",
                              "applications_foreign": "0"},
        post_url=f"/cases/{case.id}/steps")
    assert page.status_code == 422
    assert refused["message"] in text(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == 0


# Names: MAX_NAME was 200 in services/units.py and 300 in services/enterprises.py. They are two
# limits, each its column's: NAME_LENGTH (a unit's or a person's name, 200) and
# ENTERPRISE_NAME_LENGTH (an enterprise's registered name, 300).

def _form_errors(app, form_class, data: dict) -> dict:
    """The messages `form_class` gives for `data`, field by field (as the page shows them)."""
    with app.test_request_context("/", method="POST"):
        form = form_class(formdata=MultiDict(data))
        form.validate()
        return {name: [str(m) for m in field.errors]
                for name, field in form._fields.items() if field.errors}


def test_an_enterprise_name_takes_its_own_length_on_the_api_and_the_form(app, client):
    team = make_team()
    api = Api(client, team.organiser)
    most = limits.ENTERPRISE_NAME_LENGTH
    assert most > limits.NAME_LENGTH    # longer than a unit's name may be

    def create(name):
        return api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79", "target_members": 50,
                                   "enterprises": [enterprise(name)]})

    assert create("C" * most).status_code == 201
    response = create("C" * (most + 1))
    assert response.status_code == 422
    refused = error_of(response)
    assert refused["field"] == "enterprises.0.name"
    assert re.search(rf"\b{most}\b", refused["message"])

    row = {"name": "C" * (most + 1), "tax_code": tax_code(), "province": "79",
           "workforce": "120", "ownership": "private", "sector": ""}
    [message] = _form_errors(app, EnterpriseForm, row)["name"]
    assert re.search(rf"\b{most}\b", message)   # the same limit, said next to the field
    assert "name" not in _form_errors(app, EnterpriseForm, row | {"name": "C" * most})
    page = _browser(app, team.organiser).submit("/cases/new", {
        "kind": "grassroots", "unit": "LDLD-79", "organiser": "", "target_members": "50",
        "submit": "x", **{f"enterprises-0-{key}": value for key, value in row.items()}})
    assert page.status_code == 422 and message in text(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_a_unit_name_takes_the_name_length_in_the_form_and_the_service(app):
    most = limits.NAME_LENGTH
    fields = {"code": "CD-THU", "type": "commune_union", "parent": "LDLD-79", "province": ""}
    [message] = _form_errors(app, UnitForm, fields | {"name": "U" * (most + 1)})["name"]
    assert re.search(rf"\b{most}\b", message)
    assert "name" not in _form_errors(app, UnitForm, fields | {"name": "U" * most})
    with pytest.raises(Invalid, match=rf"\b{most}\b"):
        create_unit(code="CD-THU", name="U" * (most + 1), type_="commune_union",
                    parent_code="LDLD-79")
    db.session.rollback()
    assert create_unit(code="CD-THU", name="U" * most, type_="commune_union",
                       parent_code="LDLD-79").name == "U" * most
    db.session.rollback()


# Filters: the pipeline cut a filter typed in the URL at 100 characters, the case and visit
# lists at 200: all three cut at FILTER_LENGTH.

def test_the_pipeline_and_the_case_list_cut_a_filter_alike():
    typed = MultiDict({"sector": "s" * (limits.FILTER_LENGTH + 50)})
    assert PipelineFilters.from_args(typed).sector == "s" * limits.FILTER_LENGTH
    assert CaseFilters.from_args(typed).sector == PipelineFilters.from_args(typed).sector
