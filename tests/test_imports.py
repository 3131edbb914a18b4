"""Bulk import of target enterprises (services/imports/, the `import enterprises` command and
the /imports pages): reading CSV and XLSX, every rejection reason, duplicates, cases identical to
those create_case makes, batches committed one by one, authorization, the upload page, memory."""
from __future__ import annotations

import csv
import gc
import io
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from casework.extensions import db
from casework.models import AuditEntry, Case, CaseEnterprise, CaseTally, Enterprise, Job
from casework.errors import Forbidden, Invalid
from casework.services import imports as imports_service
from casework.schemas.base import load
from casework.schemas.cases import CaseInput
from casework.services.cases import create_case
from casework.services.imports import (RejectedRowsCsv, import_enterprises, match_header,
                                       open_source, parse_count)
from casework.transaction import commit
from tests.helpers import PASSWORD, Api, count_rows, new_user, tax_code
from tests.browser import browser, text  # noqa: F401

VI_HEADER = ["Tên doanh nghiệp", "Mã số thuế", "Tỉnh/thành phố", "Số lao động", "Loại hình",
             "Ngành nghề", "Địa chỉ", "Lao động nữ", "Lao động nước ngoài"]


@pytest.fixture(autouse=True)
def _imports_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORTS_DIR", str(tmp_path / "imports"))


def typed_case(actor, **values):
    """A case created as the API and the form create it: its values loaded through CaseInput."""
    return create_case(actor, **load(CaseInput, values))


def row(name="Công ty TNHH May Hưng Thịnh", code=None, province="79", workforce=120,
        ownership="", sector="", address="", women="", foreign=""):
    return [name, code or tax_code(), province, workforce, ownership, sector, address, women,
            foreign]


def write_csv(path: Path, rows, header=VI_HEADER, *, delimiter=",", bom=False) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(path, actor, unit="LDLD-79", **kw):
    with open_source(path) as source:
        return import_enterprises(source, actor, unit, **kw)


def cases_of(user=None) -> list[Case]:
    query = sa.select(Case).order_by(Case.id)
    if user is not None:
        query = query.where(Case.created_by_id == user.id)
    return list(db.session.scalars(query))


# --- reading ------------------------------------------------------------------------------------

def test_headers_are_matched_whatever_their_case_spacing_and_diacritics():
    assert match_header("Mã số thuế") == "tax_code"
    assert match_header("  MA SO THUE ") == "tax_code"
    assert match_header("tax_code") == "tax_code"
    assert match_header("Mã số thuế (tax_code)") == "tax_code"
    assert match_header("MST") == "tax_code"
    assert match_header("TÊN DOANH NGHIỆP") == "name"
    assert match_header("Tỉnh / Thành phố") == "province"
    assert match_header("Tổng số lao động") == "workforce"
    assert match_header("lao dong nu") == "women"
    assert match_header("Ghi chú") is None
    assert [parse_count(v) for v in (120, 120.0, "1.200", "1,200", "12", "7.5", "x", -3)] \
        == [120, 120, 1200, 1200, 12, None, None, -3]


def test_csv_round_trip_creates_identified_cases_visible_in_list_and_api(tmp_path, client):
    organiser = new_user("organiser", "LDLD-79")
    code = tax_code()
    path = write_csv(tmp_path / "danh-sach.csv", [
        row("Công ty TNHH Giày Thanh Hóa", code, "Thanh Hoá", 1500, "FDI", "da giày",
            "KCN Lễ Môn", 900, 3),
        row("Công ty CP Điện tử Hà Nội", province="1", workforce="2.400", ownership="nhà nước"),
        row("Công ty TNHH Dệt Sài Gòn", province="TP. Hồ Chí Minh", workforce=80),
    ], delimiter=";", bom=True)

    report = run(path, organiser)

    assert (report.created, report.skipped, report.rejected, report.failed) == (3, 0, 0, None)
    assert report.kind == "csv" and report.header_row == 1 and report.committed_up_to == 4
    cases = cases_of()
    assert [c.province.code for c in cases] == ["38", "01", "79"]
    for case in cases:
        assert (case.kind, case.state, case.version) == ("grassroots", "identified", 1)
        assert case.unit.code == "LDLD-79" and case.organiser_id == organiser.id
        assert case.ref == f"{case.province.code}-{case.created_at:%Y}-{case.id:06d}"
    first = cases[0].enterprises[0]
    assert (first.tax_code, first.name, first.workforce, first.ownership, first.sector,
            first.address, first.workforce_women, first.workforce_foreign) == (
        code, "Công ty TNHH Giày Thanh Hóa", 1500, "fdi", "footwear", "KCN Lễ Môn", 900, 3)
    assert cases[1].enterprises[0].ownership == "state"
    assert cases[1].enterprises[0].workforce == 2400
    assert cases[2].enterprises[0].ownership == "private"      # the default

    api = Api(client, organiser)
    listed = api.get("/cases", q="giay thanh hoa").get_json()
    assert [c["ref"] for c in listed["items"]] == [cases[0].ref], listed
    assert api.get("/cases", q=code).get_json()["items"][0]["ref"] == cases[0].ref
    assert len(api.get("/cases", state="identified", province="79").get_json()["items"]) == 1


def test_xlsx_round_trip_with_a_title_row_and_numbers_excel_made(tmp_path):
    organiser = new_user("organiser", "LDLD-79")
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH DOANH NGHIỆP CHƯA CÓ CÔNG ĐOÀN CƠ SỞ"])      # a title above
    sheet.append(["STT"] + VI_HEADER)
    code = "0100109106"
    sheet.append([1, "Công ty A", int(code), 1, 350.0, "tư nhân"])   # leading zero lost
    sheet.append([2, "Công ty B", tax_code(), "Đà Nẵng", 12])
    sheet.append([])                                                    # a blank row
    sheet.append([3, "Công ty C", tax_code() + "-001", "48", 40])       # a branch
    book.save(tmp_path / "list.xlsx")

    report = run(tmp_path / "list.xlsx", organiser)

    assert (report.kind, report.header_row) == ("xlsx", 2)
    assert report.ignored_columns == ["STT"]
    assert (report.created, report.rejected, report.blank, report.committed_up_to) == (3, 0, 1, 6)
    enterprises = {e.name: e for e in db.session.scalars(sa.select(Enterprise))}
    assert enterprises["Công ty A"].tax_code == code
    assert enterprises["Công ty A"].province.code == "01"
    assert enterprises["Công ty A"].workforce == 350
    assert enterprises["Công ty B"].province.code == "48"
    assert enterprises["Công ty C"].tax_code.endswith("-001")


def test_every_rejection_reason_with_its_row_number(tmp_path):
    organiser = new_user("organiser", "LDLD-79")
    taken = tax_code()
    typed_case(organiser, kind="grassroots", unit="LDLD-79",
                enterprises=[{"name": "Đã có", "tax_code": taken, "province": "79",
                              "workforce": 10}])
    commit()
    repeated = tax_code()
    rows = [
        row(code="0100109107"),                     # 2: bad check digit
        row(province="Sao Hỏa"),                    # 3: unknown province
        row(workforce="nhiều"),                     # 4: bad workforce
        row(workforce=""),                          # 5: missing workforce
        row(workforce=-4),                          # 6: negative workforce
        row(name=""),                               # 7: no name
        row(women=500, workforce=100),              # 8: more women than workers
        row(ownership="hợp tác xã"),                # 9: unknown ownership
        row(code=repeated),                         # 10: fine
        row(code=repeated),                         # 11: repeats row 10 (same batch)
        row(code=taken),                            # 12: already an active case
        row(code=repeated),                         # 13: repeats row 10 (a later batch)
        row(foreign="x"),                           # 14: bad foreign workers
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    sink = RejectedRowsCsv(tmp_path / "bad.rejected.csv")
    report = run(path, organiser, rejected=sink, batch_size=4)
    sink.close()

    assert (report.created, report.skipped, report.rejected) == (1, 3, 9)
    with open(tmp_path / "bad.rejected.csv", encoding="utf-8-sig", newline="") as f:
        written = list(csv.DictReader(f))
    by_row = {int(r["Dòng (row)"]): r for r in written}
    assert {n: r["Mã lý do (reason_code)"] for n, r in by_row.items()} == {
        2: "tax_code", 3: "province", 4: "workforce", 5: "workforce", 6: "workforce",
        7: "name", 8: "women", 9: "ownership", 11: "duplicate_in_file", 12: "active_case",
        13: "duplicate_in_file", 14: "foreign_workers"}
    assert "not a valid Vietnamese tax code" in by_row[2]["Lý do (reason)"]
    assert "Sao Hỏa" in by_row[3]["Lý do (reason)"]
    assert "row 10" in by_row[11]["Lý do (reason)"] and "row 10" in by_row[13]["Lý do (reason)"]
    assert "already has an active case" in by_row[12]["Lý do (reason)"]
    # the row's own values come back under the template's headers, ready to be corrected
    assert by_row[3]["Tỉnh/thành phố (province)"] == "Sao Hỏa"
    assert report.sample[0].row == 2
    assert count_rows(Case) == 2


def test_rejected_rows_neither_run_as_formulas_nor_change_when_read_back(tmp_path):
    from casework.services.imports import read_rejected
    organiser = new_user("organiser", "LDLD-79")
    path = write_csv(tmp_path / "bad.csv", [
        row(name='=HYPERLINK("http://attacker.example","Xem")', code="0100109107"),
        row(name="@SUM(A1)", workforce=-4, address="+84 28 3822 0000")])
    sink = RejectedRowsCsv(tmp_path / "bad.rejected.csv")
    report = run(path, organiser, rejected=sink)
    sink.close()
    assert report.rejected == 2
    with open(tmp_path / "bad.rejected.csv", encoding="utf-8-sig", newline="") as f:
        written = list(csv.reader(f))[1:]
    assert [r[3] for r in written] == ["'=HYPERLINK(\"http://attacker.example\",\"Xem\")",
                                       "'@SUM(A1)"]
    assert "'-4" in written[1] and "'+84 28 3822 0000" in written[1]
    shown = read_rejected(tmp_path / "bad.rejected.csv")      # the result page: as typed
    assert [r.values["name"] for r in shown] == ['=HYPERLINK("http://attacker.example","Xem")',
                                                 "@SUM(A1)"]
    assert shown[1].values["address"] == "+84 28 3822 0000"


def test_missing_columns_and_wrong_files_are_refused_before_anything_is_written(tmp_path):
    organiser = new_user("organiser", "LDLD-79")
    path = write_csv(tmp_path / "no-province.csv", [["A", tax_code(), 10]],
                     header=["Tên doanh nghiệp", "Mã số thuế", "Số lao động"])
    with pytest.raises(Invalid, match="province"):
        open_source(path)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(Invalid, match=r"\.xls"):
        open_source(tmp_path / "old.xls")
    (tmp_path / "latin.csv").write_bytes("Tên,Công ty\n".encode("cp1258"))
    with pytest.raises(Invalid, match="UTF-8"):
        open_source(tmp_path / "latin.csv")
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(Invalid):
        open_source(tmp_path / "fake.xlsx")
    assert count_rows(Case) == 0 and organiser


# --- the cases made -----------------------------------------------------------------------------

COMPARED = ("kind", "state", "resume_state", "version", "unit_id", "organiser_id",
            "target_members", "applications_vietnamese", "applications_foreign", "deadline",
            "founded_members", "founded_on", "details", "created_by_id")


def test_imported_cases_are_indistinguishable_from_cases_created_one_by_one(tmp_path):
    organiser = new_user("organiser", "LDLD-79")
    one = typed_case(organiser, kind="grassroots", unit="LDLD-79",
                      enterprises=[{"name": "Công ty Một", "tax_code": tax_code(),
                                    "province": "79", "workforce": 300, "sector": "footwear"}])
    commit()
    path = write_csv(tmp_path / "x.csv", [row("Công ty Hai", workforce=300, sector="footwear")])
    run(path, organiser)
    db.session.expire_all()
    made, imported = cases_of()
    for column in COMPARED:
        assert getattr(made, column) == getattr(imported, column), column
    assert imported.search_text == f"{imported.ref.lower()} cong ty hai " \
                                   f"{imported.enterprises[0].tax_code}"
    assert imported.created_at == imported.updated_at == imported.state_changed_at
    link = db.session.scalar(sa.select(CaseEnterprise).where(CaseEnterprise.case_id == imported.id))
    assert (link.position, link.active) == (0, True)
    enterprise = imported.enterprises[0]
    assert enterprise.search_text == f"cong ty hai {enterprise.tax_code}"

    entries = {e.case_id: e for e in db.session.scalars(sa.select(AuditEntry))}
    assert set(entries) == {one.id, imported.id}
    audit, reference = entries[imported.id], entries[one.id]
    for column in ("action", "trigger", "from_state", "to_state", "actor_id", "actor_name",
                   "actor_role", "actor_unit", "comment"):
        assert getattr(audit, column) == getattr(reference, column), column
    assert audit.data["enterprises"] == [enterprise.tax_code]
    assert audit.data["organiser"] == organiser.email
    assert audit.data["import"]["row"] == 2 and audit.data["import"]["file"] == "x.csv"

    # the case can move on like any other: the workflow sees version 1 and state identified
    from tests.helpers import fire
    outcome, moved = fire(imported, organiser, "start_outreach")
    assert outcome == "moved" and moved.state == "outreach" and moved.version == 2


# what differs between two cases however they are made: their ids, their moments, their
# references (and here, their tax codes: two live cases cannot share one)
UNIQUE = {"id", "case_id", "enterprise_id", "created_at", "updated_at", "state_changed_at", "at"}


def _same_shape(value, names: dict[str, str]):
    """`value` with UNIQUE keys left out and the case's own reference and tax code replaced."""
    if isinstance(value, dict):
        return {k: _same_shape(v, names) for k, v in value.items() if k not in UNIQUE}
    if isinstance(value, list | tuple):
        return [_same_shape(v, names) for v in value]
    if isinstance(value, str):
        for own, placeholder in names.items():
            value = value.replace(own, placeholder).replace(own.lower(), placeholder)
        return value
    return value


def _everything_of(case_id: int, api: Api) -> dict:
    """What the database holds of one case, and what the API shows of it."""
    def rows(model, *where):
        table = model.__table__
        return [dict(r) for r in db.session.execute(
            sa.select(table).where(*where).order_by(*table.primary_key.columns)).mappings()]

    case = rows(Case, Case.id == case_id)[0]
    links = rows(CaseEnterprise, CaseEnterprise.case_id == case_id)
    everything = {
        "case": case, "links": links,
        "enterprises": rows(Enterprise, Enterprise.id.in_([k["enterprise_id"] for k in links])),
        "history": rows(AuditEntry, AuditEntry.case_id == case_id),
        "api": api.case(case_id),
        "found_by_tax_code": [c["id"] == case_id for c in api.get(
            "/cases", q=links[0]["tax_code"]).get_json()["items"]],
        "found_by_ref": [c["id"] == case_id for c in api.get(
            "/cases", q=case["ref"]).get_json()["items"]],
    }
    if db.session.get_bind().dialect.name == "sqlite":    # PostgreSQL indexes the column itself
        everything["search_index"] = db.session.scalar(sa.text(
            "SELECT search_text FROM case_search WHERE rowid = :id"), {"id": case_id})
    # the dates left out of the comparison are still one moment: the creation's
    assert case["created_at"] == case["updated_at"] == case["state_changed_at"]
    assert {e["created_at"] for e in everything["history"]} == {case["created_at"]}
    return _same_shape(everything, {case["ref"]: "<ref>", links[0]["tax_code"]: "<tax code>"})


def _tallies() -> dict:
    return {(t.unit_id, t.province_id, t.kind, t.state): (t.cases, t.target_members)
            for t in db.session.scalars(sa.select(CaseTally))}


def test_a_case_imported_equals_the_same_case_created_through_the_api(tmp_path, client):
    organiser = new_user("organiser", "LDLD-79")
    api = Api(client, organiser)
    values = {"name": "Công ty TNHH Điện tử Hòa Bình", "province": "79", "workforce": 300,
              "ownership": "fdi", "sector": "electronics"}
    before = _tallies()
    response = api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79",
                                   "enterprises": [{**values, "tax_code": tax_code()}]})
    assert response.status_code == 201, response.get_json()
    typed_id = response.get_json()["id"]
    after_typed = _tallies()
    path = write_csv(tmp_path / "x.csv", [row(values["name"], province=values["province"],
                                              workforce=values["workforce"],
                                              ownership=values["ownership"],
                                              sector=values["sector"])])
    assert run(path, organiser).created == 1
    db.session.expire_all()
    imported_id = max(c.id for c in cases_of())
    assert imported_id != typed_id

    typed, imported = _everything_of(typed_id, api), _everything_of(imported_id, api)
    # the import's own entry in the history: which import and row made the case
    made_by = imported["history"][0]["data"].pop("import")
    assert made_by == {"file": "x.csv", "row": 2}       # and the import's id, an id
    imported["api"]["history"][0]["data"].pop("import", None)
    for part in typed:
        assert imported[part] == typed[part], part
    assert typed["found_by_tax_code"] == typed["found_by_ref"] == [True]
    assert typed["case"]["search_text"] == "<ref> cong ty tnhh dien tu hoa binh <tax code>"

    # each added one case, with its members, to the same tally
    added_typed = {k: n for k, n in after_typed.items() if before.get(k) != n}
    added_imported = {k: n for k, n in _tallies().items() if after_typed.get(k) != n}
    assert len(added_typed) == 1
    [(key, (cases, members))] = added_typed.items()
    assert added_imported == {key: (cases + 1, members)}
    assert (cases - before.get(key, (0, 0))[0]) == 1


def test_one_created_audit_entry_per_case_and_a_finished_case_keeps_its_enterprise(tmp_path):
    supervisor = new_user("supervisor", "LDLD-79")
    reused = tax_code()
    old = typed_case(supervisor, kind="grassroots", unit="LDLD-79",
                      enterprises=[{"name": "Tên cũ", "tax_code": reused, "province": "79",
                                    "workforce": 10}])
    commit()
    db.session.execute(sa.update(CaseEnterprise).values(active=False))  # as if closed
    db.session.execute(sa.update(Case).where(Case.id == old.id).values(state="closed"))
    db.session.commit()
    path = write_csv(tmp_path / "x.csv", [row("Tên mới", reused, workforce=55)]
                     + [row() for _ in range(6)])
    report = run(path, supervisor, batch_size=3)
    assert report.created == 7 and report.batches == 3
    created = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "created",
                                                             AuditEntry.case_id != old.id)).all()
    assert len(created) == 7 and len({a.case_id for a in created}) == 7
    assert {(a.actor_name, a.actor_role, a.actor_unit) for a in created} == {
        (supervisor.name, "supervisor", "LDLD-79")}
    recorded = {e.name: e.workforce for e in db.session.scalars(
        sa.select(Enterprise).where(Enterprise.tax_code == reused))}
    assert recorded == {"Tên cũ": 10, "Tên mới": 55}   # the closed case's row is untouched
    assert count_rows(Enterprise) == 8


# --- batches and failures -----------------------------------------------------------------------

def test_a_failure_mid_file_keeps_earlier_batches_and_says_where_to_resume(
        tmp_path, monkeypatch, runner):
    organiser = new_user("organiser", "LDLD-79")
    path = write_csv(tmp_path / "big.csv", [row() for _ in range(50)])
    real = imports_service.writer.write_batch
    calls = []

    def third_batch_fails(rows, ctx):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(rows, ctx)

    monkeypatch.setattr(imports_service.writer, "write_batch", third_batch_fails)
    result = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79",
                                 "--user", organiser.email, "--batch-size", "10"])
    assert result.exit_code == 1, result.output
    assert "disk full" in result.output
    assert "committed up to row 21; resume with --start-row 22" in result.output
    assert count_rows(Case) == 20 and count_rows(AuditEntry) == 20

    monkeypatch.setattr(imports_service.writer, "write_batch", real)
    result = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79",
                                 "--user", organiser.email, "--start-row", "22"])
    assert result.exit_code == 0, result.output
    assert "30 case(s) created" in result.output
    assert count_rows(Case) == 50
    assert sorted(a.data["import"]["row"] for a in db.session.scalars(sa.select(AuditEntry))) \
        == list(range(2, 52))


def test_the_command_prints_a_summary_and_writes_the_rejected_rows_next_to_the_file(
        tmp_path, runner):
    organiser = new_user("organiser", "LDLD-79")
    path = write_csv(tmp_path / "list.csv", [row(), row(province="99"), row(workforce="x")])
    result = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79",
                                 "--user", organiser.email])
    assert result.exit_code == 0, result.output
    assert "1 case(s) created, 0 duplicate(s) skipped, 2 row(s) rejected" in result.output
    assert "row 3:" in result.output and "row 4:" in result.output
    rejected = Path(f"{path}.rejected.csv")
    assert str(rejected) in result.output
    with open(rejected, encoding="utf-8-sig") as f:
        assert [r["Dòng (row)"] for r in csv.DictReader(f)] == ["3", "4"]


def test_the_command_without_user_imports_as_the_system_and_says_so_in_the_history(
        tmp_path, runner, browser):
    # the contract of the UX issue: `flask import enterprises FILE --unit CODE`, no --user
    path = write_csv(tmp_path / "list.csv", [row(), row()])
    result = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79"],
                           env={"CASEWORK_IMPORT_USER": None})
    assert result.exit_code == 0, result.output
    assert "2 case(s) created" in result.output
    entries = db.session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.actor_id, e.actor_role, e.actor_name, e.actor_unit) for e in entries] \
        == [("created", None, "system", "flask import enterprises", "")] * 2
    cases = db.session.scalars(sa.select(Case)).all()
    assert {(c.organiser_id, c.created_by_id, c.state) for c in cases} \
        == {(None, None, "identified")}
    # a supervisor of the unit sees who made the case and assigns it
    supervisor = new_user("supervisor", "LDLD-79", password=PASSWORD)
    page = text(browser(supervisor).get(f"/cases/{cases[0].id}"))
    assert "flask import enterprises · System · " in page



def test_the_command_without_user_names_an_active_case_it_meets(tmp_path, runner):
    """The system (whoever runs the server's command line) is told the active case's reference:
    a row meeting one was an AttributeError once the rejected rows named cases by scope."""
    path = write_csv(tmp_path / "list.csv", [row()])
    first = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79"],
                          env={"CASEWORK_IMPORT_USER": None})
    assert first.exit_code == 0, first.output
    case = db.session.scalars(sa.select(Case)).one()
    again = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79"],
                          env={"CASEWORK_IMPORT_USER": None})
    assert again.exit_code == 0, again.output
    with open(str(path) + ".rejected.csv", encoding="utf-8-sig", newline="") as f:
        assert case.ref in list(csv.reader(f))[1][2]

def test_the_command_without_user_assigns_the_cases_to_organiser_when_given(tmp_path, runner):
    organiser = new_user("organiser", "LDLD-79")
    path = write_csv(tmp_path / "list.csv", [row()])
    result = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79",
                                 "--organiser", organiser.email],
                           env={"CASEWORK_IMPORT_USER": None})
    assert result.exit_code == 0, result.output
    case = db.session.scalars(sa.select(Case)).one()
    assert case.organiser_id == organiser.id and case.created_by_id is None
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.actor_role == "system" and entry.data["organiser"] == organiser.email
    # the unit must still exist
    result = runner.invoke(args=["import", "enterprises", str(path), "--unit", "NOPE"],
                           env={"CASEWORK_IMPORT_USER": None})
    assert result.exit_code == 1 and "Unknown unit" in result.output


# --- authorization ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["leader", "admin"])
def test_leaders_and_admins_do_not_import(tmp_path, runner, role):
    user = new_user(role, "LDLD-79")
    path = write_csv(tmp_path / "x.csv", [row()])
    with pytest.raises(Forbidden, match="Only organisers and supervisors"):
        run(path, user)
    result = runner.invoke(args=["import", "enterprises", str(path), "--unit", "LDLD-79",
                                 "--user", user.email])
    assert result.exit_code == 1 and "Only organisers and supervisors" in result.output
    assert count_rows(Case) == 0 and count_rows(Enterprise) == 0


def test_a_unit_outside_the_importers_subtree_is_refused_and_one_inside_is_allowed(tmp_path):
    path = write_csv(tmp_path / "x.csv", [row()])
    with pytest.raises(Forbidden, match="outside your own unit"):
        run(path, new_user("organiser", "LDLD-79"), unit="LDLD-01")
    with pytest.raises(Invalid, match="Unknown unit"):
        run(path, new_user("organiser", "LDLD-79"), unit="NOPE")
    assert count_rows(Case) == 0
    national = new_user("supervisor", "VGCL")
    assert run(path, national, unit="LDLD-79").created == 1
    assert cases_of()[0].unit.code == "LDLD-79"


# --- the pages ----------------------------------------------------------------------------------

def _csv_bytes(rows, header=VI_HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_upload_page_imports_and_shows_the_rejected_rows(browser):
    organiser = new_user("organiser", "LDLD-79", password=PASSWORD)
    b = browser(organiser)
    page = b.get("/imports/")
    assert page.status_code == 200
    assert "Mã số thuế (tax_code)" in text(page) and "LDLD-79" in text(page)
    body = _csv_bytes([row("Công ty Web"), row(province="Atlantis"), row(workforce=-1)])
    response = b.submit("/imports/", {"file": (io.BytesIO(body), "danh sach.csv"),
                                      "unit": "LDLD-79"}, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)
    result = b.get(response.headers["Location"])
    page = text(result)
    assert result.status_code == 200
    assert 'data-count="created">1<' in page and 'data-count="rejected">2<' in page
    assert "Atlantis" in page and page.count('class="rejected-row"') == 2
    download = b.get(response.headers["Location"] + "/rejected.csv")
    assert download.status_code == 200
    assert "Atlantis" in download.get_data(as_text=True)
    assert cases_of()[0].enterprises[0].name == "Công ty Web"

    # someone else's result does not exist for them
    other = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    assert other.get(response.headers["Location"]).status_code == 404
    assert other.get(response.headers["Location"] + "/rejected.csv").status_code == 404


def test_upload_needs_the_csrf_token_before_anything_else(browser):
    for who in (new_user("organiser", "LDLD-79", password=PASSWORD), None):
        response = browser(who).post(
            "/imports/", data={"file": (io.BytesIO(_csv_bytes([row()])), "x.csv"),
                               "unit": "LDLD-79"}, content_type="multipart/form-data")
        assert response.status_code == 400
    assert count_rows(Case) == 0
    anonymous = browser(None).get("/imports/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_upload_refuses_wrong_types_too_large_files_and_other_units(app, browser, monkeypatch):
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    pdf = b.submit("/imports/", {"file": (io.BytesIO(b"%PDF-1.4 ..."), "list.csv"),
                                 "unit": "LDLD-79"}, content_type="multipart/form-data")
    assert pdf.status_code == 422 and "not a CSV or XLSX file" in text(pdf)
    xls = b.submit("/imports/", {"file": (io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 100),
                                          "list.xls"), "unit": "LDLD-79"},
                   content_type="multipart/form-data")
    assert xls.status_code == 422 and "old Excel file (.xls)" in text(xls)
    elsewhere = b.submit("/imports/", {"file": (io.BytesIO(_csv_bytes([row()])), "x.csv"),
                                       "unit": "LDLD-01"}, content_type="multipart/form-data")
    assert elsewhere.status_code == 403 and "outside your own unit" in text(elsewhere)
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024)
    big = b.submit("/imports/", {"file": (io.BytesIO(b"x" * 200_000), "big.csv"),
                                 "unit": "LDLD-79"}, content_type="multipart/form-data")
    assert big.status_code == 413 and "larger than" in text(big)
    assert count_rows(Case) == 0


def test_leaders_cannot_open_the_import_page(browser):
    leader = new_user("leader", "LDLD-79", password=PASSWORD)
    assert browser(leader).get("/imports/").status_code == 403


def test_the_templates_download_and_the_xlsx_one_imports_once_filled(browser, tmp_path):
    organiser = new_user("organiser", "LDLD-79", password=PASSWORD)
    b = browser(organiser)
    csv_template = b.get("/imports/template.csv")
    assert csv_template.status_code == 200
    assert csv_template.get_data().startswith(b"\xef\xbb\xbf")
    assert "Mã số thuế (tax_code)" in csv_template.get_data(as_text=True)
    xlsx = b.get("/imports/template.xlsx")
    assert xlsx.status_code == 200
    path = tmp_path / "template.xlsx"
    path.write_bytes(xlsx.get_data())
    book = load_workbook(path)
    assert "Hướng dẫn" in book.sheetnames
    sheet = book.worksheets[0]
    sheet.append(["Công ty Từ Mẫu", tax_code(), "Khánh Hòa", 70])
    book.save(path)
    assert run(path, organiser).created == 1
    assert cases_of()[0].province.code == "56"


# --- memory -------------------------------------------------------------------------------------

def _generated(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(VI_HEADER)
        for i in range(count):
            writer.writerow([f"Công ty TNHH Sản xuất và Thương mại số {i}", tax_code(),
                             ("79", "Thanh Hóa", "01")[i % 3], 50 + i % 900, "", "", "", "", ""])
    return path


def _peak(path: Path, actor, batch_size: int) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    try:
        report = run(path, actor, batch_size=batch_size)
        return tracemalloc.get_traced_memory()[1], report
    finally:
        tracemalloc.stop()


BATCH = 500
# Measured peaks at 500 rows a batch: 3.05 MB for 1,000 rows and 3.23 MB for 20,000 on SQLite,
# 2.6 / 2.7 MB on PostgreSQL. The limit allows 12 KB per row of a batch (6.1 MB); holding the
# 20,000 rows (their cleaned values and reports, ~1.5 KB each) would take about 30 MB.
PEAK_LIMIT = BATCH * 12 * 1024


def test_memory_depends_on_the_batch_size_not_on_the_file(tmp_path):
    organiser = new_user("organiser", "LDLD-79")
    small = _generated(tmp_path / "small.csv", 1_000)
    large = _generated(tmp_path / "large.csv", 20_000)
    run(_generated(tmp_path / "warm.csv", 50), organiser)      # statement caches, imports
    small_peak, small_report = _peak(small, organiser, BATCH)
    large_peak, large_report = _peak(large, organiser, BATCH)
    assert (small_report.created, large_report.created) == (1_000, 20_000)
    assert large_peak < PEAK_LIMIT, f"{large_peak / 1e6:.1f} MB"
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)
    print(f"peak traced memory: {small_peak / 1e6:.2f} MB for 1,000 rows, "
          f"{large_peak / 1e6:.2f} MB for 20,000 rows, {BATCH} rows a batch")


def test_the_web_import_is_a_job_whose_result_is_kept_on_its_row(browser, app):
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    response = b.submit("/imports/", {"file": (io.BytesIO(_csv_bytes([row()])), "x.csv"),
                                      "unit": "LDLD-79"}, content_type="multipart/form-data")
    token = response.headers["Location"].rsplit("/", 1)[1]
    job = db.session.scalar(sa.select(Job).where(Job.token == token))
    db.session.refresh(job)
    assert (job.kind, job.status, job.params["file"]) == ("import", "done", "x.csv")
    assert job.result["created"] == 1 and job.result["file"] == "x.csv"
    assert job.started_at <= job.finished_at
    assert not list(Path(app.config["IMPORTS_DIR"]).glob("*.upload"))


def test_an_import_in_another_province_does_not_rewrite_a_closed_case(tmp_path, client):
    from tests.test_api import RENAMED, assert_still_recorded, closed_case_in_79
    closed, saigon = closed_case_in_79(client)
    code = closed.enterprises[0].tax_code
    hanoi = new_user("organiser", "LDLD-01")
    path = write_csv(tmp_path / "hanoi.csv", [row(RENAMED["name"], code, "01",
                                                   RENAMED["workforce"], "nhà nước",
                                                   "banking")])
    report = run(path, hanoi, unit="LDLD-01")
    assert (report.created, report.skipped, report.rejected) == (1, 0, 0)
    db.session.expire_all()
    assert_still_recorded(saigon, closed)
    made = cases_of(hanoi)[0]
    assert (made.enterprises[0].name, made.province.code, made.enterprises[0].workforce) == (
        RENAMED["name"], "01", RENAMED["workforce"])
    assert "doi ten" in made.search_text
    # and the import still skips a tax code with an active case
    report = run(path, hanoi, unit="LDLD-01")
    assert (report.created, report.skipped) == (0, 1)


def test_a_rejected_row_names_an_active_case_only_to_those_who_may_see_it(tmp_path):
    organiser = new_user("organiser", "LDLD-79")
    taken = tax_code()
    case = typed_case(organiser, kind="grassroots", unit="LDLD-79",
                       enterprises=[{"name": "Đã có", "tax_code": taken, "province": "79",
                                     "workforce": 10}])
    commit()
    path = write_csv(tmp_path / "x.csv", [row(code=taken)])
    reasons = {}
    for who, unit in ((organiser, "LDLD-79"), (new_user("organiser", "LDLD-01"), "LDLD-01")):
        sink = RejectedRowsCsv(tmp_path / f"{unit}.rejected.csv")
        report = run(path, who, unit=unit, rejected=sink)
        sink.close()
        assert (report.created, report.skipped) == (0, 1)
        assert report.sample[0].code == "active_case"
        with open(tmp_path / f"{unit}.rejected.csv", encoding="utf-8-sig", newline="") as f:
            reasons[unit] = list(csv.reader(f))[1][2]   # row, reason code, reason
        assert reasons[unit] == report.sample[0].reason
    assert case.ref in reasons["LDLD-79"]
    assert "already has an active case" in reasons["LDLD-01"]
    assert "Liên đoàn Lao động Hồ Chí Minh" in reasons["LDLD-01"]
    assert case.ref not in reasons["LDLD-01"]

def test_the_help_s_example_row_imports(tmp_path):
    """The examples the import page and the template show pass their own checks (the tax code's
    check digit too)."""
    from casework.services.imports import COLUMNS
    organiser = new_user("organiser", "LDLD-79")
    path = write_csv(tmp_path / "example.csv", [[c.example for c in COLUMNS]],
                     header=[c.header for c in COLUMNS])
    report = run(path, organiser)
    assert (report.created, report.rejected) == (1, 0), report.sample
