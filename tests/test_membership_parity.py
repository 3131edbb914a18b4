"""The API equals the page (issue 14): the pipeline by province's members admitted and net
growth, and the targets' membership figures, at units where a union was transferred and
another dissolved in the year; the pipeline's exports carry the same two columns."""
from __future__ import annotations

import re
from datetime import date

from casework.extensions import db
from casework.services.founded_units import dissolve_union, transfer_union
from tests.helpers import Api, new_user
from tests.membership_support import report, union
from tests.test_exports import read_csv, read_xlsx
from tests.test_pipeline import commune_unit, login

YEAR = 2025
FIGURES = ("founded", "admitted", "left", "net", "members-now", "unreported")


def build_year():
    """LDLD-79 (79): a union of 100 it manages; one of 50 in its commune union, reported in
    January, transferred to LDLD-01 (01) in February and reported there. LDLD-01: a union of
    30 dissolved in March."""
    commune_unit()
    a = union("LDLD-79", founders=100)
    b = union("CD-XA-79-1", founders=50)
    c = union("LDLD-01", founders=30)
    report(a, "2025-01", vietnamese=20, foreign=5, left=3)      # 122
    report(b, "2025-01", vietnamese=4, left=1)                  # 53
    supervisor = new_user("supervisor", "VGCL")
    transfer_union(supervisor, b, "LDLD-01", date(2025, 2, 10))
    dissolve_union(supervisor, c, date(2025, 3, 1), "Doanh nghiệp giải thể")
    db.session.commit()
    report(b, "2025-02", vietnamese=7)                          # 60, under LDLD-01
    return a, b, c


def api_json(client, user, path: str, **params) -> dict:
    response = Api(client, user).get(path, **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def number(cell: str) -> int | None:
    cell = re.sub(r"<[^>]+>", "", cell).strip()
    return None if cell in ("—", "") else int(cell.replace(",", "").replace("−", "-"))


def page_pipeline(client) -> tuple[dict, tuple]:
    html = client.get(f"/leadership/pipeline?by=province&year={YEAR}").get_data(as_text=True)
    body, foot = html.split("<tfoot", 1)
    rows = {}
    for row in body.split("<tbody>", 1)[1].split("<tr>")[1:]:
        label = re.search(r'<th scope="row"[^>]*>\s*(.*?)\s*</th>', row, re.S).group(1)
        rows[label] = tuple(number(re.search(
            rf'data-column="{name}">(.*?)</td>', row, re.S).group(1))
            for name in ("admitted", "net"))
    cells = re.findall(r'<td class="text-end">(-?[\d,]+)</td>', foot)
    return rows, tuple(number(c) for c in cells[-2:])


def test_the_pipeline_api_equals_the_page(app, client):
    build_year()
    leader = new_user("leader", "VGCL")
    login(client, leader)
    page_rows, page_totals = page_pipeline(client)
    answer = api_json(client, leader, "/pipeline", by="province", year=YEAR)
    api_rows = {r["label"]: (r["admitted_members"], r["net_members"]) for r in answer["rows"]}
    assert api_rows == page_rows
    assert (answer["totals"]["admitted_members"], answer["totals"]["net_members"]) \
        == page_totals
    hcm = next(r for r in answer["rows"] if r["key"] == "79")
    hanoi = next(r for r in answer["rows"] if r["key"] == "01")
    assert (hcm["admitted_members"], hcm["net_members"]) == (29, 29 - 4)  # January stays
    assert (hanoi["admitted_members"], hanoi["net_members"]) == (7, 7 - 30)  # dissolution
    # the fields it had are still there, and nothing new outside the province view
    assert {"key", "label", "states", "open", "founded_members"} <= set(hcm)
    by_unit = api_json(client, leader, "/pipeline", by="unit", year=YEAR)
    assert all(r["admitted_members"] is None and r["net_members"] is None
               for r in by_unit["rows"])


def test_the_pipeline_exports_append_the_two_columns(app, client):
    build_year()
    leader = new_user("leader", "VGCL")
    login(client, leader)
    answer = api_json(client, leader, "/pipeline", by="province", year=YEAR)
    expected = {r["key"]: [r["admitted_members"], r["net_members"]] for r in answer["rows"]}
    totals = [answer["totals"]["admitted_members"], answer["totals"]["net_members"]]
    rows = read_csv(client.get(f"/leadership/exports/pipeline.csv?by=province&year={YEAR}"))
    assert rows[0][-2:] == ["Members admitted in the year", "Net growth in the year"]
    assert {r[0]: [int(v) for v in r[-2:]] for r in rows[1:-1]} == expected
    assert [int(v) for v in rows[-1][-2:]] == totals
    sheet = read_xlsx(client.get(f"/leadership/exports/pipeline.xlsx?by=province&year={YEAR}"))
    assert {r[0]: list(r[-2:]) for r in sheet[1:-1]} == expected
    assert list(sheet[-1][-2:]) == totals


def page_targets(client) -> dict:
    html = client.get(f"/leadership/targets?year={YEAR}").get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in body.split("<tr>")[1:]:
        code = re.search(r'<th scope="row"[^>]*><span[^>]*>(.*?)</span>', row, re.S).group(1)
        rows[code.strip()] = tuple(number(re.search(
            rf'data-figure="{name}">(.*?)</td>', row, re.S).group(1)) for name in FIGURES)
    return rows


def test_the_targets_api_equals_the_page_after_a_transfer_and_a_dissolution(app, client):
    build_year()
    leader = new_user("leader", "VGCL")
    login(client, leader)
    page = page_targets(client)
    answer = api_json(client, leader, "/targets", year=YEAR)
    api = {r["unit"]: (r["founded_members"], r["admitted_members"], r["left_members"],
                       r["net_members"], r["members_now"], r["members_unreported"] or None)
           for r in answer["rows"]}
    assert api == page
    assert api["LDLD-79"][1:5] == (29, 4, 25, 122)          # b's January stays here
    assert api["LDLD-01"][1:5] == (7, 30, 7 - 30, 60)       # b's February, c dissolved


def test_the_openapi_document_names_the_two_columns(app, client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    row, totals = schemas["PipelineRow"], schemas["PipelineTotals"]
    for schema in (row, totals):
        assert {"admitted_members", "net_members"} <= set(schema["required"])
        assert schema["properties"]["net_members"]["type"] == "integer"
        assert schema["properties"]["admitted_members"]["nullable"] is True
