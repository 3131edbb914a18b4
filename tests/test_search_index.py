"""The case search finds exactly the cases whose normalised search text contains what was typed,
through SQLite's FTS5 trigram index where there is one (casework/search_index.py), through the
trigram-indexed LIKE on PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework import search_index
from casework.extensions import db
from casework.models import Case
from casework.services.queries import CaseFilters, case_list_query
from casework.text import search_key
from casework.transaction import commit
from tests.helpers import enterprise, make_case, new_user

NAMES = ("Công ty TNHH May mặc Hưng Thịnh", "Công ty Cổ phần Điện tử Thăng Long",
         "Công ty Giày da 100% Việt", "Xí nghiệp gỗ_Bình Minh", 'Hợp tác xã "Sao Mai"',
         "Công ty TNHH Dệt Nam Định")
QUERIES = ("may mac", "MAY MẶC", "thang long", "dien tu", "100%", "go_binh", '"sao mai"',
           "sao", "tnhh", "ty", "a", "khong co dau", "det nam dinh", "cong ty")


def _found(user, query: str) -> set[int]:
    return set(db.session.scalars(
        case_list_query(user, CaseFilters.from_args({"q": query})).with_only_columns(Case.id)))


def _expected(query: str) -> set[int]:
    key = search_key(query)
    return {case_id for case_id, text in db.session.execute(
        sa.select(Case.id, Case.search_text)) if key in text}


@pytest.mark.parametrize("probe", [500, 1])     # 1: every text is "common", scanned instead
def test_the_search_finds_exactly_the_cases_containing_the_text(probe, monkeypatch):
    monkeypatch.setattr(search_index, "PROBE", probe)
    organiser = new_user("organiser", "LDLD-79")
    for name in NAMES:
        make_case(organiser, enterprises=[enterprise(name)])
    for query in QUERIES:
        assert _found(organiser, query) == _expected(query), query
    assert _found(organiser, "may mac") and not _found(organiser, "khong co dau")


def test_the_index_follows_every_change_of_the_search_text():
    organiser = new_user("organiser", "LDLD-79")
    case = make_case(organiser, enterprises=[enterprise("Công ty Bình Minh")])
    assert _found(organiser, "binh minh") == {case.id}
    case.search_text = search_key("Công ty Hoàng Hôn")       # renamed
    commit()
    assert _found(organiser, "binh minh") == set()
    assert _found(organiser, "hoang hon") == {case.id}


def test_sqlite_asks_the_trigram_index_and_postgresql_its_own():
    if db.engine.dialect.name == "sqlite":
        assert sa.inspect(db.engine).has_table(search_index.TABLE)
        assert search_index.candidates(db.session, "may mac") is not None
        assert search_index.candidates(db.session, "ab") is None      # under three characters
        plan = " ".join(str(row) for row in db.session.execute(sa.text(
            "EXPLAIN QUERY PLAN SELECT rowid FROM case_search WHERE case_search MATCH '\"may\"'")))
        assert "VIRTUAL TABLE INDEX" in plan
    else:
        assert search_index.candidates(db.session, "may mac") is None


@pytest.mark.parametrize("fill", [False, True])
def test_the_migration_builds_the_index_from_the_cases_already_there(fill):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the FTS5 index is SQLite's")
    organiser = new_user("organiser", "LDLD-79")
    case = make_case(organiser, enterprises=[enterprise("Công ty Sông Hồng")])
    with db.engine.begin() as connection:
        search_index.drop(connection)
        assert search_index.create(connection, fill=fill)
    expected = {case.id} if fill else set()
    db.session.expire_all()
    assert _found(organiser, "song hong") == expected
