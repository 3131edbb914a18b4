"""The workflow page draws every flow's diagram in the browser, with the Mermaid copy the app
serves, on a phone and on a desktop, without a console error (the CSP forbids inline scripts)."""
from __future__ import annotations

import pytest

from casework.workflow.definition import FLOWS

from .conftest import NO_PLAYWRIGHT, ORGANISER, log_in

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect


@pytest.mark.e2e
@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_workflow_page_draws_every_flow(open_browser, problems, shots, phone):
    page = open_browser("organiser", phone=phone)
    log_in(page, ORGANISER[0])
    page.goto("/workflow")
    diagrams = page.locator("[data-workflow-diagram] svg")
    expect(diagrams).to_have_count(len(FLOWS))
    for flow, svg in zip(FLOWS, diagrams.all()):
        for name, _label in flow.states:
            expect(svg.locator(f'g.node.statediagram-state[id*="-state-{name}-"]')).to_have_count(1)
    # "Đã công bố": the last state of the grassroots flow, in Vietnamese
    expect(diagrams.first).to_contain_text("Đã công bố")
    screen = "phone" if phone else "desktop"
    shots(page, f"workflow-{screen}")
    shots(page.locator("section.card").first, f"workflow-{screen}-grassroots")
    assert problems.items == []
