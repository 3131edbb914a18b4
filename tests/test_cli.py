"""The flask commands: seed reference, users create/token/revoke, demo seed."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import (ApiToken, AuditEntry, CalendarDay, Case, OrgUnit, Province, Step,
                             User)
from casework.text import search_key
from tests.conftest import _empty_tables

# docs/domain.md §3: the 34 provinces from 1 July 2025 and their official codes
PROVINCES = {
    "Hà Nội": "01", "Huế": "46", "Hải Phòng": "31", "Đà Nẵng": "48", "Hồ Chí Minh": "79",
    "Cần Thơ": "92", "Lai Châu": "12", "Điện Biên": "11", "Sơn La": "14", "Lạng Sơn": "20",
    "Quảng Ninh": "22", "Thanh Hóa": "38", "Nghệ An": "40", "Hà Tĩnh": "42", "Cao Bằng": "04",
    "Tuyên Quang": "08", "Lào Cai": "15", "Thái Nguyên": "19", "Phú Thọ": "25", "Bắc Ninh": "24",
    "Hưng Yên": "33", "Ninh Bình": "37", "Quảng Trị": "44", "Quảng Ngãi": "51", "Gia Lai": "52",
    "Khánh Hòa": "56", "Lâm Đồng": "68", "Đắk Lắk": "66", "Đồng Nai": "75", "Tây Ninh": "80",
    "Vĩnh Long": "86", "Đồng Tháp": "82", "Cà Mau": "96", "An Giang": "91",
}
CITIES = {"01", "46", "31", "48", "79", "92"}


def invoke(runner, *args):
    db.session.commit()   # the command runs in its own app context and session
    result = runner.invoke(args=list(args))
    db.session.expire_all()
    return result


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# ---------------------------------------------------------------------------------------------
# seed reference


def test_seed_reference_from_empty_then_idempotent(runner):
    _empty_tables()
    first = invoke(runner, "seed", "reference")
    assert first.exit_code == 0, first.output
    assert "Added 34 provinces, 37 units" in first.output

    provinces = {p.code: p for p in db.session.scalars(sa.select(Province))}
    assert len(provinces) == 34
    by_key = {search_key(p.name): p.code for p in provinces.values()}
    assert by_key == {search_key(name): code for name, code in PROVINCES.items()}
    assert {code for code, p in provinces.items() if p.is_city} == CITIES

    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    root = units["VGCL"]
    assert (root.type, root.parent_id) == ("vgcl", None)
    for code, province in provinces.items():
        federation = units[f"LDLD-{code}"]
        assert federation.type == "provincial_federation"
        assert federation.parent_id == root.id and federation.province_id == province.id
        assert federation.path == f"{root.path}{federation.id}/"
    for code in ("CD-DETMAY", "CD-NGANHANG"):
        assert (units[code].type, units[code].parent_id) == ("sector_union", root.id)
    assert len(units) == 37
    assert count(CalendarDay) > 0

    before = (count(Province), count(OrgUnit), count(CalendarDay))
    second = invoke(runner, "seed", "reference")
    assert second.exit_code == 0, second.output
    assert "Added 0 provinces, 0 units, 0 holidays" in second.output
    assert (count(Province), count(OrgUnit), count(CalendarDay)) == before


def test_province_names_are_nfc():
    import unicodedata
    for province in db.session.scalars(sa.select(Province)):
        assert province.name == unicodedata.normalize("NFC", province.name)


# ---------------------------------------------------------------------------------------------
# users


def test_users_create(runner):
    result = invoke(runner, "users", "create", "Lan.Nguyen@LDLD79.vn", "--name", "Nguyễn Thị Lan",
                    "--role", "organiser", "--unit", "LDLD-79", "--password", "mat-khau-dai")
    assert result.exit_code == 0, result.output
    assert "organiser lan.nguyen@ldld79.vn in LDLD-79" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "lan.nguyen@ldld79.vn"))
    assert (user.name, user.role, user.unit.code, user.active) == (
        "Nguyễn Thị Lan", "organiser", "LDLD-79", True)
    assert user.check_password("mat-khau-dai") and "mat-khau-dai" not in user.password_hash


@pytest.mark.parametrize("args,message", [
    (["x@test.vn", "--name", "X", "--role", "organiser", "--unit", "LDLD-99",
      "--password", "long-enough-1"], "Unknown unit"),
    (["x@test.vn", "--name", "X", "--role", "organiser", "--unit", "LDLD-79",
      "--password", "short"], "at least 8"),
    (["not-an-email", "--name", "X", "--role", "organiser", "--unit", "LDLD-79",
      "--password", "long-enough-1"], "valid email"),
    (["x@test.vn", "--name", "X", "--role", "king", "--unit", "LDLD-79",
      "--password", "long-enough-1"], "king"),
])
def test_users_create_refuses_bad_input(runner, args, message):
    result = invoke(runner, "users", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0


def test_users_create_refuses_a_duplicate_email(runner):
    args = ["users", "create", "a@test.vn", "--name", "A", "--role", "leader", "--unit", "VGCL",
            "--password", "long-enough-1"]
    assert invoke(runner, *args).exit_code == 0
    again = invoke(runner, *args)
    assert again.exit_code != 0 and "already exists" in again.output
    assert count(User) == 1


def test_token_is_the_last_line_stored_hashed_and_revocable(runner, client):
    invoke(runner, "users", "create", "sup@test.vn", "--name", "Trưởng ban", "--role",
           "supervisor", "--unit", "LDLD-79", "--password", "long-enough-1")
    result = invoke(runner, "users", "token", "sup@test.vn")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert len(token) >= 32 and " " not in token

    [stored] = db.session.scalars(sa.select(ApiToken)).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.token_hash != token

    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200

    second = invoke(runner, "users", "token", "SUP@test.vn").output.strip().splitlines()[-1]
    assert second != token

    revoked = invoke(runner, "users", "revoke", "sup@test.vn")
    assert revoked.exit_code == 0 and "Revoked 2 token(s)" in revoked.output
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert client.get("/api/v1/cases",
                      headers={"Authorization": f"Bearer {second}"}).status_code == 401


def test_token_for_an_unknown_user_fails(runner):
    for command in ("token", "revoke"):
        result = invoke(runner, "users", command, "nobody@test.vn")
        assert result.exit_code != 0 and "No user" in result.output


# ---------------------------------------------------------------------------------------------
# demo seed


def test_demo_seed(runner):
    result = invoke(runner, "demo", "seed", "--cases", "20")
    assert result.exit_code == 0, result.output
    assert count(Case) == 20
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"organiser", "supervisor", "leader", "admin"}
    assert "leader@demo.vn" in result.output

    states = set(db.session.scalars(sa.select(Case.state)))
    assert len(states) > 2
    for case in db.session.scalars(sa.select(Case)):
        steps = db.session.execute(sa.select(
            sa.func.coalesce(sa.func.sum(Step.applications_vietnamese), 0),
            sa.func.coalesce(sa.func.sum(Step.applications_foreign), 0))
            .where(Step.case_id == case.id)).one()
        assert (case.applications_vietnamese, case.applications_foreign) == tuple(steps)
        moves = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.case_id == case.id, AuditEntry.action == "transition")
            .order_by(AuditEntry.id)).all()
        # the history replays to the case's state
        state = "proposed" if case.kind == "conglomerate_pilot" else "identified"
        for move in moves:
            assert move.from_state == state
            state = move.to_state
        assert state == case.state

    again = invoke(runner, "demo", "seed", "--cases", "20", "--if-empty")
    assert again.exit_code == 0 and "already present" in again.output
    assert count(Case) == 20


@pytest.mark.parametrize("password", ["12345678", "password", "matkhau123", "qwertyuiop",
                                      "lan.nguyen79"])
def test_users_create_refuses_a_guessable_password(runner, password):
    result = invoke(runner, "users", "create", "lan.nguyen@test.vn", "--name", "Nguyễn Thị Lan",
                    "--role", "organiser", "--unit", "LDLD-79", "--password", password)
    assert result.exit_code != 0
    assert "too easy to guess" in result.output
    assert count(User) == 0
