"""The HTML view tests' browser (a module of helpers, not of tests): a client that logs in,
reads the CSRF token from the page it was shown and posts it back; and their case factory."""
from __future__ import annotations

import html
import re

import pytest
from flask import g

from casework.services.cases import create_case
from casework.services.enterprises import tax_code_with_check_digit
from casework.transaction import commit
from tests.helpers import PASSWORD, enterprise

CSRF = re.compile(r'name="([^"]*csrf_token)"[^>]*value="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
INPUT = re.compile(r"<input\b[^>]*>")
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def hidden_fields(page: str, action: str) -> dict:
    """The hidden inputs (CSRF token, version ...) of the form that posts to `action`."""
    for attrs, body in FORM.findall(page):
        target = dict(ATTR.findall(attrs)).get("action", "")
        if html.unescape(target) in (action, "") and 'method="post"' in attrs:
            fields = {}
            for tag in INPUT.findall(body):
                a = dict(ATTR.findall(tag))
                if a.get("type") == "hidden" and "name" in a:
                    fields[a["name"]] = html.unescape(a.get("value", ""))
            if fields:
                return fields
    return {}


def tax_code(n: int) -> str:
    """A distinct valid tax code for each n."""
    body = 310123457 + n * 7
    while not tax_code_with_check_digit(f"{body:09d}"):
        body += 1
    return tax_code_with_check_digit(f"{body:09d}")


class Browser:
    """One person's browser. The tests share an app context with the requests, so `g` (where
    Flask-Login, Flask-WTF and Flask-Babel cache per-request values) is cleared before each."""

    def __init__(self, app):
        self.client = app.test_client()
        self.last = None

    def _fresh(self):
        for key in list(vars(g)):
            delattr(g, key)

    def get(self, url, **kw):
        self._fresh()
        self.last = self.client.get(url, **kw)
        return self.last

    def post(self, url, data=None, **kw):
        self._fresh()
        self.last = self.client.post(url, data=data or {}, **kw)
        return self.last

    def token(self, page_url: str) -> str:
        page = self.get(page_url)
        assert page.status_code == 200, (page_url, page.status_code)
        match = CSRF.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {page_url}"
        return match.group(2)

    def submit(self, page_url: str, data: dict, post_url: str | None = None, **kw):
        """GET the page showing the form, then POST it with its hidden fields (CSRF token,
        version seen ...) as a browser would, plus `data`."""
        token = self.token(page_url)
        post_url = post_url or page_url
        hidden = hidden_fields(self.last.get_data(as_text=True), post_url.split("?")[0])
        return self.post(post_url, data={"csrf_token": token, **hidden, **data}, **kw)

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self.submit("/login", {"email": email, "password": password})


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def browser(app):
    def open_(user=None) -> Browser:
        b = Browser(app)
        if user is not None:
            response = b.login(user)
            assert response.status_code == 302, text(response)
        return b
    return open_


@pytest.fixture
def make_case():
    """make_case(actor, i, kind="grassroots", unit="LDLD-79", **enterprise fields)."""
    def make(actor, i=0, kind="grassroots", unit="LDLD-79", name=None, province="79",
             organiser=None):
        if kind == "small_units":
            ents = [enterprise(province=province, workforce=10, code=tax_code(1000 + i * 3)),
                    enterprise(province=province, workforce=12, code=tax_code(1001 + i * 3))]
        else:
            ents = [enterprise(province=province, code=tax_code(i))]
        if name:
            ents[0]["name"] = name
        case = create_case(actor, kind=kind, unit=unit, enterprises=ents, organiser=organiser)
        commit()
        return case
    return make
