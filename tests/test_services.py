"""The services under the API: enterprises and tax codes, one active case per enterprise, steps
and the application counters, the append-only history, settings, search and reassignment."""
from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import AuditEntry, Case, CaseEnterprise, Enterprise, Step
from casework.models.audit import AuditIsAppendOnly
from casework.errors import Conflict, Forbidden, Invalid
from casework.services.cases import create_case, edit_case, reassign
from casework.schemas.base import load
from casework.schemas.cases import CaseInput
from casework.schemas.steps import StepInput
from casework.services.enterprises import normalise_tax_code
from casework.services.queries import CaseFilters, case_list_query
from casework.services.settings import DEFAULTS, get_setting, set_setting
from casework.services.steps import log_step
from casework.services.users import update_user
from casework.transaction import commit
from tests.helpers import (TODAY, enterprise, fire, history, log, make_case, make_team, new_user,
                           walk_to)


@pytest.fixture
def team():
    return make_team("LDLD-79")


# ---------------------------------------------------------------------------------------------
# tax codes


@pytest.mark.parametrize("raw,stored", [
    ("0100109106", "0100109106"),
    (" 0100109106 ", "0100109106"),
    ("0100109106-001", "0100109106-001"),     # a branch: 13 digits written NNNNNNNNNN-NNN
    ("0100109106001", "0100109106-001"),
    ("0300588569", "0300588569"),
])
def test_valid_tax_codes_are_accepted_and_normalised(raw, stored):
    assert normalise_tax_code(raw) == stored


@pytest.mark.parametrize("raw", [
    "0100109107",        # wrong check digit
    "0100109106-000",    # a branch numbered 000 does not exist
    "010010910",         # 9 digits
    "01001091060",       # 11 digits
    "01001O9106",        # a letter O
    "",
    None,
])
def test_invalid_tax_codes_are_refused(raw):
    with pytest.raises(Invalid) as refused:
        normalise_tax_code(raw)
    assert refused.value.field == "tax_code"


def test_case_with_a_bad_tax_code_is_refused_and_names_the_field(team):
    with pytest.raises(Invalid) as refused:
        create_case(team.organiser, **load(CaseInput, {
            "kind": "grassroots", "unit": "LDLD-79",
            "enterprises": [enterprise(code="0100109107")]}))
    assert refused.value.field == "enterprises.0.tax_code"
    assert "not a valid" in refused.value.message


def test_branch_tax_code_case(team):
    case = make_case(team.organiser, enterprises=[enterprise(code="0100109106-001")])
    assert case.enterprises[0].tax_code == "0100109106-001"
    # the head office is another enterprise and may have its own case
    make_case(team.organiser, enterprises=[enterprise(code="0100109106")])


def test_enterprise_names_are_stored_nfc(team):
    decomposed = unicodedata.normalize("NFD", "Công ty TNHH Thanh Hóa")
    case = create_case(team.organiser, **load(CaseInput, {  # as the API and the form load it
        "kind": "grassroots", "unit": "LDLD-79", "enterprises": [enterprise(decomposed)]}))
    assert case.enterprises[0].name == unicodedata.normalize("NFC", decomposed)


# ---------------------------------------------------------------------------------------------
# one active case per enterprise


def test_second_active_case_for_a_tax_code_is_refused(team):
    first = make_case(team.organiser)
    code = first.enterprises[0].tax_code
    other = new_user("organiser", "CD-DETMAY")
    with pytest.raises(Conflict) as refused:
        create_case(other, kind="grassroots", unit="CD-DETMAY",
                    enterprises=[enterprise(code=code)])
    assert refused.value.status == 409 and refused.value.code == "duplicate_case"
    # the sector union may not see LDLD-79's case: told whom to contact, not its reference
    assert first.ref not in refused.value.message
    assert "Liên đoàn Lao động Hồ Chí Minh" in refused.value.message
    db.session.rollback()
    # also inside a small-units case; in the case's own scope, its reference is given
    with pytest.raises(Conflict) as refused:
        create_case(team.organiser, kind="small_units", unit="LDLD-79",
                    enterprises=[enterprise(workforce=5), enterprise(code=code, workforce=5)])
    assert first.ref in refused.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1


def test_same_tax_code_twice_in_one_case_is_refused(team):
    code = enterprise()["tax_code"]
    with pytest.raises(Invalid):
        create_case(team.organiser, kind="small_units", unit="LDLD-79",
                    enterprises=[enterprise(code=code, workforce=5),
                                 enterprise(code=code, workforce=6)])


@pytest.mark.parametrize("end", ["founded", "closed"])
def test_a_new_case_is_allowed_once_the_first_is_finished(team, end):
    first = walk_to(make_case(team.organiser), end, team)
    recorded = first.enterprises[0].name
    code = first.enterprises[0].tax_code
    second = make_case(team.organiser, enterprises=[enterprise("Tên mới", code=code)])
    # the new case records the enterprise anew; the first keeps what it recorded
    assert second.enterprises[0].id != first.enterprises[0].id
    assert second.enterprises[0].name == "Tên mới"
    db.session.expire_all()
    assert first.enterprises[0].name == recorded
    links = db.session.scalars(sa.select(CaseEnterprise).where(
        CaseEnterprise.tax_code == code)).all()
    assert sorted((link.case_id, link.active) for link in links) == [
        (first.id, False), (second.id, True)]


def test_the_database_refuses_two_active_links_for_one_tax_code(team):
    """Even past the service's check, the partial unique index holds."""
    first = make_case(team.organiser)
    second = make_case(team.organiser)
    recorded = first.enterprises[0]
    copy = Enterprise(name=recorded.name, tax_code=recorded.tax_code, province=recorded.province,
                      workforce=recorded.workforce)
    db.session.add(CaseEnterprise(case_id=second.id, enterprise=copy, position=1))
    with pytest.raises(Conflict):
        commit()


def test_an_enterprise_row_belongs_to_one_case(team):
    first = make_case(team.organiser)
    second = make_case(team.organiser)
    db.session.execute(sa.update(CaseEnterprise).values(active=False))
    db.session.add(CaseEnterprise(case_id=second.id, enterprise_id=first.enterprises[0].id,
                                  tax_code=first.enterprises[0].tax_code, position=1,
                                  active=False))
    with pytest.raises(Conflict):
        commit()


# ---------------------------------------------------------------------------------------------
# creating cases


def test_create_case_records_who_and_where(team):
    case = make_case(team.organiser, enterprises=[enterprise(province="01")],
                     target_members=60)
    assert case.state == "identified"
    assert case.unit.code == "LDLD-79" and case.province.code == "01"
    assert case.organiser_id == team.organiser.id
    assert case.ref == f"01-{case.created_at:%Y}-{case.id:06d}"
    [created] = history(case)
    assert (created.action, created.to_state, created.actor_role, created.actor_unit) == (
        "created", "identified", "organiser", "LDLD-79")


@pytest.mark.parametrize("changes,field", [
    ({"kind": "federation"}, "kind"),
    ({"unit": "LDLD-99"}, "unit"),
    ({"enterprises": []}, "enterprises"),
    ({"enterprises": [enterprise(province="99")]}, "enterprises.0.province"),
    ({"enterprises": [enterprise(workforce=-1)]}, "enterprises.0.workforce"),
    ({"enterprises": [enterprise(ownership="cooperative")]}, "enterprises.0.ownership"),
    ({"enterprises": [enterprise(name="  ")]}, "enterprises.0.name"),
    ({"target_members": -5}, "target_members"),
    ({"organiser": "nobody@test.vn"}, "organiser"),
])
def test_create_case_refuses_bad_input(team, changes, field):
    args = {"kind": "grassroots", "unit": "LDLD-79", "enterprises": [enterprise()], **changes}
    with pytest.raises(Invalid) as refused:  # what the API and the form load, then the service
        create_case(team.organiser, **load(CaseInput, args))
    assert refused.value.field == field


def test_assigned_organiser_must_be_a_case_worker_in_scope(team):
    outsider = new_user("organiser", "LDLD-01")
    leader = new_user("leader", "LDLD-79")
    for person in (outsider, leader):
        with pytest.raises(Invalid) as refused:
            create_case(team.supervisor, kind="grassroots", unit="LDLD-79",
                        enterprises=[enterprise()], organiser=person.email)
        assert refused.value.field == "organiser"
    case = create_case(team.supervisor, kind="grassroots", unit="LDLD-79",
                       enterprises=[enterprise()], organiser=team.organiser.email.upper())
    assert case.organiser_id == team.organiser.id


def test_reassign_and_edit(team):
    case = make_case(team.organiser)
    colleague = new_user("organiser", "LDLD-79")
    with pytest.raises(Forbidden):
        reassign(case, team.organiser, organiser=colleague.email, version=case.version)
    with pytest.raises(Conflict) as stale:
        reassign(case, team.supervisor, organiser=colleague.email, version=case.version + 1)
    assert stale.value.code == "stale_version"
    reassign(case, team.supervisor, organiser=colleague.email, version=case.version,
             comment="Chia lại địa bàn")
    commit()
    assert case.organiser_id == colleague.id
    edit_case(case, team.organiser, version=case.version, target_members=120)
    commit()
    actions = [(e.action, e.data) for e in history(case)][1:]
    assert actions == [("reassigned", {"from": team.organiser.email, "to": colleague.email}),
                       ("edited", {"target_members": [50, 120]})]


# ---------------------------------------------------------------------------------------------
# steps and the application counters


def _sums(case: Case) -> tuple[int, int]:
    row = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(Step.applications_vietnamese), 0),
        sa.func.coalesce(sa.func.sum(Step.applications_foreign), 0))
        .where(Step.case_id == case.id)).one()
    return tuple(row)


def test_case_counters_equal_the_sum_of_steps(team):
    case = make_case(team.organiser)
    rng = random.Random(7)
    for _ in range(25):
        vietnamese, foreign = rng.randint(-3, 8), rng.randint(-2, 3)
        try:
            log(case, team.organiser, "applications_collected", vietnamese=vietnamese,
                foreign=foreign)
        except Invalid:
            db.session.rollback()
        db.session.refresh(case)
        assert (case.applications_vietnamese, case.applications_foreign) == _sums(case)
        assert case.applications_vietnamese >= 0 and case.applications_foreign >= 0


def test_negative_counts_only_correct_never_below_zero(team):
    case = make_case(team.organiser)
    log(case, team.organiser, "applications_collected", vietnamese=6, foreign=2)
    log(case, team.organiser, "applications_collected", vietnamese=-2, note="Hai đơn trùng")
    for vietnamese, foreign in ((-5, 0), (0, -3), (-100, -100)):
        with pytest.raises(Invalid) as refused:
            log(case, team.organiser, "other", vietnamese=vietnamese, foreign=foreign)
        assert "below zero" in refused.value.message
        db.session.rollback()
    db.session.refresh(case)
    assert (case.applications_vietnamese, case.applications_foreign) == (4, 2)
    assert db.session.scalar(sa.select(sa.func.count(Step.id))
                             .where(Step.case_id == case.id)) == 2


def test_a_negative_count_on_a_fresh_case_is_refused(team):
    case = make_case(team.organiser)
    with pytest.raises(Invalid):
        log(case, team.organiser, "applications_collected", vietnamese=-1)


@pytest.mark.parametrize("changes,field", [
    ({"kind": "party"}, "kind"),
    ({"date_": None}, "date"),
    ({"date_": "2026-13-01"}, "date"),
    ({"date_": TODAY + timedelta(days=5)}, "date"),
    ({"applications_vietnamese": "five"}, "applications_vietnamese"),
    ({"applications_foreign": 1.5}, "applications_foreign"),
    ({"applications_vietnamese": True}, "applications_vietnamese"),
    ({"note": "x" * 5001}, "note"),
])
def test_log_step_refuses_bad_input(team, changes, field):
    case = make_case(team.organiser)
    args = {"kind": "worker_meeting", "date_": TODAY, "note": "", **changes}
    args["date"] = args.pop("date_")
    with pytest.raises(Invalid) as refused:  # what the API and the form load, then the service
        values = load(StepInput, args)
        log_step(case, team.organiser, date_=values.pop("date"), **values)
    assert refused.value.field == field


def test_steps_only_by_case_workers(team):
    case = make_case(team.organiser)
    for role in ("leader", "admin"):
        with pytest.raises(Forbidden):
            log_step(case, new_user(role, "LDLD-79"), kind="other", date_=TODAY)


# ---------------------------------------------------------------------------------------------
# the history is append-only and keeps who the actor was


def test_audit_entries_cannot_be_updated_or_deleted(team):
    case = make_case(team.organiser)
    fire(case, team.organiser, "start_outreach")
    entry = history(case, "transition")[0]

    entry.comment = "rewritten"
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()

    db.session.delete(history(case, "transition")[0])
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()

    assert [(e.from_state, e.to_state, e.comment) for e in history(case, "transition")] == [
        ("identified", "outreach", "")]


@pytest.mark.parametrize("statement", [
    sa.update(AuditEntry).values(comment="rewritten"),
    sa.delete(AuditEntry),
    AuditEntry.__table__.update().values(actor_name="someone else"),
    AuditEntry.__table__.delete(),
], ids=["orm-update", "orm-delete", "table-update", "table-delete"])
def test_bulk_statements_cannot_rewrite_history(team, statement):
    case = make_case(team.organiser)
    with pytest.raises(AuditIsAppendOnly):
        db.session.execute(statement)
    db.session.rollback()
    [entry] = history(case)
    assert (entry.action, entry.comment, entry.actor_name) == ("created", "",
                                                               team.organiser.name)
    # other tables are still updated in bulk as usual
    db.session.execute(sa.update(Case).values(target_members=7))
    db.session.commit()


def test_history_keeps_the_actor_as_they_were(team):
    case = make_case(team.organiser)
    fire(case, team.organiser, "put_on_hold", comment="Chờ doanh nghiệp trả lời")
    # the organiser later moves to another unit and becomes a supervisor
    update_user(team.organiser, name="Tên đã đổi", role="supervisor", unit_code="LDLD-01",
                active=True)
    commit()
    entry = history(case, "transition")[0]
    assert (entry.actor_id, entry.actor_role, entry.actor_unit) == (
        team.organiser.id, "organiser", "LDLD-79")
    assert entry.actor_name != "Tên đã đổi"
    assert (entry.trigger, entry.from_state, entry.to_state, entry.comment) == (
        "put_on_hold", "identified", "on_hold", "Chờ doanh nghiệp trả lời")


def test_history_has_one_transition_per_state_change(team):
    case = walk_to(make_case(team.organiser), "founded", team)
    moves = history(case, "transition")
    assert len(moves) == 8
    for before, after in zip(moves, moves[1:]):
        assert before.to_state == after.from_state
    approvals = history(case, "approval_decided")
    assert [(e.trigger, e.actor_role, e.data["decision"]) for e in approvals] == [
        ("recognise", "supervisor", "approve")]


# ---------------------------------------------------------------------------------------------
# settings


def test_settings_have_defaults_and_can_be_changed():
    assert get_setting("min_founders") == DEFAULTS["min_founders"] == 5
    assert get_setting("recognition_deadline_days") == 15
    set_setting("min_founders", 7)
    set_setting("min_founders", 9)
    commit()
    assert get_setting("min_founders") == 9
    with pytest.raises(KeyError):
        set_setting("no_such_setting", 1)


# ---------------------------------------------------------------------------------------------
# search


@pytest.mark.parametrize("query", ["Thanh Hóa", "Thanh Hoá", "thanh hoa", "THANH HOA",
                                   unicodedata.normalize("NFD", "Thanh Hóa"), "  thanh   hoa "])
def test_search_ignores_diacritics_and_case(team, query):
    wanted = make_case(team.organiser,
                       enterprises=[enterprise("Công ty Cổ phần Mía đường Thanh Hóa")])
    make_case(team.organiser, enterprises=[enterprise("Công ty TNHH Điện tử Đông Á")])
    found = db.session.scalars(case_list_query(team.organiser, CaseFilters(q=query))).all()
    assert [c.id for c in found] == [wanted.id]


def test_search_by_tax_code_ref_and_d_stroke(team):
    wanted = make_case(team.organiser, enterprises=[enterprise("Công ty Đông Á")])
    make_case(team.organiser, enterprises=[enterprise("Công ty Hòa Bình")])

    def ids(q):
        return [c.id for c in db.session.scalars(case_list_query(team.organiser,
                                                                 CaseFilters(q=q)))]
    assert ids(wanted.enterprises[0].tax_code) == [wanted.id]
    assert ids(wanted.ref) == [wanted.id]
    assert ids("dong a") == [wanted.id]
    assert ids("100%") == []


def test_enterprise_search_text_is_kept_in_step_with_the_name(team):
    case = make_case(team.organiser, enterprises=[enterprise("Công ty Sài Gòn")])
    row = db.session.get(Enterprise, case.enterprises[0].id)
    assert "sai gon" in row.search_text and row.tax_code in row.search_text

