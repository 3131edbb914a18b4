"""No N+1: the pages and API calls a national server serves most run a fixed number of queries,
whatever the number of cases, steps and history rows (the national benchmark, bench/run.py,
measures their time; this checks the count)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import g

from casework.extensions import db
from tests.helpers import bearer, log, make_case, make_team, new_user, walk_to

MANY = 12


@contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def queries(client, url: str, **kwargs) -> int:
    """The statements one request sends (after the session forgot everything it had loaded)."""
    db.session.expire_all()
    for key in list(vars(g)):      # the tests share an app context with the requests
        delattr(g, key)
    with counting() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


def signed_in(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def team():
    return make_team("LDLD-79")


def grow(team, count: int, *, start: int = 0) -> list:
    """`count` more cases, each with a few steps and some history (several enterprises on the
    small-units ones)."""
    cases = []
    for i in range(start, start + count):
        kind = "small_units" if i % 3 == 2 else "grassroots"
        case = make_case(team.organiser, kind)
        log(case, team.organiser)
        log(case, team.organiser, "worker_meeting")
        if i % 2:
            walk_to(case, "outreach", team)
        cases.append(case)
    return cases


def test_case_list_page(app, team):
    client = signed_in(app, team.supervisor)
    grow(team, 2)
    queries(client, "/cases")          # warm-up: the first request loads the settings
    few = queries(client, "/cases")
    grow(team, MANY, start=2)
    assert queries(client, "/cases") == few
    queries(client, "/cases?q=may")    # warm-up: the first search looks for SQLite's index
    assert queries(client, "/cases?q=may") == queries(client, "/cases?q=may&province=79")


def test_case_list_page_of_a_national_leader(app, team):
    leader = new_user("leader", "VGCL")
    client = signed_in(app, leader)
    grow(team, 2)
    queries(client, "/cases?province=79")
    few = queries(client, "/cases?province=79")
    grow(team, MANY, start=2)
    assert queries(client, "/cases?province=79") == few


def test_case_detail_page(app, team):
    client = signed_in(app, team.supervisor)
    small, = grow(team, 1)
    # in the same state as the big one: the triggers offered, and the guards that say whether
    # each can pass yet, depend on the state, not on the length of the case's history
    walk_to(small, "mobilising", team)
    queries(client, f"/cases/{small.id}")
    few = queries(client, f"/cases/{small.id}")
    big = make_case(team.organiser)
    for _ in range(MANY):
        log(big, team.organiser)
    walk_to(big, "mobilising", team)
    assert queries(client, f"/cases/{big.id}") == few


def test_pipeline_page_and_api(app, team):
    leader = new_user("leader", "VGCL")
    client = signed_in(app, leader)
    headers = bearer(leader)
    grow(team, 2)
    page = "/leadership/pipeline?by=province"
    api = "/api/v1/pipeline?by=province"
    queries(client, page)
    few_page, few_api = queries(client, page), queries(client, api, headers=headers)
    grow(team, MANY, start=2)
    assert queries(client, page) == few_page
    assert queries(client, api, headers=headers) == few_api
    # one aggregation statement: the API's own queries are the token, the user, the setting,
    # the provinces and the counts, then the membership figures of the provinces (admitted and
    # net growth: the tallies, the founded unions)
    assert few_api <= 11


def test_api_case_list_and_case(app, team):
    client = app.test_client()
    headers = bearer(team.supervisor)
    first, = grow(team, 1)
    queries(client, "/api/v1/cases", headers=headers)
    few = queries(client, "/api/v1/cases", headers=headers)
    few_one = queries(client, f"/api/v1/cases/{first.id}", headers=headers)
    cases = grow(team, MANY, start=1)
    assert queries(client, "/api/v1/cases", headers=headers) == few
    # a search asks SQLite's trigram index once first (casework/search_index.py)
    probe = 1 if db.engine.dialect.name == "sqlite" else 0
    queries(client, "/api/v1/cases?q=cong+ty", headers=headers)   # warm-up: finds the index
    assert queries(client, "/api/v1/cases?q=cong+ty", headers=headers) == few + probe
    assert queries(client, f"/api/v1/cases/{cases[-1].id}", headers=headers) == few_one


def test_the_register_page_does_not_grow_with_its_rows(app):
    """The register page (casework/views/register.py): one query for its rows, one for the
    phones seen in other open cases, whatever the number of rows (bench/applications.py times
    it with 2,000 applications)."""
    from casework.schemas.applications import ApplicationInput, load
    from casework.services.applications import add_application, change_status
    from casework.transaction import commit

    team = make_team()
    case, other = make_case(team.organiser), make_case(team.organiser)
    client = signed_in(app, team.organiser)
    url = f"/cases/{case.id}/register"

    def add(n: int) -> None:
        add_application(other, team.organiser, load(ApplicationInput, {
            "full_name": f"Người Khác {n}", "phone": f"09{n:08d}"}))
        application = add_application(case, team.organiser, load(ApplicationInput, {
            "full_name": f"Nguyễn Văn {n}", "phone": f"09{n:08d}", "job": "Thợ may",
            "birth_date": "1990-05-01"}))
        commit()
        if n % 2:
            change_status(application, team.organiser, status="verified",
                          version=application.version)
            commit()

    for n in range(2):
        add(n)
    few = queries(client, url)
    for n in range(2, MANY * 2):
        add(n)
    assert queries(client, url) == few
