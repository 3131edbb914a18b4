"""The case list's bulk action in a real browser, on a desktop and on a phone: tick two cases,
put them on hold with one comment, read each outcome; the working lists in the navigation."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import NO_PLAYWRIGHT, SUPERVISOR, UNIT, log_in

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
from playwright.sync_api import expect  # noqa: E402


def _cases(live_app, count: int) -> list[int]:
    import sqlalchemy as sa

    from casework.extensions import db
    from casework.models import User
    from casework.services.cases import create_case
    from casework.transaction import commit
    from tests.helpers import enterprise

    with live_app.app.app_context():
        supervisor = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR[0]))
        ids = []
        for i in range(count):
            case = create_case(supervisor, kind="grassroots", unit=UNIT, target_members=40,
                               enterprises=[enterprise(f"Công ty TNHH Hàng loạt {i}")])
            commit()
            ids.append(case.id)
        db.session.remove()
        return ids


@pytest.mark.parametrize("phone", [False, True], ids=["1280", "375"])
def test_bulk_put_on_hold_from_the_case_list(open_browser, live_app, problems, shots, phone):
    first, second, _third = _cases(live_app, 3)
    page = open_browser("supervisor", phone=phone)
    log_in(page, SUPERVISOR[0])
    page.goto("/cases?state=identified")
    page.check(f'input[name="case_ids"][value="{first}"]')
    page.check(f'input[name="case_ids"][value="{second}"]')
    page.select_option("#bulk-action", "put_on_hold")
    shots(page, f"bulk-list-{'375' if phone else '1280'}")
    page.click('#bulk-form button[type="submit"]')
    expect(page.locator("#bulk-run")).to_be_visible()
    page.fill("#comment", "Doanh nghiệp tạm ngừng sản xuất")
    shots(page, f"bulk-prepare-{'375' if phone else '1280'}")
    page.click('#bulk-run button[type="submit"]')
    expect(page.locator('#bulk-results tr[data-outcome="done"]')).to_have_count(2)
    shots(page, f"bulk-results-{'375' if phone else '1280'}")
    if not phone:  # the built-in working lists, counted, in the navigation
        page.click("#listsmenu")
        expect(page.locator(".dropdown-menu .dropdown-item").first).to_be_visible()
    assert problems.items == []
