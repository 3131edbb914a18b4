"""Workers' names (committee, chair, notes) reach only the people who work the case."""
from __future__ import annotations

from casework.services.users import set_password
from casework.transaction import commit
from tests.helpers import PASSWORD, bearer, make_case, make_team, new_user, walk_to
from tests.browser import browser, text  # noqa: F401


def _case_with_names():
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    walk_to(case, "congress_held", team)
    return team, case


def test_organisers_and_supervisors_see_names(client):
    team, case = _case_with_names()
    for person in (team.organiser, team.supervisor):
        body = client.get(f"/api/v1/cases/{case.id}", headers=bearer(person)).get_json()
        assert body["details"]["hold_congress"]["chair"]
        assert body["details"]["form_committee"]["committee_head"]
        assert any(step["note"] for step in body["steps"])


def test_leaders_and_admins_read_the_case_without_names(client):
    team, case = _case_with_names()
    for person in (new_user("leader", "LDLD-79"), new_user("admin", "VGCL")):
        response = client.get(f"/api/v1/cases/{case.id}", headers=bearer(person))
        assert response.status_code == 200
        body = response.get_json()
        congress = body["details"]["hold_congress"]
        assert "chair" not in congress and "committee_members" not in congress
        assert congress["attendance"] >= 5          # the figures stay visible
        assert "committee_head" not in body["details"]["form_committee"]
        assert all(step["note"] is None for step in body["steps"])
        for entry in body["history"]:
            assert not {"chair", "committee_members", "committee_head"} & set(entry["data"])
        page = client.get(f"/cases/{case.id}")  # (no session: the page needs a login)
        assert page.status_code in (302, 401)


def _with_password(user):
    set_password(user, PASSWORD)
    commit()
    return user


def test_the_case_page_hides_names_from_leaders(browser):
    team, case = _case_with_names()
    chair = case.details["hold_congress"]["chair"]
    leader = browser(_with_password(new_user("leader", "LDLD-79")))
    page = text(leader.get(f"/cases/{case.id}"))
    assert chair not in page and "shown to organisers and supervisors only" in page
    organiser = browser(_with_password(team.organiser))
    assert chair in text(organiser.get(f"/cases/{case.id}"))
