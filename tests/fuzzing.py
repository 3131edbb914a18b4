"""Hypothesis strategies for bad input, and the properties every refusal must have.

Shared by tests/test_fuzz_api.py and tests/test_fuzz_forms.py (no tests here).

The properties: never a 5xx; a refused request (4xx) says why (the API: `error.code` and a
non-empty `error.message`; a page: the form again, with the error shown), and writes nothing
(the row counts of the domain tables, and every case's and visit's version, are unchanged).

The test database is emptied per test function, not per Hypothesis example: a test builds its
state once, and every example must hold whatever the examples before it did. Refusals write
nothing, so only accepted requests change the state, and the tests take a new snapshot after
each of them.
"""
from __future__ import annotations

import collections
import os
import unicodedata
from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from casework.extensions import db

# --- settings -------------------------------------------------------------------------------------

# FUZZ_SCALE=10 runs ten times the examples (locally, to look harder); CI runs the default
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz_settings(max_examples: int) -> settings:
    return settings(max_examples=max(1, int(max_examples * SCALE)), deadline=None,
                    database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.large_base_example])


def pick(*weighted: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, chosen with the given weights (one_of() would mostly take the
    simplest)."""
    table = [strategy for weight, strategy in weighted for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda i: table[i])


# --- text -------------------------------------------------------------------------------------

def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# "Thanh Hóa" (NFC, new-style accent), "Thanh Hoá" (old-style accent placement) and each
# decomposed (NFD): what people type and paste, with and without diacritics
VIETNAMESE = ("Thanh Hóa", "Thanh Hoá", "thanh hoa", "Khánh Hòa", "Khánh Hoà", "Đắk Lắk",
              "Công ty TNHH May Hưng Thịnh", "Nguyễn Thị Lan", "Trần Văn Hùng",
              "Liên đoàn Lao động tỉnh Thanh Hóa", "Ban vận động thành lập công đoàn cơ sở",
              "123/QĐ-LĐLĐ")


@st.composite
def vietnamese(draw) -> str:
    text = draw(st.sampled_from(VIETNAMESE))
    form = draw(st.sampled_from(("as is", "NFC", "NFD", "mixed")))
    if form == "NFC":
        return nfc(text)
    if form == "NFD":
        return nfd(text)
    if form == "mixed":  # half decomposed: what a copy from two sources gives
        cut = draw(st.integers(0, len(text)))
        return nfc(text[:cut]) + nfd(text[cut:])
    return text


CONTROL = [chr(c) for c in range(1, 32)] + ["\x00", "\x7f", "\x85", "\u200b", "\u200e", "\u202e",
                                         "\u2028", "\ufeff", "\ufffd"]


@st.composite
def with_control(draw) -> str:
    """Ordinary text with control characters (NUL, ESC, BEL, bidi overrides ...) inside."""
    head = draw(st.one_of(vietnamese(), plain_text(10)))
    tail = draw(plain_text(10))
    return head + "".join(draw(st.lists(st.sampled_from(CONTROL), min_size=1, max_size=3))) \
        + tail


@st.composite
def huge(draw) -> str:
    """201 to 100,000 characters: past every limit (200, 300, 5,000, 10,000 ...)."""
    unit = draw(st.sampled_from(("a", "ệ", nfd("ệ"), "Đ", " ", "𝔘", "0", "x\n")))
    size = draw(st.sampled_from((201, 301, 5001, 10_001, 100_000)))
    return (unit * size)[:size] if len(unit) == 1 else unit * (size // len(unit) + 1)


LONE_SURROGATES = ("\ud800", "a\udfffb", "\udc80\ud800")

# Numbers people (and programs) write that are not plain ASCII digits
DIGIT_LIKE = ("١٢", "１２", "٣", "०", " 12 ", "+5", "-0", "0x10", "1e3", "1_000", "1,5",
              "12abc", "Infinity", "NaN", "-", "")
# "²" and "①" pass str.isdigit() yet int() refuses them: inputs services must refuse cleanly
DIGIT_TRAPS = ("²", "①", "-²", "1²")


def plain_text(max_size: int = 30) -> st.SearchStrategy:
    """Any text but NUL and lone surrogates (which with_control() and LONE_SURROGATES bring
    now and then: every JSON body holding one is refused at once, before the fields)."""
    return st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=max_size)


def text_junk(*, surrogates: bool = True) -> st.SearchStrategy:
    options = [(3, plain_text()), (3, vietnamese()), (2, with_control()), (2, huge()),
               (2, st.sampled_from(DIGIT_LIKE + DIGIT_TRAPS)),
               (2, st.sampled_from(("", " ", "\t\n", "\u200b", "null", "None", "[]", "{}",
                                    "0", "true", "<script>alert(1)</script>", "' OR 1=1 --",
                                    "%00", "../../etc/passwd", "LDLD-79 ", "ldld-79")))]
    if surrogates:
        options.append((1, st.sampled_from(LONE_SURROGATES)))
    return pick(*options)


BIG_INTS = (2**31 - 1, 2**31, 2**53 + 1, 2**63, -(2**63) - 1, 10**30, -(10**30), 10**400)


def scalar_junk() -> st.SearchStrategy:
    return st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.sampled_from(BIG_INTS),
                     st.floats(allow_nan=True, allow_infinity=True), text_junk())


def wrong_types() -> st.SearchStrategy:
    """Any JSON value, mostly of the wrong type: null, booleans, numbers, lists, objects."""
    return st.one_of(
        st.none(), st.booleans(), st.integers(), st.sampled_from(BIG_INTS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.lists(scalar_junk(), max_size=4),
        st.dictionaries(plain_text(8), scalar_junk(), max_size=4),
        st.sampled_from(([], {}, [[]], [{}], {"": None}, [None], [1, "a"])))


def junk() -> st.SearchStrategy:
    return st.one_of(wrong_types(), text_junk())


BAD_DATES = ("0001-01-01", "9999-12-31", "1989-12-31", "2101-01-01", "2026-02-30",
             "2025-02-29", "2026-13-01", "2026-00-10", "2026-01-32", "20260101", "2026-1-1",
             "26-01-01", "+2026-01-01", "2026-01-01T10:00:00", "2026-01-01 10:00",
             "2026-W01-1", "2026-001", "01/02/2026", "1/2/2026", "today", "", " ",
             "１９９９-01-01", "2026-01-01\x00", "2026-01-01Z", "-2026-01-01",
             "99999-01-01", "2026‐01‐01")  # the last with U+2010 hyphens


def bad_date() -> st.SearchStrategy:
    return st.one_of(st.sampled_from(BAD_DATES),
                     st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
                     st.integers(), junk())


def bad_int() -> st.SearchStrategy:
    return st.one_of(st.integers(max_value=-1), st.integers(min_value=10**7),
                     st.sampled_from(BIG_INTS), st.floats(allow_nan=True, allow_infinity=True),
                     st.booleans(), st.integers().map(str), st.sampled_from(DIGIT_LIKE),
                     junk())


# --- bodies -----------------------------------------------------------------------------------

MISSING = object()


def maybe(valid, bad: st.SearchStrategy, *, drop: bool = True,
          valid_weight: int = 10) -> st.SearchStrategy:
    """The valid value (a value or a strategy), a bad one, or (drop=True) the key left out:
    valid half the time by default, so that most bodies have one or two bad fields and the
    checks behind the first one are reached too."""
    good = valid if isinstance(valid, st.SearchStrategy) else st.just(valid)
    return pick((valid_weight, good), (7, bad), *([(3, st.just(MISSING))] if drop else []))


@st.composite
def json_object(draw, fields: dict[str, st.SearchStrategy]) -> dict:
    """An object with each field valid, bad or missing, and maybe unknown keys too."""
    body = {}
    for name, strategy in fields.items():
        value = draw(strategy)
        if value is not MISSING:
            body[name] = value
    extra = draw(st.one_of(st.just({}), st.just({}), st.just({}),
                           st.dictionaries(plain_text(12), scalar_junk(), max_size=2)))
    for key, value in extra.items():
        body.setdefault(key, value)
    return body


@st.composite
def raw_body(draw) -> tuple[bytes, str]:
    """(bytes, content type) that are not a JSON object."""
    return draw(st.one_of(
        st.tuples(st.sampled_from((b"", b"null", b"[]", b'"text"', b"42", b"NaN", b"[1, 2]",
                                   b'{"kind": ', b"{'kind': 'grassroots'}", b"\xff\xfe\x00",
                                   b'{"a": 1}{"b": 2}', b"[" * 100_000, b'{"a":' * 50_000,
                                   b'{"kind": "' + b"\xc3" + b'"}',
                                   b"9" * 5000)),
                  st.just("application/json")),
        st.tuples(st.binary(max_size=200), st.sampled_from(("application/json", "text/plain"))),
        st.tuples(st.just(b'{"kind": "grassroots"}'),
                  st.sampled_from(("text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data", "")))))


# --- what a request may change ----------------------------------------------------------------

COUNTED = ("cases", "steps", "audit_entries", "approval_requests", "enterprises",
           "case_enterprises", "visits", "visit_follow_ups", "visit_cases")


def snapshot() -> dict:
    """Row counts of the domain tables, and the version and state of every case and visit."""
    tables = db.metadata.tables
    counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(tables[name]))
              for name in COUNTED}
    cases = tables["cases"]
    visits = tables["visits"]
    approvals = tables["approval_requests"]
    return {
        "counts": counts,
        "cases": db.session.execute(sa.select(cases.c.id, cases.c.version, cases.c.state,
                                              cases.c.applications_vietnamese,
                                              cases.c.applications_foreign,
                                              cases.c.target_members)
                                    .order_by(cases.c.id)).all(),
        "visits": db.session.execute(sa.select(visits.c.id, visits.c.version, visits.c.status)
                                     .order_by(visits.c.id)).all(),
        "approvals": db.session.execute(sa.select(approvals.c.id, approvals.c.status)
                                        .order_by(approvals.c.id)).all(),
    }


def describe(response) -> str:
    return f"{response.status_code} {response.get_data(as_text=True)[:600]!r}"


SEEN: collections.Counter = collections.Counter()  # status and error code: what was reached


def check_api_response(response, before: dict) -> bool:
    """The properties of an API answer to bad input. True when the request was accepted."""
    SEEN[(response.status_code, ((response.get_json(silent=True) or {}).get("error") or {})
          .get("code") if response.is_json else None)] += 1
    assert response.status_code < 500, describe(response)
    if response.status_code < 400:
        return True
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and set(body) == {"error"}, describe(response)
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"].strip(), describe(response)
    assert isinstance(error.get("message"), str) and error["message"].strip(), \
        describe(response)
    # clear: a sentence, not an echo of 100,000 characters of input
    assert len(error["message"]) <= 1000, describe(response)
    db.session.rollback()  # read what is committed, as the next request will
    assert snapshot() == before, f"a refused request wrote something: {describe(response)}"
    return False


def digit_trap(value) -> bool:
    """A string that str.isdigit() accepts but int() refuses: "²", or > 4,300 digits."""
    if not isinstance(value, str):
        return False
    core = value.strip().lstrip("-")
    return core.isdigit() and not (core.isascii() and len(core) <= 4000)
