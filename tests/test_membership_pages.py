"""The membership pages: a union's page equal to the API, the grid, the import read back, the
unions not reported, the trajectory's arithmetic and its chart (issue 14)."""
from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import Workbook

from casework.extensions import db
from casework.models.membership import MembershipReport
from casework.services.membership import months_of
from casework.services.trajectory import Trajectory, add_months
from casework.views.trajectory_chart import chart
from tests.helpers import Api, new_user
from tests.membership_support import report, union
from tests.test_pipeline import login

YEAR = 2025


def csrf(html: str) -> str:
    return (re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
            or re.search(r'name="csrf_token" value="([^"]+)"', html)).group(1)


def cells(html: str, month: str) -> list[str]:
    row = re.search(rf'<tr data-month="{month}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>|\s", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>",
                                                             row, re.S)]


def test_the_unit_page_shows_what_the_api_answers(app, client):
    made = union(founders=1000)
    report(made, "2025-01", vietnamese=1200, foreign=3, left=1)
    organiser = new_user("organiser")
    login(client, organiser)
    page = client.get(f"/membership/units/{made.unit.code}?year={YEAR}").get_data(as_text=True)
    api = Api(client, organiser).get(f"/units/{made.unit.code}/membership", year=YEAR).get_json()
    month = api["months"][0]
    shown = cells(page, "2025-01")
    assert shown[0].startswith("2025-01")
    assert shown[1:] == ["1,000", "1,200", "3", "1", "2,202", "1"]
    assert [month[k] for k in ("opening", "admitted_vietnamese", "admitted_foreign", "left",
                               "closing", "revision")] == [1000, 1200, 3, 1, 2202, 1]


def test_reporting_a_month_on_the_page(app, client):
    made = union(founders=100)
    login(client, new_user("organiser"))
    page = client.get(f"/membership/units/{made.unit.code}")
    form = {"csrf_token": csrf(page.get_data(as_text=True)), "month": "2025-02",
            "admitted_vietnamese": "5", "admitted_foreign": "0", "left": "1", "closing": "200"}
    refused = client.post(f"/membership/units/{made.unit.code}/report", data=form)
    assert refused.status_code == 422 and "do not add up" in refused.get_data(as_text=True)
    saved = client.post(f"/membership/units/{made.unit.code}/report",
                        data={**form, "closing": "104"})
    assert saved.status_code == 302
    assert [r.closing for r in months_of(made, YEAR)] == [104]


def test_a_leader_reads_but_does_not_report(app, client):
    made = union()
    login(client, new_user("leader"))
    page = client.get(f"/membership/units/{made.unit.code}")
    assert page.status_code == 200 and "Report a month" not in page.get_data(as_text=True)
    login(client, new_user("organiser", "LDLD-01"))
    assert client.get(f"/membership/units/{made.unit.code}").status_code == 404


def test_the_grid_saves_the_rows_filled(app, client):
    a, b = union(founders=10), union(founders=20)
    login(client, new_user("supervisor"))
    page = client.get("/membership/grid?month=2025-03")
    assert page.status_code == 200
    response = client.post("/membership/grid?month=2025-03", data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        f"{a.unit_id}-admitted_vietnamese": "2", f"{a.unit_id}-admitted_foreign": "0",
        f"{a.unit_id}-left": "0", f"{a.unit_id}-closing": "12"})
    assert response.status_code == 302
    assert [r.closing for r in months_of(a, YEAR)] == [12] and months_of(b, YEAR) == []
    missing = client.get("/membership/missing?month=2025-03").get_data(as_text=True)
    assert b.unit.code in missing and a.unit.code not in missing


def test_an_import_is_read_back(app, client):
    a, b = union(founders=10), union(founders=20)
    book = Workbook()
    sheet = book.active
    sheet.append(["Báo cáo đoàn viên"])     # a title above the header
    sheet.append(["Mã công đoàn cơ sở (unit)", "Tháng (month)", "Kết nạp - người Việt Nam",
                  "Giảm (left)", "Số đoàn viên cuối tháng (closing)"])
    sheet.append([a.unit.code, "2025-02", 5, 0, 20])      # after January, below
    sheet.append([a.unit.code, "2025-01", 5, 0, 15])
    sheet.append([b.unit.code, "2025-01", 1, 0, 99])      # does not add up
    sheet.append(["NO-SUCH", "2025-01", 1, 0, 1])
    data = io.BytesIO()
    book.save(data)
    login(client, new_user("organiser"))
    page = client.get("/membership/import")
    response = client.post("/membership/import", data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        "file": (io.BytesIO(data.getvalue()), "membership.xlsx")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Months saved: 2" in html and "Rows rejected: 2" in html
    assert [(r.month, r.closing) for r in months_of(a, YEAR)] == [(date(2025, 1, 1), 15),
                                                                  (date(2025, 2, 1), 20)]
    sources = {s for (s,) in db.session.query(MembershipReport.source)}
    assert sources == {"import"}
    template = client.get("/membership/import/template.csv").get_data(as_text=True)
    assert template.startswith("\ufeffMã công đoàn cơ sở (unit)")


def test_the_trajectory_arithmetic():
    points = tuple((add_months(date(2025, 1, 1), i), 1_000_000 + 10_000 * i) for i in range(13))
    t = Trajectory("VGCL", "VGCL", goal=1_480_000, goal_month=date(2028, 12, 1), points=points)
    # the straight path: 1,000,000 in January 2025 to 1,480,000 in December 2028 (47 months)
    assert t.path_at(date(2025, 1, 1)) == 1_000_000
    assert t.path_at(date(2028, 12, 1)) == 1_480_000
    assert round(t.path_at(date(2026, 1, 1))) == 1_000_000 + round(480_000 * 12 / 47)
    assert t.pace == 10_000
    # January 2026: 1,120,000; 360,000 to go at 10,000 a month: 36 months later
    assert t.reach_month == date(2029, 1, 1)
    assert t.on_path is False      # the path asks 480,000 / 47 = 10,213 a month
    flat = Trajectory("X", "X", goal=10, goal_month=date(2028, 12, 1),
                      points=((date(2025, 1, 1), 5), (date(2025, 2, 1), 4)))
    assert flat.reach_month is None and flat.on_path is False
    drawn = chart(t)
    assert drawn.actual.count(",") == 13 and len(drawn.path.split()) == 2


def test_the_trajectory_page(app, client):
    made = union(founders=100)
    report(made, "2025-01", vietnamese=10)
    report(made, "2025-02", vietnamese=10)
    login(client, new_user("leader", "VGCL"))
    html = client.get("/membership/trajectory").get_data(as_text=True)
    assert "<svg" in html and "polyline" in html and "15,000,000" in html


def test_a_leader_cannot_post_the_grid(app, client):
    union(founders=10)
    login(client, new_user("leader"))
    page = client.get("/membership/grid?month=2025-03")
    response = client.post("/membership/grid?month=2025-03",
                           data={"csrf_token": csrf(page.get_data(as_text=True))})
    assert response.status_code == 403
