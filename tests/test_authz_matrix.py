"""The authorization matrix: every route of the URL map, as every kind of actor.

The routes are generated from `app.url_map` (one test per rule and method; `static` and
`bootstrap.static` aside), so a new route cannot escape: its test fails until EXPECTED says who
may call it. EXPECTED also fails when it names a route that no longer exists.

Actors (tests/matrix_support.py): anonymous; a revoked bearer token; "crossed" (the wrong
credential for the route: a valid bearer token on an HTML page, only a session cookie on the
API); organiser, supervisor, leader and admin at LDLD-79, where every object the URL points at
lives (in scope); the same four at LDLD-01 (out of scope); a leader at the VGCL (national).
HTML routes are called with a session cookie and, for a POST, a valid CSRF token, so that the
request reaches the authorization check; API routes with a bearer token.

A cell's expectation is one of
  200 201 302   that exact status (302: a redirect anywhere but the login page)
  login         a redirect to /login?next=... (anonymous on an HTML page)
  401 403 404   refused: not authenticated / role may not / outside the scope (does not exist)
  ok            an authorized change: any answer but 401, 403, 404, a redirect to the login page
                or a 5xx (the bodies sent are valid, so it is 2xx/302 today; a 409 or 422 would
                still count as "let through")
Every mutating cell runs against objects of its own (a fresh World), so one actor's change
cannot decide the next actor's answer.
"""
from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest

from casework import clock, create_app
from casework.documents.render import shipped_template
from casework.services.membership import last_closed_month, months_of
from casework.services.membership_import import TEMPLATE_HEADER
from tests.helpers import enterprise, tax_code
from tests.matrix_support import (ACTOR_NOTES, ACTORS, IN_SCOPE, NOBODY, OUT_OF_SCOPE, World,
                                  caller_for, make_cast, outcome)

TODAY = clock.today()
REPORT_MONTH = last_closed_month(TODAY).strftime("%Y-%m")   # after the world's unions' founding
REPORT_YEAR = last_closed_month(TODAY).year
SKIPPED_ENDPOINTS = ("static", "bootstrap.static")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
DENIALS = {"login", "401", "403", "404"}
VOCABULARY = {"200", "201", "302", "login", "401", "403", "404", "ok"}
CSRF = object()  # in a body: the caller's CSRF token
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

GROUPS = {
    "nobody": NOBODY,
    "in": IN_SCOPE,
    "out": OUT_OF_SCOPE,
    "all": IN_SCOPE + OUT_OF_SCOPE + ("vgcl",),
}


def parse(spec: str) -> dict[str, str]:
    """ "nobody=login; org79 sup79=200; ..." -> {actor: expectation}, every actor exactly once."""
    table: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        names, _, want = part.partition("=")
        assert want.strip() in VOCABULARY, f"{want!r} in {spec!r}"
        for name in names.split():
            for actor in GROUPS.get(name, (name,)):
                assert actor in ACTORS, f"unknown actor {actor!r} in {spec!r}"
                assert actor not in table, f"{actor} twice in {spec!r}"
                table[actor] = want.strip()
    missing = set(ACTORS) - set(table)
    assert not missing, f"{spec!r} says nothing of {sorted(missing)}"
    return table


@dataclass(frozen=True)
class Row:
    spec: str
    body: Callable[[World], dict] | None = None   # form fields (HTML) or JSON (API)
    args: dict | None = None                      # URL argument overrides for this row

    @property
    def expect(self) -> dict[str, str]:
        return parse(self.spec)


# --- the bodies: valid, so that the request gets as far as the authorization check -------------

_serial = itertools.count(1)


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def new_case_form(w):
    return {"kind": "grassroots", "unit": "LDLD-79", "organiser": "", "target_members": "50",
            "enterprises-0-name": "Công ty TNHH Giày Da Phúc Lộc",
            "enterprises-0-tax_code": tax_code(), "enterprises-0-province": "79",
            "enterprises-0-workforce": "120", "enterprises-0-ownership": "private",
            "enterprises-0-sector": "textile_garment"}


def decision_form(approval):
    prefix = f"a{approval.id}-"
    return {prefix + "csrf_token": CSRF, prefix + "approve": "Approve",
            prefix + "comment": "Đồng ý"}


def plan_visit(w):
    return {"leader": w.cast.users["lead79"].email, "province": "79", "host_unit": "LDLD-79",
            "host_note": "", "planned_date": days(20), "purpose": "Làm việc với Thành ủy"}


def target_form(w):
    return {"unit": "LDLD-79", "year": str(TODAY.year), "new_members": "100",
            "new_unions": "2", "note": ""}


BODIES = {
    "new_case": new_case_form,
    "edit_case": lambda w: {"version": str(w.case.version), "target_members": "60"},
    "reassign": lambda w: {"version": str(w.case.version),
                           "organiser": w.cast.spare_organiser.email, "comment": "Phân công"},
    "step": lambda w: {"kind": "contact_employer", "date": TODAY.isoformat(),
                       "note": "Gặp người lao động", "applications_vietnamese": "0",
                       "applications_foreign": "0"},
    "fire": lambda w: {"version": str(w.case.version), "comment": ""},
    "decision": lambda w: decision_form(w.approval),
    "scheme_decision": lambda w: decision_form(w.scheme),
    "withdraw": lambda w: (w.approval, {"comment": "Nhầm hồ sơ"})[1],
    "new_user": lambda w: {"email": f"matrix{next(_serial)}@test.vn", "name": "Người Mới",
                           "role": "organiser", "unit": "LDLD-79",
                           "password": "mat-khau-dai-1"},
    "edit_user": lambda w: {"name": "Tên Đã Đổi", "role": "organiser", "unit": "LDLD-79",
                            "active": "y", "password": ""},
    "new_unit": lambda w: {"code": f"CDX-N{next(_serial)}", "name": "Công đoàn phường Mới",
                           "type": "commune_union", "parent": "LDLD-79", "province": "79"},
    "edit_unit": lambda w: {"code": w.unit.code, "name": "Công đoàn phường Đổi Tên",
                            "type": "commune_union", "parent": "LDLD-79", "province": "79"},
    "login": lambda w: {"email": "nobody@test.vn", "password": "not-the-password"},
    "target": target_form,
    "plan_visit": plan_visit,
    "edit_visit": lambda w: {"version": str(w.visit.version), "host_unit": "LDLD-79",
                             "host_note": "", "planned_date": days(21),
                             "purpose": "Mục đích đã sửa"},
    "record_visit": lambda w: {"version": str(w.visit.version), "status": "cancelled",
                               "outcome": ""},
    "follow_up": lambda w: {"version": str(w.visit.version), "action": "Gửi báo cáo",
                            "owner": "Bà Lê Thị Hoa", "due_date": days(30)},
    "follow_up_done": lambda w: {"version": str(w.visit.version), "done": "1"},
    "link_case": lambda w: {"version": str(w.visit.version), "case": w.other_case.ref},
    "unlink_case": lambda w: {"version": str(w.visit.version)},
    "assign": lambda w: {"leader": w.cast.users["vgcl"].email, "province": "79"},
    "unassign": lambda w: (w.assignment, {})[1],
    # the register (casework/views/register.py, register_files.py, apply.py)
    "application": lambda w: {"full_name": "Phạm Văn Đức", "nationality": "VN",
                              "applied_on": TODAY.isoformat(), "channel": "paper"},
    "verify": lambda w: {f"a{w.application.id}-csrf_token": CSRF,
                         f"a{w.application.id}-status": "verified",
                         f"a{w.application.id}-version": str(w.application.version)},
    "open_link": lambda w: {"expires_on": "", "contact": ""},
    "register_import": lambda w: {"file": (io.BytesIO("Họ và tên\nLê Văn Tám\n".encode()),
                                           "so-dang-ky.csv")},
    "scan": lambda w: {"file": (io.BytesIO(MINIMAL_PDF), "don-gia-nhap.pdf")},
    "apply": lambda w: {"full_name": "Võ Thị Sáu", "consent": "yes"},
    "api_application": lambda w: {"full_name": "Phạm Văn Đức", "nationality": "VN",
                                  "channel": "paper"},
    "api_decide": lambda w: {"status": "verified", "version": w.application.version},
    # membership (casework/views/membership*.py, casework/api/membership.py)
    "report_month": lambda w: {"month": REPORT_MONTH, "admitted_vietnamese": "0",
                               "admitted_foreign": "0", "left": "0", "closing": "100"},
    "rename_union": lambda w: {"name": "Công đoàn cơ sở Đổi Tên"},
    "transfer_union": lambda w: {"parent": w.unit.code, "on": TODAY.isoformat(),
                                 "comment": "Sáp nhập"},
    "dissolve_union": lambda w: {"on": TODAY.isoformat(), "reason": "Doanh nghiệp giải thể"},
    "grid": lambda w: {"unit": "LDLD-79", f"{w.union.unit_id}-admitted_vietnamese": "0",
                       f"{w.union.unit_id}-admitted_foreign": "0",
                       f"{w.union.unit_id}-left": "0", f"{w.union.unit_id}-closing": "100"},
    "membership_import": lambda w: {"file": (io.BytesIO(
        (",".join(TEMPLATE_HEADER) + f"\n{w.union.unit.code},{REPORT_MONTH},0,0,0,100\n")
        .encode()), "thanh-vien.csv")},
    "api_month": lambda w: {"admitted_vietnamese": 0, "admitted_foreign": 0, "left": 0,
                            "closing": 100},
    # working lists, bulk actions, duplicates (casework/views/lists.py, bulk.py, duplicates.py)
    "save_list": lambda w: {"list_name": f"Danh sách {next(_serial)}", "state": "identified"},
    "rename_list": lambda w: {"list_name": "Danh sách đổi tên"},
    "api_list": lambda w: {"name": f"Danh sách {next(_serial)}",
                           "filters": {"state": "identified"}, "shared": False},
    "bulk": lambda w: {"scope": "selected", "case_ids": str(w.case.id),
                       "action": "start_outreach", "comment": ""},
    "api_bulk": lambda w: {"case_ids": [w.case.id], "action": "start_outreach", "data": {},
                           "comment": ""},
    "distinct": lambda w: {"first": str(w.case.id), "second": str(w.other_case.id),
                           "decision": "distinct"},
    "api_duplicates": lambda w: {"enterprises": [{"name": "Công ty TNHH Giày Da Phúc Lộc",
                                                  "tax_code": tax_code(), "province": "79"}]},
    # the API
    "import": lambda w: {"unit": "LDLD-79", "file": (io.BytesIO(
        ("name,tax_code,province,workforce\nCông ty TNHH Nhập Thử," + tax_code()
         + ",79,40\n").encode()), "danh-sach.csv")},
    "generate": lambda w: {"type": "cover_letter"},
    "template": lambda w: {"type": "member_list", "file": (io.BytesIO(
        shipped_template("member_list")), "danh-sach.docx")},
    "api_generate": lambda w: {"type": "cover_letter"},
    "upload": lambda w: {"document": "cover_letter",
                         "file": (io.BytesIO(MINIMAL_PDF), "bien-ban-dai-hoi.pdf")},
    "api_case": lambda w: {"kind": "grassroots", "unit": "LDLD-79", "target_members": 50,
                           "enterprises": [enterprise()]},
    "api_step": lambda w: {"kind": "contact_employer", "date": TODAY.isoformat(),
                           "note": "Gặp người lao động"},
    "api_fire": lambda w: {"trigger": "start_outreach", "version": w.case.version, "data": {},
                           "comment": ""},
    "api_decision": lambda w: (w.approval, {"decision": "approve", "comment": "Đồng ý"})[1],
    "api_withdraw": lambda w: (w.approval, {"comment": "Nhầm hồ sơ"})[1],
    "api_scheme_decision": lambda w: (w.scheme, {"decision": "approve",
                                                 "comment": "Đồng ý"})[1],
    "api_visit": lambda w: {**plan_visit(w), "host_note": ""},
    "api_patch_visit": lambda w: {"purpose": "Mục đích đã sửa", "version": w.visit.version},
}

# What every URL argument is filled with (a rule with an argument not named here fails).
ARGUMENTS = {
    "case_id": lambda w: w.case.id,
    "attachment_id": lambda w: w.attachment.id,
    "token": lambda w: "no-such-import-000000000",
    "approval_id": lambda w: w.approval.id,
    "visit_id": lambda w: w.visit.id,
    "follow_up_id": lambda w: w.follow_up.id,
    "application_id": lambda w: w.application.id,
    "unit_id": lambda w: w.unit.id,
    "user_id": lambda w: w.user.id,
    "trigger": lambda w: "start_outreach",
    "fmt": lambda w: "csv",
    "lang": lambda w: "vi",
    "province_code": lambda w: "79",
    "type_name": lambda w: "cover_letter",
    "template_id": lambda w: 999_999,     # no such version: 404 for the administrators
    "code": lambda w: w.union.unit.code,
    "month": lambda w: REPORT_MONTH,
    "list_id": lambda w: w.saved_list.id,
}

# --- the table ---------------------------------------------------------------------------------
# Keyed by (endpoint, method) or (endpoint, method, variant): a variant calls the same route with
# other arguments (the decision routes, once on a request a supervisor decides and once on a
# conglomerate scheme that only a leader of the VGCL decides).

EVERYONE_READS = "nobody=login; all=200"
CASE_PAGE = "nobody=login; in vgcl=200; out=404"
CASE_WORK = "nobody=login; org79 sup79={}; lead79 adm79 vgcl=403; out=404"
SUPERVISOR_ONLY = "nobody=login; sup79={}; org79 lead79 adm79 vgcl=403; out=404"
ADMIN_ONLY = "nobody=login; adm79 adm01={}; org79 sup79 lead79 org01 sup01 lead01 vgcl=403"
# an administrator manages their own subtree: LDLD-79's users and units do not exist for adm01
ADMIN_OF_79 = "nobody=login; adm79={}; adm01=404; org79 sup79 lead79 org01 sup01 lead01 vgcl=403"
# ... and adm01 may not place a user or unit under LDLD-79
ADMIN_PLACING_IN_79 = ("nobody=login; adm79={}; adm01=403; "
                       "org79 sup79 lead79 org01 sup01 lead01 vgcl=403")
VISIT_WRITE = "nobody=login; lead79 adm79 vgcl={}; org79 sup79=403; out=404"
ASSIGNERS = "nobody=login; adm79 adm01 vgcl=ok; org79 sup79 lead79 org01 sup01 lead01=403"
API_EVERYONE_READS = "nobody=401; all=200"
UNION_MANAGERS = "nobody=login; sup79 adm79=ok; org79 lead79 vgcl=403; out=404"
REPORTERS_ANYWHERE = ("nobody=login; org79 sup79 org01 sup01={}; "
                      "lead79 adm79 lead01 adm01 vgcl=403")

EXPECTED: dict[tuple, Row] = {
    # cases (casework/views/cases.py)
    # `/`: a leader's home is the pipeline (a redirect), everyone else's the case list
    ("cases.home", "GET"): Row("nobody=login; lead79 lead01 vgcl=302; "
                               "org79 sup79 adm79 org01 sup01 adm01=200"),
    ("cases.index", "GET"): Row(EVERYONE_READS),
    ("cases.new", "GET"): Row("nobody=login; org79 sup79 org01 sup01=200; "
                              "lead79 adm79 lead01 adm01 vgcl=403"),
    # org01/sup01 name LDLD-79 as the managing unit: refused by case.create (403, with reason)
    ("cases.new", "POST"): Row("nobody=login; org79 sup79=ok; org01 sup01=403; "
                               "lead79 adm79 lead01 adm01 vgcl=403", BODIES["new_case"]),
    ("cases.detail", "GET"): Row(CASE_PAGE),
    ("cases.edit", "GET"): Row(CASE_WORK.format("200")),
    ("cases.edit", "POST"): Row(CASE_WORK.format("ok"), BODIES["edit_case"]),
    ("cases.reassign_case", "GET"): Row(SUPERVISOR_ONLY.format("200")),
    ("cases.reassign_case", "POST"): Row(SUPERVISOR_ONLY.format("ok"), BODIES["reassign"]),
    ("cases.add_step", "POST"): Row(CASE_WORK.format("ok"), BODIES["step"]),
    ("cases.fire", "GET"): Row(CASE_WORK.format("200")),
    ("cases.fire", "POST"): Row(CASE_WORK.format("ok"), BODIES["fire"]),
    # approvals (casework/views/approvals.py)
    ("approvals.inbox", "GET"): Row(EVERYONE_READS),
    ("approvals.decision", "POST"): Row(SUPERVISOR_ONLY.format("ok"), BODIES["decision"]),
    ("approvals.decision", "POST", "scheme"): Row(
        "nobody=login; vgcl=ok; org79 sup79 lead79 adm79=403; out=404",
        BODIES["scheme_decision"], args={"approval_id": lambda w: w.scheme.id}),
    # only the requester (org79) withdraws a request: the others in scope are refused
    ("approvals.withdraw_request", "POST"): Row(
        "nobody=login; org79=ok; sup79 lead79 adm79 vgcl=403; out=404", BODIES["withdraw"]),
    # administration (casework/views/admin.py): any admin, wherever their unit
    ("admin.users", "GET"): Row(ADMIN_ONLY.format("200")),
    ("admin.new_user", "GET"): Row(ADMIN_ONLY.format("200")),
    ("admin.new_user", "POST"): Row(ADMIN_PLACING_IN_79.format("ok"), BODIES["new_user"]),
    ("admin.edit_user", "GET"): Row(ADMIN_OF_79.format("200")),
    ("admin.edit_user", "POST"): Row(ADMIN_OF_79.format("ok"), BODIES["edit_user"]),
    ("admin.revoke_user_tokens", "POST"): Row(ADMIN_OF_79.format("ok"), lambda w: {}),
    ("admin.units", "GET"): Row(ADMIN_ONLY.format("200")),
    ("admin.new_unit", "GET"): Row(ADMIN_ONLY.format("200")),
    ("admin.new_unit", "POST"): Row(ADMIN_PLACING_IN_79.format("ok"), BODIES["new_unit"]),
    ("admin.edit_unit", "GET"): Row(ADMIN_OF_79.format("200")),
    ("admin.edit_unit", "POST"): Row(ADMIN_OF_79.format("ok"), BODIES["edit_unit"]),
    # dossier attachments, notifications, the workflow diagram
    ("cases.upload_attachment", "POST"): Row(CASE_WORK.format("ok"), BODIES["upload"]),
    # the world's file is the member list: it names workers, so only the organisers open it;
    # any other dossier file is for every reader of the case
    ("cases.download_attachment", "GET"): Row(CASE_WORK.format("200")),
    ("cases.download_attachment", "GET", "cover_letter"): Row(
        CASE_PAGE, args={"attachment_id": lambda w: w.cover_letter.id}),
    # generated documents (casework/views/documents.py): whoever may take the matching action
    # (a case with no congress yet: the answer is a redirect saying what is missing); the PDF
    # of the world's attachment, an upload, is refused with a redirect saying why
    ("documents.generate", "POST"): Row(CASE_WORK.format("ok"), BODIES["generate"]),
    ("documents.make_pdf", "POST"): Row(CASE_WORK.format("ok"), lambda w: {}),
    # document templates (casework/views/document_templates.py): an administrator's own unit
    ("document_templates.index", "GET"): Row(ADMIN_ONLY.format("200")),
    ("document_templates.upload", "POST"): Row(ADMIN_ONLY.format("ok"), BODIES["template"]),
    ("document_templates.current", "GET"): Row(ADMIN_ONLY.format("200")),
    ("document_templates.version", "GET"): Row(ADMIN_ONLY.format("404")),
    ("notifications.index", "GET"): Row(EVERYONE_READS),
    ("notifications.read_all", "POST"): Row("nobody=login; all=ok", lambda w: {}),
    ("workflow.index", "GET"): Row(EVERYONE_READS),
    # bulk import of enterprises (casework/views/imports.py); a result is its importer's only
    ("imports.index", "GET"): Row("nobody=login; org79 sup79 org01 sup01=200; "
                                  "lead79 adm79 lead01 adm01 vgcl=403"),
    ("imports.index", "POST"): Row("nobody=login; org79 sup79=ok; org01 sup01=403; "
                                   "lead79 adm79 lead01 adm01 vgcl=403", BODIES["import"]),
    ("imports.result", "GET"): Row("nobody=login; all=404"),
    ("imports.rejected_csv", "GET"): Row("nobody=login; all=404"),
    ("imports.template_csv", "GET"): Row(EVERYONE_READS),
    ("imports.template_xlsx", "GET"): Row(EVERYONE_READS),
    # a background job's page and file (casework/views/jobs.py): its starter's only
    ("jobs.show", "GET"): Row("nobody=login; all=404"),
    ("jobs.download", "GET"): Row("nobody=login; all=404"),
    # signing in and out (casework/views/auth.py): public, a signed-in user is sent on
    ("auth.login", "GET"): Row("nobody=200; all=302"),
    ("auth.login", "POST"): Row("nobody=200; all=302", BODIES["login"]),
    ("auth.logout", "POST"): Row("nobody=login; all=302", lambda w: {}),
    ("auth.language", "POST"): Row("nobody=302; all=302", lambda w: {}),
    # leadership (casework/views/leadership.py): every signed-in role reads its own scope
    ("leadership.index", "GET"): Row("nobody=login; all=302"),
    ("leadership.pipeline_page", "GET"): Row(EVERYONE_READS),
    ("leadership.timings_page", "GET"): Row(EVERYONE_READS),
    ("leadership.targets_page", "GET"): Row(EVERYONE_READS),
    ("leadership.export_cases", "GET"): Row(EVERYONE_READS),
    ("leadership.export_pipeline", "GET"): Row(EVERYONE_READS),
    ("leadership.export_targets", "GET"): Row(EVERYONE_READS),
    ("leadership.edit_target", "GET"): Row("nobody=login; adm79 adm01 vgcl=200; "
                                           "org79 sup79 lead79 org01 sup01 lead01=403"),
    # adm01 may set targets, but not for LDLD-79, outside their subtree
    ("leadership.edit_target", "POST"): Row("nobody=login; adm79 vgcl=ok; adm01=403; "
                                            "org79 sup79 lead79 org01 sup01 lead01=403",
                                            BODIES["target"]),
    # leadership visits (casework/views/visits.py): everyone reads the visits of their scope,
    # leaders (of their own province) and admins plan and record them
    ("visits.index", "GET"): Row(EVERYONE_READS),
    ("visits.overdue", "GET"): Row(EVERYONE_READS),
    ("visits.coverage", "GET"): Row(EVERYONE_READS),
    ("visits.new", "GET"): Row("nobody=login; lead79 adm79 lead01 adm01 vgcl=200; "
                               "org79 sup79 org01 sup01=403"),
    # lead01 plans only in their own province (01); an admin plans in any province
    # leaders and administrators of province 01 may not plan a visit in province 79
    ("visits.new", "POST"): Row("nobody=login; lead79 adm79 vgcl=ok; lead01 adm01=403; "
                                "org79 sup79 org01 sup01=403", BODIES["plan_visit"]),
    ("visits.show", "GET"): Row(CASE_PAGE),
    ("visits.edit", "GET"): Row(VISIT_WRITE.format("200")),
    ("visits.edit", "POST"): Row(VISIT_WRITE.format("ok"), BODIES["edit_visit"]),
    ("visits.record", "POST"): Row(VISIT_WRITE.format("ok"), BODIES["record_visit"]),
    ("visits.add_follow_up", "POST"): Row(VISIT_WRITE.format("ok"), BODIES["follow_up"]),
    ("visits.follow_up_done", "POST"): Row(VISIT_WRITE.format("ok"), BODIES["follow_up_done"]),
    ("visits.link_case", "POST"): Row(VISIT_WRITE.format("ok"), BODIES["link_case"]),
    ("visits.unlink_case", "POST"): Row(VISIT_WRITE.format("ok"), BODIES["unlink_case"]),
    ("visits.assign", "POST"): Row(ASSIGNERS, BODIES["assign"]),
    ("visits.unassign", "POST"): Row(ASSIGNERS, BODIES["unassign"]),
    # the register of a case: its organisers and supervisors; leaders and admins see counts
    ("register.page", "GET"): Row(CASE_PAGE),
    ("register.add", "POST"): Row(CASE_WORK.format("ok"), BODIES["application"]),
    ("register.decide", "POST"): Row(CASE_WORK.format("ok"), BODIES["verify"]),
    ("register.open_application_link", "POST"): Row(CASE_WORK.format("ok"),
                                                    BODIES["open_link"]),
    ("register.close_application_link", "POST"): Row(CASE_WORK.format("ok"), lambda w: {}),
    ("register.link_qr", "GET"): Row(CASE_WORK.format("200"),
                                     args={"case_id": lambda w: (w.link_token, w.case.id)[1]}),
    ("register.export", "GET"): Row(CASE_WORK.format("200")),
    ("register.member_list", "GET"): Row(CASE_WORK.format("200")),
    ("register.confirm_members", "POST"): Row(CASE_WORK.format("ok"), lambda w: {}),
    ("register.person_export", "GET"): Row(CASE_WORK.format("200")),
    ("register.erase", "POST"): Row(CASE_WORK.format("ok"), lambda w: {}),
    ("register.upload_form", "POST"): Row(CASE_WORK.format("ok"), BODIES["scan"]),
    ("register.download_form", "GET"): Row(CASE_WORK.format("200"),
                                           args={"application_id": lambda w: w.scanned.id}),
    ("register.import_template", "GET"): Row(CASE_PAGE),
    ("register.import_file", "POST"): Row(CASE_WORK.format("ok"), BODIES["register_import"]),
    # the public application page: no login; a live token (a dead one is 404 for everyone)
    ("apply.form", "GET"): Row("nobody=200; all=200", args={"token": lambda w: w.link_token}),
    ("apply.submit", "POST"): Row("nobody=200; all=200", BODIES["apply"],
                                  args={"token": lambda w: w.link_token}),
    # membership (casework/views/membership*.py): every role reads the unions of its scope;
    # organisers and supervisors report a month; supervisors and administrators rename,
    # transfer and dissolve; the grid and the lists are of the reader's own unit
    ("membership.unit_page", "GET"): Row(CASE_PAGE),
    ("membership.unit_page", "GET", "outside"): Row(
        "nobody=login; in=404; out vgcl=200", args={"code": lambda w: w.far_union.unit.code}),
    ("membership.report", "POST"): Row(CASE_WORK.format("ok"), BODIES["report_month"]),
    ("membership.report", "POST", "outside"): Row(
        "nobody=login; in=404; org01 sup01=ok; lead01 adm01 vgcl=403", BODIES["report_month"],
        args={"code": lambda w: w.far_union.unit.code}),
    ("membership.rename", "POST"): Row(UNION_MANAGERS, BODIES["rename_union"]),
    ("membership.transfer", "POST"): Row(UNION_MANAGERS, BODIES["transfer_union"]),
    ("membership.dissolve", "POST"): Row(UNION_MANAGERS, BODIES["dissolve_union"]),
    ("membership.grid", "GET"): Row(EVERYONE_READS),
    # org01/sup01 name LDLD-79: their own unit's grid instead (the union is not in it)
    ("membership.grid", "POST"): Row(REPORTERS_ANYWHERE.format("ok"), BODIES["grid"]),
    ("membership.missing", "GET"): Row(EVERYONE_READS),
    ("membership.trajectory_page", "GET"): Row(EVERYONE_READS),
    ("membership.import_page", "GET"): Row(REPORTERS_ANYWHERE.format("200")),
    # org01/sup01: the row of a union outside their unit is refused in the row report
    ("membership.import_page", "POST"): Row(REPORTERS_ANYWHERE.format("ok"),
                                            BODIES["membership_import"]),
    ("membership.import_template", "GET"): Row(EVERYONE_READS),
    # working lists (casework/views/lists.py): org79's list, shared with LDLD-79, is seen by
    # LDLD-79 and its subtree, changed by its owner only (anyone else: 404, as the view says)
    ("lists.open_list", "GET"): Row("nobody=login; in=302; out vgcl=404"),
    ("lists.save", "POST"): Row("nobody=login; all=ok", BODIES["save_list"]),
    ("lists.rename", "POST"): Row("nobody=login; org79=ok; sup79 lead79 adm79 out vgcl=404",
                                  BODIES["rename_list"]),
    ("lists.delete", "POST"): Row("nobody=login; org79=ok; sup79 lead79 adm79 out vgcl=404",
                                  lambda w: {}),
    # bulk actions (casework/views/bulk.py): anyone signed in asks; each case is then refused
    # or done by the same rules as one at a time (the answer lists each case's outcome);
    # a job is its starter's only (the matrix's token names none: 404)
    ("bulk.prepare", "POST"): Row("nobody=login; all=200", BODIES["bulk"]),
    ("bulk.run", "POST"): Row("nobody=login; all=200", BODIES["bulk"]),
    ("bulk.job", "GET"): Row("nobody=login; all=404"),
    ("bulk.report", "GET"): Row("nobody=login; all=404"),
    # duplicates (casework/views/duplicates.py): the supervisors of the cases' scope
    ("duplicates.index", "GET"): Row("nobody=login; sup79 sup01=200; "
                                     "org79 lead79 adm79 org01 lead01 adm01 vgcl=403"),
    ("duplicates.decide", "POST"): Row("nobody=login; sup79=ok; sup01=404; "
                                       "org79 lead79 adm79 org01 lead01 adm01 vgcl=403",
                                       BODIES["distinct"]),
    # the JSON API (casework/api/*.py): a bearer token, never a cookie
    ("api.unit_membership", "GET"): Row("nobody=401; in vgcl=200; out=404"),
    ("api.unit_membership", "GET", "outside"): Row(
        "nobody=401; in=404; out vgcl=200", args={"code": lambda w: w.far_union.unit.code}),
    ("api.put_membership", "PUT"): Row("nobody=401; org79 sup79=ok; lead79 adm79 vgcl=403; "
                                       "out=404", BODIES["api_month"]),
    ("api.membership_json", "GET"): Row(API_EVERYONE_READS),
    ("api.get_lists", "GET"): Row(API_EVERYONE_READS),
    ("api.post_list", "POST"): Row("nobody=401; all=201", BODIES["api_list"]),
    ("api.list_cases_of", "GET"): Row("nobody=401; in=200; out vgcl=404"),
    ("api.post_bulk", "POST"): Row("nobody=401; all=200", BODIES["api_bulk"]),
    ("api.get_bulk_job", "GET"): Row("nobody=401; all=404"),
    ("api.check_duplicates", "POST"): Row("nobody=401; all=200", BODIES["api_duplicates"]),
    ("api.list_applications", "GET"): Row("nobody=401; org79 sup79=200; lead79 adm79 vgcl=403; "
                                          "out=404"),
    ("api.post_application", "POST"): Row("nobody=401; org79 sup79=ok; lead79 adm79 vgcl=403; "
                                          "out=404", BODIES["api_application"]),
    ("api.patch_application", "PATCH"): Row("nobody=401; org79 sup79=ok; lead79 adm79 "
                                            "vgcl=403; out=404", BODIES["api_decide"]),
    ("api.post_application_link", "POST"): Row("nobody=401; org79 sup79=ok; lead79 adm79 "
                                               "vgcl=403; out=404", lambda w: {}),
    ("api.delete_application_link", "DELETE"): Row("nobody=401; org79 sup79=ok; lead79 adm79 "
                                                   "vgcl=403; out=404", lambda w: {}),
    ("api.openapi", "GET"): Row("nobody=200; all=200"),
    ("api.workflow", "GET"): Row(API_EVERYONE_READS),
    ("api.list_cases", "GET"): Row(API_EVERYONE_READS),
    ("api.post_case", "POST"): Row("nobody=401; org79 sup79=ok; "
                                   "lead79 adm79 vgcl org01 sup01 lead01 adm01=403",
                                   BODIES["api_case"]),
    ("api.get_case", "GET"): Row("nobody=401; in vgcl=200; out=404"),
    ("api.add_step", "POST"): Row("nobody=401; org79 sup79=ok; lead79 adm79 vgcl=403; out=404",
                                  BODIES["api_step"]),
    ("api.transition", "POST"): Row("nobody=401; org79 sup79=ok; lead79 adm79 vgcl=403; "
                                    "out=404", BODIES["api_fire"]),
    ("api.document_types", "GET"): Row(API_EVERYONE_READS),
    ("api.post_document", "POST"): Row("nobody=401; org79 sup79=ok; lead79 adm79 vgcl=403; "
                                       "out=404", BODIES["api_generate"]),
    ("api.list_approvals", "GET"): Row(API_EVERYONE_READS),
    ("api.decision", "POST"): Row("nobody=401; sup79=ok; org79 lead79 adm79 vgcl=403; out=404",
                                  BODIES["api_decision"]),
    ("api.withdraw_request", "POST"): Row(
        "nobody=401; org79=ok; sup79 lead79 adm79 vgcl=403; out=404", BODIES["api_withdraw"]),
    ("api.decision", "POST", "scheme"): Row(
        "nobody=401; vgcl=ok; org79 sup79 lead79 adm79=403; out=404",
        BODIES["api_scheme_decision"], args={"approval_id": lambda w: w.scheme.id}),
    ("api.pipeline_json", "GET"): Row(API_EVERYONE_READS),
    ("api.timings_json", "GET"): Row(API_EVERYONE_READS),
    ("api.targets_json", "GET"): Row(API_EVERYONE_READS),
    ("api.list_visits", "GET"): Row(API_EVERYONE_READS),
    ("api.post_visit", "POST"): Row("nobody=401; lead79 adm79 vgcl=ok; "
                                    "lead01 adm01 org79 sup79 org01 sup01=403",
                                    BODIES["api_visit"]),
    ("api.show_visit", "GET"): Row("nobody=401; in vgcl=200; out=404"),
    ("api.patch_visit", "PATCH"): Row("nobody=401; lead79 adm79 vgcl=ok; org79 sup79=403; "
                                      "out=404", BODIES["api_patch_visit"]),
    # operations (casework/views/health.py, casework/metrics.py): the probes are public; the
    # metrics take METRICS_TOKEN or a caller on the server itself, never a user's login or
    # API token (the matrix calls from 10.x.x.x without METRICS_TOKEN: refused to all)
    ("health.healthz", "GET"): Row("nobody=200; all=200"),
    ("health.readyz", "GET"): Row("nobody=200; all=200"),
    ("metrics.metrics", "GET"): Row("nobody=403; all=403"),
}
# not pages: no login page to send anyone to
MACHINE_ENDPOINTS = {"metrics.metrics"}
CELLS = 1848   # every route (and variant) × every actor: test_zz_the_count_of_cells

# Cells known to be wrong in code this suite may not change: (endpoint, method[, variant],
# actor) -> what is wrong. Such a cell is still checked and must still be wrong (so the entry is
# removed once fixed); the test then xfails instead of failing.
KNOWN_BUGS: dict[tuple, str] = {}


# --- the routes, from the URL map --------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str
    arguments: tuple[str, ...]
    variant: str | None = None

    @property
    def key(self) -> tuple:
        return (self.endpoint, self.method) + ((self.variant,) if self.variant else ())

    @property
    def kind(self) -> str:
        return "api" if self.rule.startswith("/api/") else "html"

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}" + (f" [{self.variant}]" if self.variant else "")


def routes_of(app) -> list[Route]:
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            base = Route(rule.endpoint, method, rule.rule, tuple(sorted(rule.arguments)))
            routes.append(base)
            routes.extend(Route(base.endpoint, method, base.rule, base.arguments, key[2])
                          for key in EXPECTED
                          if len(key) == 3 and key[:2] == (rule.endpoint, method))
    return routes


def _collection_app():
    """An app only to read the URL map at collection time (the same blueprints as any other)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "SECRET_KEY": "matrix", "RATELIMIT_ENABLED": False})


ROUTES = routes_of(_collection_app())
TALLY = {"cells": 0, "routes": set(), "by_actor": {}}


def pytest_generate_tests(metafunc):
    if "route" in metafunc.fixturenames:
        metafunc.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])


class _Summary:
    """Writes the one-line count at the end of the run, whatever -q/-s say."""

    def pytest_terminal_summary(self, terminalreporter):
        if TALLY["cells"]:
            terminalreporter.write_line(
                f"authorization matrix: {TALLY['cells']} cells checked "
                f"({len(TALLY['routes'])} routes × {len(ACTORS)} actors)")


@pytest.fixture(autouse=True, scope="module")
def _summary_line(pytestconfig):
    if not pytestconfig.pluginmanager.has_plugin("authz-matrix-summary"):
        pytestconfig.pluginmanager.register(_Summary(), "authz-matrix-summary")


def url_of(route: Route, row: Row, world: World) -> str:
    fillers = {**ARGUMENTS, **(row.args or {})}
    missing = [a for a in route.arguments if a not in fillers]
    assert not missing, f"{route.id}: no value for the URL argument(s) {missing}; add them to " \
                        "ARGUMENTS in tests/test_authz_matrix.py"
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(fillers[m.group(1)](world)),
                  route.rule)


def call(app, cast, route: Route, row: Row, actor: str, world: World, *, with_csrf=True):
    caller = caller_for(app, cast, actor, route.kind)
    body = row.body(world) if row.body else None
    url = url_of(route, row, world)
    if route.kind == "api":
        return caller.request(route.method, url, json=body if route.method != "GET" else None)
    if body:
        body = {k: (caller.csrf if v is CSRF else v) for k, v in body.items()}
        if not with_csrf:
            body = {k: v for k, v in body.items() if not k.endswith("csrf_token")}
    return caller.request(route.method, url, form=body, with_csrf=with_csrf)


def matches(want: str, got: str) -> bool:
    if want == "ok":
        return got not in DENIALS and int(got) < 500
    return got == want


# --- the tests ---------------------------------------------------------------------------------

def test_the_table_names_exactly_the_routes_of_the_url_map(app):
    live = {r.key for r in routes_of(app)}
    keys = {(e, m) for e, m, *_ in EXPECTED} | {k for k in EXPECTED if len(k) == 3}
    unlisted = sorted(k for k in live if k not in EXPECTED)
    gone = sorted(k for k in keys if k not in live
                  and not (len(k) == 3 and k[:2] in live))
    assert not (unlisted or gone), (f"routes without an entry in EXPECTED: {unlisted}; "
                                    f"EXPECTED names routes that no longer exist: {gone}")
    for key, row in EXPECTED.items():
        table = row.expect  # parses: every actor exactly once, known expectations
        api = key[0].startswith("api.")
        machine = key[0] in MACHINE_ENDPOINTS
        for actor in NOBODY:
            assert table[actor] in (("401", "403", "200") if machine else ("401", "200") if api
                                    else ("login", "200", "302")), (key, actor)
        if row.body is None:
            assert key[1] == "GET", f"{key}: a mutating route needs a body"
    assert set(KNOWN_BUGS) <= {k + (a,) for k in EXPECTED for a in ACTORS}


def test_matrix(route, app):
    """One route (rule and method) as every actor."""
    row = EXPECTED.get(route.key)
    assert row is not None, (
        f"{route.id} (endpoint {route.endpoint}) is not in the authorization matrix: add "
        f"{route.key!r} to EXPECTED in tests/test_authz_matrix.py with who may call it")
    expect = row.expect
    cast = make_cast()
    shared = World(cast)
    wrong, known = [], []
    for actor in ACTORS:
        world = shared if route.method == "GET" else World(cast)  # a change gets its own objects
        response = call(app, cast, route, row, actor, world)
        got, want = outcome(response), expect[actor]
        TALLY["cells"] += 1
        TALLY["by_actor"][actor] = TALLY["by_actor"].get(actor, 0) + 1
        bug = KNOWN_BUGS.get(route.key + (actor,))
        line = (f"{route.id} as {actor} ({ACTOR_NOTES.get(actor, 'role actor')}): "
                f"expected {want}, got {got}")
        if bug:
            assert not matches(want, got), f"fixed? remove it from KNOWN_BUGS: {line}"
            known.append(f"{line} — {bug}")
        elif not matches(want, got):
            wrong.append(line + f" {response.get_data(as_text=True)[:300]!r}")
    TALLY["routes"].add(route.id)
    assert not wrong, "\n".join(wrong)
    if known:
        pytest.xfail("known authorization bugs:\n" + "\n".join(known))


def test_a_post_without_a_csrf_token_is_400_on_every_html_route(app):
    """Before any other check: as anonymous and as an actor allowed to make the change."""
    cast = make_cast()
    checked = 0
    for route in ROUTES:
        if route.kind != "html" or route.method == "GET" or route.variant:
            continue
        row = EXPECTED[route.key]
        allowed = next(a for a in ACTORS[3:] if row.expect[a] in ("ok", "302", "200"))
        for actor in ("anon", allowed):
            response = call(app, cast, route, row, actor, World(cast), with_csrf=False)
            # the upload routes check the token in the view, after the login and the size
            # check (so a huge body is never read): anonymous is sent to log in first
            sent_to_login = (response.status_code == 302
                             and "/login" in response.headers.get("Location", ""))
            assert response.status_code == 400 or (actor == "anon" and sent_to_login), \
                (route.id, actor, response.status_code)
            checked += 1
    assert checked >= 2 * 20


# Routes whose answer is 200 whoever asks, the refusal being told per object inside it (a bulk
# action's outcome per case, an import's row report): what each actor really changed.
CHANGED_PER_OBJECT = {
    ("bulk.run", "POST"): lambda w: w.case.state != "identified",
    ("api.post_bulk", "POST"): lambda w: w.case.state != "identified",
    ("membership.import_page", "POST"): lambda w: bool(months_of(w.union, REPORT_YEAR)),
    ("membership.grid", "POST"): lambda w: bool(months_of(w.union, REPORT_YEAR)),
}


@pytest.mark.parametrize("key", sorted(CHANGED_PER_OBJECT), ids=lambda k: f"{k[1]} {k[0]}")
def test_an_answer_for_everyone_changes_only_what_the_actor_may(app, key):
    from casework.extensions import db
    route = next(r for r in ROUTES if r.key == key)
    row, changed = EXPECTED[key], CHANGED_PER_OBJECT[key]
    cast = make_cast()
    did = set()
    for actor in ACTORS[3:]:
        world = World(cast)
        world.case, world.union  # built before the call, whoever calls
        response = call(app, cast, route, row, actor, world)
        assert response.status_code < 500, (actor, response.status_code)
        db.session.expire_all()
        if changed(world):
            did.add(actor)
    assert did == {"org79", "sup79"}, sorted(did)


def test_zz_the_count_of_cells(request):
    """Every route generated from the URL map was called as every actor (when the whole
    matrix ran: a -k selection skips this count)."""
    matrix_items = [i for i in request.session.items if i.originalname == "test_matrix"]
    if len(matrix_items) != len(ROUTES):
        pytest.skip("only part of the matrix was selected")
    assert len(TALLY["routes"]) == len(ROUTES), \
        sorted({r.id for r in ROUTES} - TALLY["routes"])
    assert TALLY["cells"] == len(ROUTES) * len(ACTORS)
    # the total, said once here so that a change to it is seen in review: 154 routes × 12 actors
    assert TALLY["cells"] == CELLS, f"{TALLY['cells']} cells: update CELLS with the new rows"
    assert set(TALLY["by_actor"].values()) == {len(ROUTES)}
