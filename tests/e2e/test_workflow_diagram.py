"""The workflow page shows every flow's diagram, drawn on the server as SVG, on a phone and on
a desktop, with no script and without a console error; on a phone the diagram scrolls
sideways in a canvas the keyboard can reach."""
from __future__ import annotations

import pytest

from casework.workflow.definition import FLOWS

from tests.e2e.conftest import NO_PLAYWRIGHT, ORGANISER, log_in

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect


@pytest.mark.e2e
@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_workflow_page_draws_every_flow(open_browser, problems, shots, phone):
    page = open_browser("organiser", phone=phone)
    log_in(page, ORGANISER[0])
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto("/workflow")
    diagrams = page.locator("[data-workflow-diagram] svg")
    expect(diagrams).to_have_count(len(FLOWS))
    for flow, svg in zip(FLOWS, diagrams.all()):
        for name in flow.state_names:
            expect(svg.locator(f'g.state[data-state="{name}"]')).to_have_count(1)
        assert svg.bounding_box()["height"] > 300          # drawn at a readable size
    # "Đã công bố": the last state of the grassroots flow, in Vietnamese
    expect(diagrams.first).to_contain_text("Đã công bố")
    assert not [url for url in scripts if "mermaid" in url or "diagram" in url]
    canvas = page.locator(".workflow-diagram-canvas").first
    canvas.focus()
    expect(canvas).to_be_focused()
    if phone:   # wider than the phone: it scrolls, and the keyboard scrolls it
        assert canvas.evaluate("c => c.scrollWidth > c.clientWidth")
    screen = "phone" if phone else "desktop"
    shots(page, f"workflow-{screen}")
    shots(page.locator("section.card").first, f"workflow-{screen}-grassroots")
    assert problems.items == []
