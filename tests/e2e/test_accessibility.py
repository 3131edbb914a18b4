"""axe-core over the main pages, signed in, on a desktop and on a phone: no serious or critical
violation (colour contrast, names, focusable scrolling regions ...).

axe-core is vendored in tests/e2e/vendor/axe-core (MPL-2.0) and injected by Playwright; the
app never serves it. The CSP forbids injected scripts, so these browser contexts bypass it
(the other browser tests keep it and check that nothing breaks it).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import NO_PLAYWRIGHT, ORGANISER, PASSWORD, PHONE, DESKTOP, UNIT, log_in

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
LEADER = "thao.leader@vgcl.vn"
SEVERE = ("serious", "critical")
PAGES = ["/login", "/cases", "/cases?organiser=me", "/cases/new", "/cases/{case}",
         "/cases/{case}/transitions/put_on_hold", "/approvals", "/notifications/",
         "/imports/", "/leadership/pipeline", "/leadership/pipeline?view=detail",
         "/leadership/timings", "/leadership/targets", "/visits/", "/workflow"]


@pytest.fixture(scope="module")
def case_id(live_app) -> int:
    """A case of the organiser's, and a national leader (the pipeline's map)."""
    import sqlalchemy as sa

    from casework.extensions import db
    from casework.models import User
    from casework.services.cases import create_case
    from casework.services.enterprises import tax_code_with_check_digit
    from casework.services.users import create_user

    with live_app.app.app_context():
        organiser = db.session.scalar(sa.select(User).where(User.email == ORGANISER[0]))
        case = create_case(organiser, kind="grassroots", unit=UNIT, target_members=60,
                           enterprises=[{"name": "Công ty TNHH May Mặc Ánh Dương",
                                         "tax_code": tax_code_with_check_digit("031987654"),
                                         "province": "79",
                                         "workforce": 300, "ownership": "private",
                                         "sector": "textile_garment"}])
        if db.session.scalar(sa.select(User.id).where(User.email == LEADER)) is None:
            create_user(email=LEADER, name="Lê Thị Thảo", role="leader", unit_code="VGCL",
                        password=PASSWORD)
        db.session.commit()
        made = case.id
        db.session.remove()
    return made


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ': ' +
                                            (n.failureSummary || '').split('\\n')[1])}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {'; '.join(v['nodes'])}"
            for v in found if v["impact"] in SEVERE]


@pytest.mark.e2e
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_main_pages_have_no_serious_accessibility_violation(chromium, live_app, case_id,
                                                                phone):
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone \
        else {"viewport": DESKTOP}
    found: dict[str, list[str]] = {}
    for who in (ORGANISER[0], LEADER):
        context = chromium.new_context(base_url=live_app.url, locale="vi-VN",
                                       timezone_id="Asia/Ho_Chi_Minh", bypass_csp=True,
                                       **options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            pages = PAGES
            if who == LEADER:   # what a national leader reads
                pages = ["/leadership/pipeline", "/leadership/targets", "/visits/coverage"]
            else:
                page.goto("/login")
                found.update({"/login": _violations(page)})
            log_in(page, who)
            for path in pages:
                if path == "/login":
                    continue
                page.goto(path.format(case=case_id))
                if page.locator("details#workflow").count():   # the case's diagram, shown
                    page.locator("details#workflow > summary").click()
                problems = _violations(page)
                if problems:
                    found[f"{who} {page.url}"] = problems
        finally:
            context.close()
    found = {k: v for k, v in found.items() if v}
    assert found == {}, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())
