#!/usr/bin/env python3
"""Page weight and load time on a phone on 3G: every page a signed-in organiser opens.

    .venv/bin/python bench/weight.py [--url http://127.0.0.1:5000] [--email ... --password ...]
                                     [--json instance/bench/weight.json]

Without --url it serves the app itself (werkzeug, threaded, in this process) on a scratch
SQLite database, instance/bench/weight.sqlite, brought to the head migration and seeded with
the reference data, the targets and the demo (`flask demo seed`), and signs in as the demo's
organiser of LDLD-79. Chromium is Debian's (/usr/bin/chromium, or $E2E_CHROMIUM), driven by
Playwright; the network is throttled through the DevTools protocol
(Network.emulateNetworkConditions) to the 3G profile Lighthouse simulates for a phone:
1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip. The viewport is a 375 px phone.

For each page it measures, with the browser's cache emptied first (cold) and then again with
it (warm): the bytes transferred (encodedDataLength of every response, headers included), the
number of requests, and the time from the navigation's start to its `load` event. Goals: under
150 KB cold and under 3 s. It prints a markdown table (for the README) and exits 0 even when a
goal is missed: it measures, the README explains. Not part of `make test`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
DATABASE = ROOT / "instance" / "bench" / "weight.sqlite"
DEMO_EMAIL, DEMO_PASSWORD = "organiser79@demo.vn", "demo-pass-2026"
# Lighthouse's simulated mobile 3G ("Slow 4G" in DevTools' later names): bytes per second
PROFILE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}
GOAL_BYTES, GOAL_SECONDS = 150 * 1024, 3.0
# what an organiser opens; {case}: one of their cases
PAGES = [
    ("Login", "/login"),
    ("My cases", "/cases?organiser=me"),
    ("All cases", "/cases"),
    ("Search", "/cases?q=cong+ty"),
    ("Case", "/cases/{case}"),
    ("Transition form", "/cases/{case}/transitions/put_on_hold"),
    ("New case", "/cases/new"),
    ("Edit case", "/cases/{case}/edit"),
    ("My requests", "/approvals"),
    ("Notifications", "/notifications/"),
    ("Import", "/imports/"),
    ("Pipeline", "/leadership/pipeline"),
    ("Pipeline, per state", "/leadership/pipeline?view=detail"),
    ("Timings", "/leadership/timings"),
    ("Targets", "/leadership/targets"),
    ("Visits", "/visits/"),
    ("Workflow", "/workflow"),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app (default: serve one here)")
    parser.add_argument("--email", default=DEMO_EMAIL)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args(argv)


def serve() -> tuple[str, object]:
    """The app on a free port, on the scratch database (seeded on the first run)."""
    DATABASE.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{DATABASE}", CASEWORK_ENV="development",
               FLASK_APP="wsgi")
    flask = [sys.executable, "-m", "flask"]
    for command in (["db", "upgrade"], ["seed", "reference"], ["seed", "targets"],
                    ["demo", "seed", "--if-empty"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(DATABASE_URL=env["DATABASE_URL"], CASEWORK_ENV="development")
    sys.path.insert(0, str(ROOT))
    import logging

    from werkzeug.serving import make_server

    from casework import create_app
    app = create_app()
    logging.getLogger("casework.access").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


class Meter:
    """Counts what the network sends the page (DevTools protocol events)."""

    def __init__(self, cdp):
        self.bytes = 0
        self.requests = 0
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestWillBeSent", self._sent)

    def _finished(self, event):
        self.bytes += event.get("encodedDataLength", 0)

    def _sent(self, _event):
        self.requests += 1

    def reset(self):
        self.bytes = self.requests = 0


def measure(page, cdp, meter: Meter, url: str, cold: bool) -> dict:
    if cold:
        cdp.send("Network.clearBrowserCache")
    meter.reset()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)      # the last loadingFinished events
    seconds = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return (n.loadEventEnd - n.startTime) / 1000; }")
    return {"bytes": meter.bytes, "requests": meter.requests, "seconds": round(seconds, 2)}


def main(argv=None) -> int:
    args = parse_args(argv)
    from playwright.sync_api import sync_playwright

    url, server = (args.url.rstrip("/"), None) if args.url else serve()
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 375, "height": 812},
                                      device_scale_factor=2, is_mobile=True, has_touch=True,
                                      locale="vi-VN")
        page = context.new_page()
        page.goto(url + "/language/vi")
        page.goto(url + "/login")
        page.fill("#email", args.email)
        page.fill("#password", args.password)
        page.click("form #submit")
        page.wait_for_load_state("load")
        page.goto(url + "/cases?organiser=me")
        hrefs = page.eval_on_selector_all('a[href^="/cases/"]',
                                          "links => links.map(a => a.getAttribute('href'))")
        case = next((h.rsplit("/", 1)[1] for h in hrefs if re.fullmatch(r"/cases/\d+", h)),
                    "1")

        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", PROFILE)
        meter = Meter(cdp)
        for name, path in PAGES:
            target = url + path.format(case=case)
            if name == "Login":   # signed out, in a context of its own
                other = browser.new_context(viewport={"width": 375, "height": 812},
                                            is_mobile=True, locale="vi-VN")
                login = other.new_page()
                login_cdp = other.new_cdp_session(login)
                login_cdp.send("Network.enable")
                login_cdp.send("Network.emulateNetworkConditions", PROFILE)
                login_meter = Meter(login_cdp)
                cold = measure(login, login_cdp, login_meter, target, cold=True)
                warm = measure(login, login_cdp, login_meter, target, cold=False)
                other.close()
            else:
                cold = measure(page, cdp, meter, target, cold=True)
                warm = measure(page, cdp, meter, target, cold=False)
            results.append({"page": name, "path": path, "cold": cold, "warm": warm})
        browser.close()
    if server is not None:
        server.shutdown()

    print(f"{PROFILE['downloadThroughput'] * 8 / 1e6:.1f} Mbit/s down, "
          f"{PROFILE['uploadThroughput'] * 8 / 1e3:.0f} kbit/s up, {PROFILE['latency']} ms RTT;"
          f" 375 px phone; goals: < {GOAL_BYTES // 1024} KB cold, < {GOAL_SECONDS:.0f} s\n")
    print("| page | cold KB | requests | cold load s | warm KB | warm load s | goals |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        cold, warm = r["cold"], r["warm"]
        ok = cold["bytes"] < GOAL_BYTES and cold["seconds"] < GOAL_SECONDS
        print(f"| {r['page']} (`{r['path']}`) | {cold['bytes'] / 1024:.1f} | {cold['requests']}"
              f" | {cold['seconds']:.2f} | {warm['bytes'] / 1024:.1f} | {warm['seconds']:.2f}"
              f" | {'met' if ok else 'MISSED'} |")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"profile": PROFILE, "pages": results,
                                               "measured_at": time.time()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
