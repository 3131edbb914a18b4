"""The public application page under any input: never a 5xx; a refused post writes nothing and
answers the form again with the error next to the field; an accepted one writes exactly one
received online application."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from casework.extensions import db
from casework.models import AuditEntry, CaseApplication
from casework.services.application_links import open_link
from casework.transaction import commit
from tests.fuzzing import MISSING, fuzz_settings, maybe, text_junk
from tests.helpers import make_case, make_team

FORM = {
    "full_name": maybe("Nguyễn Thị Lan", text_junk(surrogates=False)),
    "birth_date": maybe("1994-02-03", text_junk(surrogates=False)),
    "gender": maybe("female", text_junk(surrogates=False)),
    "phone": maybe("0912 345 678", text_junk(surrogates=False)),
    "job": maybe("Tổ may 3", text_junk(surrogates=False)),
    "nationality": maybe("VN", st.sampled_from(["KR", "kr", "XX", "", "VNM", "Việt"])),
    "contract_12_months": maybe("", st.sampled_from(["yes", "no", "maybe"])),
    "consent": maybe("yes", st.sampled_from(["", "no", "on"])),
    "website": maybe(MISSING, st.sampled_from(["", "http://spam.example"]), drop=False,
                     valid_weight=20),
}


def rows() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(CaseApplication)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)))


@pytest.fixture
def path() -> str:
    """The page of an open link (built once per test: the examples share it)."""
    team = make_team()
    link = open_link(make_case(team.organiser), team.organiser)
    commit()
    return f"/apply/{link.token}"


@given(form=st.fixed_dictionaries(FORM))
@fuzz_settings(60)
def test_the_public_form_never_fails_and_a_refusal_writes_nothing(app, path, form):
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {k: v for k, v in form.items() if v is not MISSING}
    before = rows()
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    after = rows()
    if response.status_code == 200 and "website" in data and data["website"]:
        assert after == before  # the honeypot: answered like a person, nothing written
    elif response.status_code == 200:
        assert after[0] == before[0] + 1
        newest = db.session.scalar(sa.select(CaseApplication).order_by(CaseApplication.id.desc()))
        assert (newest.channel, newest.status) == ("online", "received")
        assert newest.reference in response.get_data(as_text=True)
    else:
        assert response.status_code == 422, response.status_code
        assert after == before
        assert 'class="error"' in response.get_data(as_text=True)
