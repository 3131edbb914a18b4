"""Bad input to the HTML forms (new case, log step, every trigger form, approval decision),
posted as a browser would, with a valid CSRF token: never a 5xx; a refused post shows the form
again with the error; nothing is written (tests/fuzzing.py has the strategies)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.extensions import db
from casework.workflow.definition import DOCUMENTS, FLOWS, Trigger
from tests.fuzzing import (BAD_DATES, DIGIT_LIKE, DIGIT_TRAPS, MISSING, describe, fuzz_settings,
                           maybe, pick, snapshot, text_junk, vietnamese)
from tests.helpers import (PASSWORD, TODAY, fire, make_case, make_team, new_user, prepare, tax_code,
                           walk_to)
from tests.browser import CSRF, Browser, text

ERROR_MARKS = ('class="invalid-feedback', "alert-danger", "alert-warning")


def form_text() -> st.SearchStrategy:
    """What a browser can send in a field: any text (no lone surrogates: a browser encodes
    what it sends as UTF-8)."""
    return text_junk(surrogates=False)


def form_int() -> st.SearchStrategy:
    return st.one_of(st.integers(-10**6, 10**7).map(str),
                     st.sampled_from(("-1", "1e3", "1.5", "99999999999999999999999", "0x10",
                                      " 7 ", "+3", "٣") + DIGIT_LIKE + DIGIT_TRAPS),
                     form_text())


def form_date() -> st.SearchStrategy:
    return st.one_of(st.sampled_from(BAD_DATES), form_text(),
                     st.dates().map(lambda d: d.isoformat()))


@st.composite
def form_data(draw, fields: dict[str, st.SearchStrategy]) -> dict:
    data = {}
    for name, strategy in fields.items():
        value = draw(strategy)
        if value is not MISSING:
            data[name] = value
    return data


def logged_in(app, user) -> Browser:
    browser = Browser(app)
    response = browser.login(user, PASSWORD)
    assert response.status_code == 302, text(response)
    return browser


def csrf_of(browser: Browser, page: str) -> str:
    return browser.token(page)


def check_form_response(response, before: dict, *, accepted_status=(302,)) -> bool:
    """True when the post was accepted (a redirect); otherwise it must be refused with the
    form shown again and the error on it, and nothing written."""
    assert response.status_code < 500, describe(response)
    if response.status_code in accepted_status:
        return True
    assert 400 <= response.status_code < 500, describe(response)
    page = text(response)
    if response.status_code == 413:  # more than the server reads of a form: an error page
        assert "413" in page or "Too Large" in page, describe(response)
    else:
        assert "<form" in page, describe(response)
        assert any(mark in page for mark in ERROR_MARKS), describe(response)
    db.session.rollback()
    assert snapshot() == before, f"a refused post wrote something: {describe(response)}"
    return False


# --- the new-case form ------------------------------------------------------------------------

def test_new_case_form(app):
    organiser = new_user("organiser", "LDLD-79", password=PASSWORD)
    browser = logged_in(app, organiser)
    token = csrf_of(browser, "/cases/new")
    codes = [tax_code() for _ in range(3)]

    def enterprise(i: int) -> dict:
        return {
            f"enterprises-{i}-name": maybe(vietnamese(), form_text()),
            f"enterprises-{i}-tax_code": maybe(st.sampled_from(codes),
                                               st.sampled_from(("0100109105", "01001091066",
                                                                "０１００１０９１０６"))
                                               | form_text()),
            f"enterprises-{i}-province": maybe(st.sampled_from(("79", "38")),
                                               st.sampled_from(("00", "99", "7"))
                                               | form_text()),
            f"enterprises-{i}-workforce": maybe(st.integers(0, 300).map(str), form_int()),
            f"enterprises-{i}-ownership": maybe(st.sampled_from(("private", "fdi")),
                                                form_text()),
            f"enterprises-{i}-sector": maybe(st.sampled_from(("textile_garment", "")),
                                             form_text()),
        }

    fields = {
        "kind": maybe(st.sampled_from(("grassroots", "small_units", "conglomerate_pilot")),
                      form_text()),
        "unit": maybe(st.just("LDLD-79"), st.sampled_from(("VGCL", "LDLD-01")) | form_text()),
        "organiser": maybe(st.sampled_from(("", organiser.email)), form_text()),
        "target_members": maybe(st.integers(0, 500).map(str), form_int()),
        **enterprise(0),
        **{k: pick((3, st.just(MISSING)), (1, v)) for k, v in enterprise(1).items()},
    }

    @given(data=form_data(fields))
    @fuzz_settings(max_examples=40)
    def run(data):
        before = snapshot()
        response = browser.post("/cases/new", data={"csrf_token": token, "submit": "Create",
                                                     **data})
        check_form_response(response, before)

    run()


# --- the log-step form on the case page -------------------------------------------------------

def test_log_step_form(app):
    organiser = new_user("organiser", "LDLD-79", password=PASSWORD)
    case = make_case(organiser)
    browser = logged_in(app, organiser)
    token = csrf_of(browser, f"/cases/{case.id}")
    fields = {
        "kind": maybe(st.sampled_from(("contact_employer", "applications_collected")),
                      form_text()),
        "date": maybe(st.just(TODAY.isoformat()), form_date()),
        "note": maybe(vietnamese(), form_text()),
        "applications_vietnamese": maybe(st.integers(-2, 9).map(str), form_int()),
        "applications_foreign": maybe(st.integers(0, 9).map(str), form_int()),
    }

    @given(data=form_data(fields))
    @fuzz_settings(max_examples=50)
    def run(data):
        before = snapshot()
        response = browser.post(f"/cases/{case.id}/steps",
                                data={"csrf_token": token, "submit": "Log", **data})
        check_form_response(response, before)

    run()


# --- every trigger's form ---------------------------------------------------------------------

def good_field(field) -> st.SearchStrategy:
    if field.type == "date":
        return st.sampled_from((TODAY.isoformat(), (TODAY + timedelta(days=7)).isoformat()))
    if field.type == "int":
        return st.integers(0, 2000).map(str)
    if field.type == "text":
        return vietnamese()
    if field.type == "names":
        return st.lists(vietnamese(), min_size=1, max_size=4).map("\n".join)
    return st.just(list(DOCUMENTS))


def bad_field(field) -> st.SearchStrategy:
    if field.type == "date":
        return form_date()
    if field.type == "int":
        return form_int()
    if field.type == "names":
        return st.one_of(form_text(), st.lists(form_text(), max_size=4).map("\n".join),
                         st.just(",".join(["Nguyễn Thị Lan"] * 300)))
    if field.type == "documents":
        return st.lists(st.sampled_from(DOCUMENTS + ("passport", "", "COVER_LETTER"))
                        | form_text(), max_size=9)
    return form_text()


TRIGGERS = [(flow.kinds[0], trigger) for flow in FLOWS for trigger in flow.triggers]


def setup_for(kind: str, trigger: Trigger):
    team = make_team()
    case = make_case(team.organiser, kind)
    walk_to(case, "on_hold" if trigger.name == "resume" else trigger.sources[0], team)
    prepare(case, team.organiser, trigger.name)
    db.session.refresh(case)
    return team, case


def with_password(user):
    from casework.services.users import set_password
    set_password(user, PASSWORD)
    db.session.commit()
    return user


@pytest.mark.parametrize("kind,trigger", TRIGGERS,
                         ids=[f"{kind}-{t.name}" for kind, t in TRIGGERS])
def test_trigger_form(app, kind, trigger):
    team, case = setup_for(kind, trigger)
    browser = logged_in(app, with_password(team.supervisor))
    state = {"case": case}
    page = f"/cases/{case.id}/transitions/{trigger.name}"
    token = csrf_of(browser, page)
    fields = {f.name: maybe(good_field(f), bad_field(f)) for f in trigger.fields}
    fields["comment"] = maybe(st.just("Doanh nghiệp tạm ngừng sản xuất"), form_text())
    fields["version"] = maybe(st.just("current"), st.sampled_from(("0", "999", "", "v1"))
                              | form_int(), valid_weight=30)

    @given(data=form_data(fields))
    @fuzz_settings(max_examples=6)
    def run(data):
        current = state["case"]
        db.session.refresh(current)
        if data.get("version") == "current":
            data["version"] = str(current.version)
        before = snapshot()
        response = browser.post(f"/cases/{current.id}/transitions/{trigger.name}",
                                data={"csrf_token": token, **data})
        if check_form_response(response, before):
            state["case"] = setup_for(kind, trigger)[1]

    run()


# --- the approval decision form ---------------------------------------------------------------

def pending_approval(team):
    case = make_case(team.organiser)
    walk_to(case, "dossier_submitted", team)
    _outcome, approval = fire(case, team.organiser, "recognise")
    return approval


def test_decision_form(app):
    team = make_team()
    state = {"approval": pending_approval(team)}
    browser = logged_in(app, with_password(team.supervisor))
    page = browser.get("/approvals")
    token = CSRF.search(page.get_data(as_text=True)).group(2)

    @given(comment=maybe(st.sampled_from(("Đồng ý", "")), form_text()),
           button=st.sampled_from(("approve", "reject", "both", "none")),
           next_url=st.one_of(st.just(MISSING), st.sampled_from(
               ("/approvals", "//evil.example", "https://evil.example/", "\\\\evil", ""))
               | form_text()))
    @fuzz_settings(max_examples=25)
    def run(comment, button, next_url):
        approval = state["approval"]
        prefix = f"a{approval.id}-"
        data = {"csrf_token": token}
        if comment is not MISSING:
            data[prefix + "comment"] = comment
        if button in ("approve", "both"):
            data[prefix + "approve"] = "Approve"
        if button in ("reject", "both"):
            data[prefix + "reject"] = "Reject"
        if next_url is not MISSING:
            data["next"] = next_url
        before = snapshot()
        response = browser.post(f"/approvals/{approval.id}/decision", data=data)
        if check_form_response(response, before):
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//") \
                and "\\" not in location, location  # never an open redirect
            state["approval"] = pending_approval(team)

    run()
