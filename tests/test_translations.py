"""The Vietnamese catalogue: complete, up to date with the sources, placeholders intact, and used.

The compiled catalogue (.mo) is build output (`make translations`); the test compiles it itself
when it is missing or older than the .po, so `pytest` alone and `make test` both work.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "casework" / "translations"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
VI_MO = VI_PO.with_suffix(".mo")
VI_PO_SHOWN = "casework/translations/vi/LC_MESSAGES/messages.po"
BABEL_CFG = ROOT / "babel.cfg"
# the keywords `make extract-messages` passes to pybabel, plus Flask-Babel's long spelling
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "_l": None, "lazy_gettext": None, "N_": None, "N_plural": (1, 2)}

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{(\w*)[^{}]*\}")


def _catalogue():
    with VI_PO.open("rb") as f:
        return read_po(f, locale="vi")


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _placeholders(text: str) -> list[str]:
    found = []
    for match in PLACEHOLDER.finditer(text):
        whole = match.group(0)
        found.append(whole if match.group(1) is None and match.group(2) is None
                     else ("%(" + match.group(1) + ")" if match.group(1) else "{" + match.group(2) + "}"))
    return sorted(found)


def _read_mapping() -> list[tuple[str, str]]:
    """babel.cfg as the (pattern, method) pairs extract_from_dir expects."""
    mapping = []
    for line in BABEL_CFG.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*\[(\w+):\s*(.+?)\s*\]\s*$", line)
        if m:
            mapping.append((m.group(2), m.group(1)))
    assert mapping, "babel.cfg has no [method: pattern] section"
    return mapping


def _scanned(dirpath: str) -> bool:
    """The directories pybabel's command line scans (it skips only hidden ones): Babel's
    own default also skips `_`-prefixed ones, and so missed templates/_macros."""
    return not Path(dirpath).name.startswith(".")


def _extracted_ids() -> dict[str, str]:
    """Every msgid in the sources, with the first place it occurs."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=_read_mapping(), keywords=KEYWORDS,
            directory_filter=_scanned):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.fixture
def compiled_catalogue(app):
    """Make sure the .mo exists and reflects the .po (the app reads only the .mo)."""
    if not VI_MO.exists() or VI_MO.stat().st_mtime < VI_PO.stat().st_mtime:
        catalogue = _catalogue()
        with VI_MO.open("wb") as f:
            write_mo(f, catalogue)
    # Flask-Babel keeps the catalogues it loaded, also an empty one loaded before the .mo existed
    app.extensions["babel"].instance.domain_instance.cache.clear()
    return VI_MO


def _get(client, url: str, lang: str | None):
    """GET with a language cookie; the tests share one app context, so forget the cached locale."""
    g.pop("_flask_babel", None)
    if lang is None:
        client.delete_cookie("lang")
    else:
        client.set_cookie("lang", lang)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------

def test_header_declares_vietnamese_with_one_plural_form():
    catalogue = _catalogue()
    assert str(catalogue.locale) == "vi"
    assert catalogue.num_plurals == 1
    assert not catalogue.fuzzy


def test_every_message_is_translated():
    catalogue = _catalogue()
    untranslated = [m.id for m in catalogue
                    if m.id and (not all(s and s.strip() for s in _strings(m)) or m.fuzzy)]
    assert not untranslated, (
        f"{len(untranslated)} message(s) without a Vietnamese translation (or marked fuzzy) in "
        f"{VI_PO_SHOWN}:\n  " + "\n  ".join(map(repr, untranslated)))


def test_catalogue_is_up_to_date_with_the_sources():
    catalogue = _catalogue()
    known = {msgid for m in catalogue if m.id for msgid in _ids(m)}
    extracted = _extracted_ids()
    assert len(extracted) > 100, "the extraction found almost nothing: check babel.cfg"
    missing = sorted(msgid for msgid in extracted if msgid not in known)
    assert not missing, (
        f"{len(missing)} message(s) in the sources are not in the Vietnamese catalogue. "
        "Run `make extract-messages`, then translate them in "
        f"{VI_PO_SHOWN}:\n  "
        + "\n  ".join(f"{msgid!r}  ({extracted[msgid]})" for msgid in missing))


def test_placeholders_are_kept():
    catalogue = _catalogue()
    wrong = []
    for m in catalogue:
        if not m.id:
            continue
        expected = _placeholders(_ids(m)[0])
        plural_expected = _placeholders(_ids(m)[-1])
        for string in _strings(m):
            if string and _placeholders(string) not in (expected, plural_expected):
                wrong.append(f"{m.id!r}: {sorted(set(expected))} but {string!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n  " + "\n  ".join(wrong)


def test_placeholder_parser_sees_every_style():
    assert _placeholders("%(count)s of %(n)d, {name} and %s") == sorted(
        ["%(count)", "%(n)", "{name}", "%s"])


def test_login_page_follows_the_language_cookie(client, compiled_catalogue):
    catalogue = _catalogue()
    vietnamese = catalogue.get("Log in").string
    tagline = catalogue.get("Founding grassroots trade unions, one case at a time.").string
    assert vietnamese and vietnamese != "Log in"

    page = _get(client, "/login", "vi")
    assert vietnamese in page and tagline in page
    assert '<html lang="vi">' in page and ">Log in<" not in page

    page = _get(client, "/login", "en")
    assert "Log in" in page and vietnamese not in page
    assert '<html lang="en">' in page


def test_without_a_cookie_the_configured_default_language_is_used(app, client,
                                                                   compiled_catalogue):
    from casework.config import Config
    assert Config.DEFAULT_LANGUAGE == "vi"      # what users get until they choose English
    vietnamese = _catalogue().get("Log in").string
    saved = app.config["DEFAULT_LANGUAGE"]     # the test app reads English by default
    try:
        app.config["DEFAULT_LANGUAGE"] = "vi"
        assert vietnamese in _get(client, "/login", None)
        app.config["DEFAULT_LANGUAGE"] = "en"
        page = _get(client, "/login", None)
        assert "Log in" in page and vietnamese not in page
    finally:
        app.config["DEFAULT_LANGUAGE"] = saved


def test_a_refusal_of_the_domain_follows_the_language_cookie(client, compiled_catalogue):
    """The services' refusals are translated like the pages: in the API's error, `message`
    follows the `lang` cookie (a label inside it too), `code` stays the same."""
    from tests.helpers import Api, error_of, make_case, make_team, walk_to

    team = make_team()
    case = walk_to(make_case(team.organiser), "outreach", team)
    catalogue = _catalogue()
    guard = ("Log at least one outreach step (contact with the employer, a worker meeting or "
             "propaganda) first")
    required, label = "%(label)s is required", "Head of the mobilising committee"
    vietnamese = catalogue.get(guard).string
    vietnamese_required = catalogue.get(required).string % {"label": catalogue.get(label).string}
    assert vietnamese and vietnamese != guard
    api = Api(client, team.organiser)

    for lang, expected, missing_field in (
            ("vi", vietnamese, vietnamese_required),
            ("en", guard, f"{label} is required")):
        g.pop("_flask_babel", None)
        client.set_cookie("lang", lang)
        refused = api.fire(case.id, "form_committee")   # no outreach step logged yet
        assert refused.status_code == 422
        assert error_of(refused) == {"code": "guard_failed", "message": expected}

        incomplete = api.fire(case.id, "form_committee", data={})
        assert incomplete.status_code == 422
        assert error_of(incomplete) == {"code": "guard_failed", "message": missing_field,
                                        "field": "committee_head"}
