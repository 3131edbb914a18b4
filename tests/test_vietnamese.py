"""What a Vietnamese reader sees: labels rather than codes, the catalogue's wording where it was
wrong, numbers and dates written one way everywhere."""
from __future__ import annotations

from datetime import timedelta

import pytest
from babel.messages.pofile import read_po

from casework import clock
from tests.helpers import PASSWORD, new_user
from tests.test_translations import VI_PO, compiled_catalogue  # noqa: F401  (a fixture)
from tests.browser import browser, make_case, text  # noqa: F401
from tests.test_visits import headers, people, plan  # noqa: F401  (fixtures and a helper)


def _vi(message_id: str) -> str:
    with VI_PO.open("rb") as f:
        return read_po(f, locale="vi").get(message_id).string


def test_wording_the_first_walk_found_wrong():
    # the import's row column is not "duplicate in the file"
    assert _vi("Row in the file") != _vi("Duplicate in the file")
    # 'identified' must not read as "target" beside the targets ("Chỉ tiêu")
    assert _vi("Target identified") == "Đã xác định"


@pytest.fixture
def team():
    return {"org": new_user("organiser", "LDLD-79", name="Organiser Lan", password=PASSWORD)}


def _vietnamese(b):
    b.client.set_cookie("lang", "vi")
    return b


def test_new_case_kinds_are_vietnamese(browser, team, compiled_catalogue):  # noqa: F811
    page = text(_vietnamese(browser(team["org"])).get("/cases/new"))
    assert "Union of small units" not in page and "Grassroots union at one" not in page
    assert _vi("Union of small units (under 25 members each)") in page


def test_the_flow_chip_names_the_flow(browser, team, compiled_catalogue):  # noqa: F811
    page = text(_vietnamese(browser(team["org"])).get("/cases?flow=grassroots"))
    assert f"{_vi('Workflow')}: {_vi('Grassroots unions')} ×" in page
    assert ": grassroots" not in page


def test_sizes_are_written_with_the_reader_s_decimal_comma(app, compiled_catalogue):  # noqa: F811
    from flask import g
    from casework.i18n import kilobytes, megabytes
    for lang, kb, mb in (("vi", "0,2", "0,5"), ("en", "0.2", "0.5")):
        with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
            g.pop("_flask_babel", None)
            assert (kilobytes(205), megabytes(512 * 1024)) == (kb, mb)
            assert megabytes(20 * 1024 * 1024) == "20"


def test_visits_show_dates_as_cases_do(client, headers, people):  # noqa: F811
    from tests.test_visits import login
    planned = clock.today() + timedelta(days=10)
    visit = plan(client, headers).get_json()
    login(client, people["vgcl_leader"])
    for url in ("/visits/", f"/visits/{visit['id']}"):
        page = text(client.get(url))
        assert planned.strftime("%d/%m/%Y") in page
        assert planned.isoformat() not in page.replace(f'value="{planned.isoformat()}"', "")


def test_error_pages_are_titled_in_the_readers_language(browser, team, compiled_catalogue):  # noqa: F811
    """The browser tab read werkzeug's English status name ("Bad Request · casework")."""
    b = _vietnamese(browser(team["org"]))
    for url, status, title in (("/cases?q=a%00b", 400, "Không thể chấp nhận yêu cầu"),
                               ("/no-such-page", 404, _vi("Not found"))):
        response = b.get(url)
        assert response.status_code == status
        assert f"<title>{title} · casework</title>" in text(response), url
