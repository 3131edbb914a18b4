"""Bad input is never a 5xx: control characters in a query string, page numbers past any
table, and no user input ever in the SQL text."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.services.queries import CaseFilters, case_count, case_list_query
from tests.helpers import PASSWORD, bearer, error_of, new_user
from tests.browser import browser  # noqa: F401

CASE_FILTERS = ("q", "unit", "organiser", "province", "sector", "ownership", "managed_by")
PAGES = ["/cases", "/leadership/pipeline", "/leadership/timings", "/leadership/targets",
         "/leadership/exports/cases.csv", "/leadership/exports/pipeline.xlsx",
         "/leadership/exports/targets.csv", "/visits/", "/notifications/"]
API = ["/api/v1/cases", "/api/v1/visits", "/api/v1/approvals", "/api/v1/pipeline"]
CONTROL = ["a\x00b", "a\x1bb", "a\nb", "a\x7fb", "a\x85b"]


@pytest.fixture
def leader():
    return new_user("leader", "VGCL", password=PASSWORD)


@pytest.mark.parametrize("path", PAGES)
def test_a_control_character_in_a_query_parameter_of_a_page_is_a_400(browser, leader, path):
    user = browser(leader)
    for name in CASE_FILTERS:
        response = user.get(path, query_string={name: "a\x00b"})
        assert response.status_code == 400, (path, name, response.status_code)
        assert "must not contain control characters" in response.get_data(as_text=True)
    assert user.get(path, query_string={"province": "79"}).status_code in (200, 302)


def test_every_control_character_and_every_parameter_name_is_refused(browser, leader):
    user = browser(leader)
    for value in CONTROL:
        assert user.get("/cases", query_string={"q": value}).status_code == 400, value
        assert user.get("/cases", query_string={value: "x"}).status_code == 400, value
    assert user.get("/cases", query_string={"q": "Công ty\tMay"}).status_code == 400
    assert user.get("/cases", query_string={"q": "Công ty May"}).status_code == 200


@pytest.mark.parametrize("path", API)
def test_a_control_character_in_a_query_parameter_of_the_api_is_a_422(client, path):
    headers = bearer(new_user("leader", "VGCL"))
    response = client.get(path, query_string={"unit": "a\x00b"}, headers=headers)
    assert response.status_code == 422, (path, response.status_code)
    assert error_of(response) == {"code": "invalid", "field": "unit",
                                  "message": "The query string must not contain control "
                                             "characters"}


@pytest.mark.parametrize("typed, key", [("May' OR 'x%_/", "may' or 'x"),  # a long text
                                        ("'%", "'/%")])  # short: a scan on SQLite too
def test_the_search_text_is_bound_never_part_of_the_sql(app, typed, key):
    """The pattern of ?q= reaches the database as a parameter: nothing typed is SQL text."""
    user = new_user("supervisor", "LDLD-79", password=PASSWORD)
    statements = []

    def seen(_conn, _cursor, statement, parameters, _context, _many):
        values = parameters.values() if isinstance(parameters, dict) else parameters
        statements.append((statement, " ".join(str(value) for value in values)))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        db.session.execute(case_list_query(user, CaseFilters(q=typed))).all()
        case_count(user, CaseFilters(q=typed))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert not [sql for sql, _params in statements if key in sql.lower()]
    assert [params for _sql, params in statements if key in params]


def test_postgresql_plans_each_search_with_its_pattern(app):
    """Statements are never prepared server-side (psycopg's prepare_threshold=None): each
    is planned with its values, so a bound LIKE pattern still uses the trigram index."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with db.engine.connect() as connection:
        assert connection.connection.driver_connection.prepare_threshold is None


@pytest.mark.parametrize("path", ["/cases", "/visits/", "/notifications/"])
def test_a_page_number_past_any_table_is_a_page_not_an_error(browser, leader, path):
    user = browser(leader)
    for page in ("99999999999999999999", "2147483648", "1000001", "-1", "0", "x", "²"):
        response = user.get(path, query_string={"page": page})
        assert response.status_code == 200, (path, page, response.status_code)


def test_a_year_past_any_table_shows_this_years_target(browser, leader):
    response = browser(leader).get("/leadership/targets/edit",
                                   query_string={"year": "99999999999999999999"})
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["99999999999999999999", "1000001", "0", "-1", "x"])
def test_the_api_refuses_a_page_number_past_its_bound(client, page):
    headers = bearer(new_user("leader", "VGCL"))
    for path in ("/api/v1/cases", "/api/v1/visits"):
        response = client.get(path, query_string={"page": page}, headers=headers)
        assert response.status_code == 400, (path, page)
        assert error_of(response)["field"] == "page"
        response = client.get(path, query_string={"per_page": page}, headers=headers)
        assert response.status_code == 400, (path, page)


def test_a_405_names_the_allowed_methods(client):
    """RFC 9110: a 405 carries `Allow`, on the API (JSON) and on the pages alike."""
    api = client.delete("/api/v1/workflow")
    assert api.status_code == 405 and api.is_json
    assert set(api.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "OPTIONS"}
    page = client.put("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_upcoming_takes_yes_or_no_and_refuses_anything_else(client):
    headers = bearer(new_user("leader", "VGCL"))
    for value in ("1", "on", "0", "false", ""):
        assert client.get("/api/v1/visits", query_string={"upcoming": value},
                          headers=headers).status_code == 200, value
    refused = client.get("/api/v1/visits", query_string={"upcoming": "null"}, headers=headers)
    assert refused.status_code == 422 and error_of(refused)["field"] == "upcoming"
