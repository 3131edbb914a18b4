"""Support for the authorization matrix (tests/test_authz_matrix.py): the actors, the objects a
route's URL arguments point at, and clients that authenticate as an actor would.

Everything is built through the real services. The objects live under LDLD-79 (province 79):
"in scope" for the actors at LDLD-79 and for the VGCL, "out of scope" for those at LDLD-01.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import os
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from itsdangerous import URLSafeTimedSerializer

from casework.extensions import db
from casework.models import User
from casework.services import visits as visit_service
from casework.services.visit_coverage import assign_province
from casework.services.units import create_unit
from casework.services.users import issue_token, revoke_tokens
from casework.transaction import commit
from casework import clock
from tests.helpers import enterprise, fire, log, make_case, new_user

# --- actors -----------------------------------------------------------------------------------

ROLES = ("organiser", "supervisor", "leader", "admin")
SHORT = {"organiser": "org", "supervisor": "sup", "leader": "lead", "admin": "adm"}
IN_SCOPE = tuple(f"{SHORT[r]}79" for r in ROLES)      # at LDLD-79, where the objects are
OUT_OF_SCOPE = tuple(f"{SHORT[r]}01" for r in ROLES)  # at LDLD-01 (Hà Nội)
NOBODY = ("anon", "revoked", "crossed")
ACTORS = NOBODY + IN_SCOPE + OUT_OF_SCOPE + ("vgcl",)
ACTOR_NOTES = {
    "anon": "no credentials at all",
    "revoked": "a supervisor at LDLD-79 presenting a revoked bearer token",
    "crossed": "a supervisor at LDLD-79 presenting the wrong credential for the route: a valid "
               "bearer token on an HTML route, only a session cookie on an API route",
    "vgcl": "a leader at the VGCL (national scope)",
}

_addresses = itertools.count(1)


@dataclass
class Cast:
    """The people of one test: one user per role actor, plus the credential holders."""
    users: dict[str, User]
    revoked_token: str
    crossed_user: User
    crossed_token: str
    spare_organiser: User      # someone to reassign a case to

    def user(self, actor: str) -> User | None:
        return self.users.get(actor)


def make_cast() -> Cast:
    users = {}
    for province, unit in (("79", "LDLD-79"), ("01", "LDLD-01")):
        for role in ROLES:
            users[f"{SHORT[role]}{province}"] = new_user(role, unit)
    users["vgcl"] = new_user("leader", "VGCL")
    revoked = new_user("supervisor", "LDLD-79", name="Revoked Token Holder")
    revoked_token = issue_token(revoked)
    db.session.commit()
    revoke_tokens(revoked)
    db.session.commit()
    crossed = new_user("supervisor", "LDLD-79", name="Crossed Credential Holder")
    crossed_token = issue_token(crossed)
    db.session.commit()
    return Cast(users=users, revoked_token=revoked_token, crossed_user=crossed,
                crossed_token=crossed_token,
                spare_organiser=new_user("organiser", "LDLD-79", name="Spare Organiser"))


# --- clients ----------------------------------------------------------------------------------

def signed_csrf(app, raw: str) -> str:
    """The token Flask-WTF would put in a form for the session holding `raw`."""
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


@dataclass
class Caller:
    """A test client set up to act as one actor on one kind of route ("html" or "api")."""
    client: object
    headers: dict = field(default_factory=dict)
    csrf: str | None = None

    def request(self, method: str, url: str, *, form: dict | None = None,
                json: dict | None = None, with_csrf: bool = True):
        kwargs = {"headers": self.headers}
        if json is not None:
            kwargs["json"] = json
        elif method != "GET":
            data = dict(form or {})
            if with_csrf and self.csrf:
                data.setdefault("csrf_token", self.csrf)
            kwargs["data"] = data
        response = self.client.open(url, method=method, **kwargs)
        response.get_data()  # run a streamed body (an export) to its end, inside this request
        response.close()
        return response


def caller_for(app, cast: Cast, actor: str, kind: str) -> Caller:
    """How `actor` reaches a route of `kind`: a session cookie (with its CSRF token) for HTML, a
    bearer token for the API; "crossed" presents the other channel's credential."""
    n = next(_addresses)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    session_user = None
    headers = {}
    if actor == "revoked":
        headers = {"Authorization": f"Bearer {cast.revoked_token}"}
    elif actor == "crossed":
        if kind == "html":
            headers = {"Authorization": f"Bearer {cast.crossed_token}"}
        else:
            session_user = cast.crossed_user
    elif actor != "anon":
        user = cast.users[actor]
        if kind == "html":
            session_user = user
        else:
            headers = {"Authorization": f"Bearer {issue_token(user)}"}
            db.session.commit()
    raw = hashlib.sha1(os.urandom(64)).hexdigest()
    with client.session_transaction() as session:
        session["csrf_token"] = raw
        if session_user is not None:
            session["_user_id"] = session_user.get_id()
            session["_fresh"] = True
    return Caller(client=client, headers=headers, csrf=signed_csrf(app, raw))


def outcome(response) -> str:
    """The status as the matrix names it: "login" for a redirect to the login page (with a
    next= to come back to), "302" for any other redirect, else the status code."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers.get("Location", ""))
        if target.path == "/login" and "next=" in target.query:
            return "login"
        return "302"
    return str(response.status_code)


# --- the objects the URL arguments point at ---------------------------------------------------

_units = itertools.count(1)
TODAY = clock.today()


class World:
    """Objects under LDLD-79, each built on first use (a mutating cell gets a World of its own).

    case         a grassroots case in `identified`, organiser org79 (start_outreach may fire)
    other_case   another such case (to link to a visit)
    approval     another grassroots case with org79's pending request to close it (a
                 supervisor decides it)
    scheme       a conglomerate pilot case with org79's pending request approve_scheme (a
                 leader of the VGCL decides it)
    visit        a planned visit of lead79 to province 79 hosted by LDLD-79, with `case` linked
                 and one open follow-up
    application  an application received in `case`'s register
    link_token   the token of `case`'s open application link
    unit         a commune union under LDLD-79
    user         an organiser at LDLD-79 holding a live API token
    assignment   province 79 assigned to the VGCL leader
    union        a grassroots union under LDLD-79 (founded ~13 months ago, 100 members)
    far_union    the same under LDLD-01 (outside the scope of the actors at LDLD-79)
    saved_list   org79's working list, shared with LDLD-79
    """

    def __init__(self, cast: Cast):
        self.cast = cast
        self._built: dict = {}

    def _once(self, name, build):
        if name not in self._built:
            self._built[name] = build()
        return self._built[name]

    @property
    def organiser(self) -> User:
        return self.cast.users["org79"]

    @property
    def case(self):
        return self._once("case", lambda: make_case(self.organiser))

    @property
    def other_case(self):
        return self._once("other_case", lambda: make_case(self.organiser))

    @property
    def approval(self):
        def build():
            case = make_case(self.organiser)
            outcome_, approval = fire(case, self.organiser, "close",
                                      comment="Doanh nghiệp giải thể")
            assert outcome_ == "approval"
            return approval
        return self._once("approval", build)

    @property
    def scheme(self):
        def build():
            case = make_case(self.organiser, "conglomerate_pilot",
                             enterprises=[enterprise("Tập đoàn Dệt May", workforce=5000)])
            fire(case, self.organiser, "start_survey")
            log(case, self.organiser, "survey_report", note="Báo cáo khảo sát")
            fire(case, self.organiser, "draft_scheme")
            outcome_, approval = fire(case, self.organiser, "approve_scheme")
            assert outcome_ == "approval"
            return approval
        return self._once("scheme", build)

    @property
    def visit(self):
        def build():
            leader = self.cast.users["lead79"]
            visit = visit_service.create_visit(
                leader, leader=leader.email, province="79", host_unit="LDLD-79",
                planned_date=TODAY + timedelta(days=14),
                purpose="Thúc đẩy thành lập công đoàn cơ sở")
            commit()
            visit_service.link_case(visit, leader, self.case.id, version=visit.version)
            commit()
            visit_service.add_follow_up(visit, leader, action="Gặp Ban Giám đốc",
                                        owner="Ông Trần Văn Bình",
                                        due_date=TODAY + timedelta(days=30),
                                        version=visit.version)
            commit()
            return visit
        return self._once("visit", build)

    @property
    def attachment(self):
        def build():
            from werkzeug.datastructures import FileStorage

            from casework.services.attachments import store_attachment
            upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="don.pdf")
            attachment = store_attachment(self.case, self.organiser, "member_list", upload)
            commit()
            return attachment
        return self._once("attachment", build)

    @property
    def cover_letter(self):
        """A dossier file that names no worker."""
        def build():
            from werkzeug.datastructures import FileStorage

            from casework.services.attachments import store_attachment
            upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="cong-van.pdf")
            attachment = store_attachment(self.case, self.organiser, "cover_letter", upload)
            commit()
            return attachment
        return self._once("cover_letter", build)

    @property
    def application(self):
        """An application received in `case`'s register (casework/services/applications.py)."""
        def build():
            from casework.schemas.applications import ApplicationInput, load
            from casework.services.applications import add_application
            application = add_application(self.case, self.organiser,
                                          load(ApplicationInput, {"full_name": "Lê Thị Hoa"}))
            commit()
            return application
        return self._once("application", build)

    @property
    def scanned(self):
        """`application` with its scanned form kept (casework/services/application_forms.py)."""
        def build():
            from werkzeug.datastructures import FileStorage

            from casework.services.application_forms import attach_form
            upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="don.pdf")
            attach_form(self.application, self.organiser, upload)
            commit()
            return self.application
        return self._once("scanned", build)

    @property
    def link_token(self) -> str:
        """The token of `case`'s open application link."""
        def build():
            from casework.services.application_links import open_link
            link = open_link(self.case, self.organiser)
            commit()
            return link.token
        return self._once("link_token", build)

    @property
    def follow_up(self):
        return self.visit.follow_ups[0]

    @property
    def unit(self):
        def build():
            unit = create_unit(code=f"CDX-M{next(_units)}", name="Công đoàn phường Bến Thành",
                               type_="commune_union", parent_code="LDLD-79", province_code="79")
            commit()
            return unit
        return self._once("unit", build)

    @property
    def user(self):
        def build():
            user = new_user("organiser", "LDLD-79", name="Target Of Admin")
            issue_token(user)
            db.session.commit()
            return user
        return self._once("user", build)

    @property
    def assignment(self):
        def build():
            vgcl = self.cast.users["vgcl"]
            assignment = assign_province(vgcl, leader=vgcl.email, province="79")
            commit()
            return assignment
        return self._once("assignment", build)

    @property
    def union(self):
        """A grassroots union under LDLD-79, founded before the system (membership_support)."""
        return self._once("union", lambda: _union("LDLD-79"))

    @property
    def far_union(self):
        """A grassroots union under LDLD-01: outside the scope of the actors at LDLD-79."""
        return self._once("far_union", lambda: _union("LDLD-01"))

    @property
    def saved_list(self):
        """org79's working list, shared with LDLD-79 (and so with its subtree)."""
        def build():
            from casework.services.lists import save_list
            item = save_list(self.organiser, name="Chưa liên hệ", filters={"state": "identified"},
                             shared=True)
            commit()
            return item
        return self._once("saved_list", build)


def _union(manager: str):
    from tests.membership_support import union
    return union(manager, founders=100, founded_on=FOUNDED_ON)


FOUNDED_ON = clock.today().replace(day=1) - timedelta(days=400)
