"""The case tallies: kept equal to a GROUP BY over the cases through every kind of change, and
the pipeline read from them equal to the pipeline counted from the cases."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from flask_migrate import upgrade

from casework.schemas.base import dump
from casework.schemas.pipeline import Pipeline
from casework import clock, create_app
from casework.extensions import db
from casework.models import Case, CaseEnterprise, CaseTally, Enterprise, OrgUnit, Province
from casework.services import tallies
from casework.services.cases import edit_case, reassign
from casework.services.imports import import_enterprises, open_source
from casework.seed.national import seed_national
from casework.services.pipeline import DIMENSIONS, pipeline, uses_tallies
from casework.services.pipeline_filters import PipelineFilters
from casework.services.reference import ensure_unit
from casework.services.transitions import request_transition
from casework.transaction import commit
from tests.helpers import TODAY, enterprise, fire, make_case, make_team, new_user, tax_code, walk_to
from tests.test_migrations import MIGRATIONS, empty_database_url  # noqa: F401  (a fixture)

YEAR = TODAY.year


# ---------------------------------------------------------------------------------------------
# what is compared

def recounted() -> dict:
    """The tallies as a fresh GROUP BY over the cases gives them."""
    return {tuple(r[:4]): (int(r.cases), int(r.target_members))
            for r in db.session.execute(tallies.recount_query())}


def tallied() -> dict:
    """The tally rows, without those that went back to zero."""
    return {(t.unit_id, t.province_id, t.kind, t.state): (t.cases, t.target_members)
            for t in db.session.scalars(sa.select(CaseTally)) if t.cases or t.target_members}


def assert_tallies_match_cases() -> None:
    db.session.expire_all()
    assert tallied() == recounted()


FILTERS = ({}, {"kind": "small_units"}, {"kind": "conglomerate_pilot"},
           {"flow": "conglomerate_pilot"}, {"unit": "LDLD-79"}, {"unit": "CD-XA-79-1"},
           {"unit": "CD-DETMAY"}, {"unit": "NO-SUCH-UNIT"}, {"year": str(YEAR - 1)},
           {"kind": "grassroots", "unit": "LDLD-79"}, {"sector": "textile_garment"},
           {"ownership": "private"})


def snapshot(result) -> dict:
    return {**dump(Pipeline, result),
            "filters": [(r.key, r.row_filter) for r in result.rows]}


def assert_pipeline_matches_live(users) -> int:
    """Every dimension, every filter, every user, two moments: tallies == live. Returns how many
    comparisons read the tallies."""
    compared = 0
    for user in users:
        for by in DIMENSIONS:
            for args in FILTERS:
                filters = PipelineFilters.from_args({"by": by, **args})
                for now in (clock.now(), clock.now() + timedelta(days=90)):
                    assert snapshot(pipeline(user, filters, now)) == \
                        snapshot(pipeline(user, filters, now, live=True)), (user.email, by, args)
                    compared += uses_tallies(filters)
    return compared


# ---------------------------------------------------------------------------------------------
# a realistic mix of operations

def commune(code: str = "CD-XA-79-1", parent: str = "LDLD-79") -> OrgUnit:
    parent_unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == parent))
    made = ensure_unit(code, f"Công đoàn phường {code}", "commune_union", parent_unit,
                       parent_unit.province)
    db.session.commit()
    return made


def write_import(path, count: int, province: str = "79"):
    lines = ["Tên doanh nghiệp,Mã số thuế,Tỉnh/thành phố,Số lao động"]
    lines += [f"Công ty TNHH Nhập {i},{tax_code()},{province},{40 + i}" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_mix(tmp_path) -> list:
    """Cases in three units and several provinces, moved by the real services; the tallies are
    checked against the cases after every kind of change. Returns the users to compare as."""
    commune_unit = commune()
    hcm, hanoi, textile = make_team("LDLD-79"), make_team("LDLD-01"), make_team("CD-DETMAY")
    local = make_team("CD-XA-79-1")

    cases = [make_case(hcm.organiser, target_members=40 + i) for i in range(6)]
    cases += [make_case(hcm.organiser, "small_units", target_members=15)]
    cases += [make_case(local.organiser, target_members=70 + i) for i in range(3)]
    cases += [make_case(hanoi.organiser, enterprises=[enterprise(province="01", workforce=250)],
                        target_members=200)]
    cases += [make_case(hanoi.organiser, "conglomerate_pilot", target_members=3000,
                        enterprises=[enterprise(province="01", ownership="state",
                                                workforce=5000)])]
    cases += [make_case(textile.organiser, enterprises=[enterprise(province="48")],
                        target_members=90 + i) for i in range(2)]
    assert_tallies_match_cases()

    # transitions, with approvals on the way (walk_to approves what needs approving)
    walk_to(cases[0], "founded", hcm)
    walk_to(cases[1], "dossier_submitted", hcm)
    walk_to(cases[2], "mobilising", hcm)
    walk_to(cases[6], "eligible", hcm)
    walk_to(cases[7], "congress_scheduled", local)
    walk_to(cases[10], "founded", hanoi)
    walk_to(cases[11], "scheme_approved", hanoi)
    walk_to(cases[12], "outreach", textile)
    assert_tallies_match_cases()

    # on hold and back, on hold and closed (a supervisor approves the closing)
    walk_to(cases[3], "outreach", hcm)
    fire(cases[3], hcm.organiser, "put_on_hold")
    fire(cases[3], hcm.organiser, "resume")
    walk_to(cases[4], "on_hold", hcm)
    walk_to(cases[5], "closed", hcm)
    walk_to(cases[13], "closed", textile)
    assert_tallies_match_cases()

    # edits: the organiser, the target members
    for case, team in ((cases[2], hcm), (cases[8], local)):
        reassign(case, team.supervisor, organiser=team.supervisor.email, version=case.version)
        commit()
        edit_case(case, team.supervisor, version=case.version, target_members=111)  # <= 120 workers
        commit()
    assert_tallies_match_cases()

    # moved to another unit (and province) through the ORM, as an administrator's repair would
    moved = cases[9]
    moved.unit = db.session.get(OrgUnit, hcm.organiser.unit_id)
    moved.province = db.session.scalar(sa.select(Province).where(Province.code == "48"))
    commit()
    db.session.expire_all()          # set on expired attributes: the old values are loaded
    moved.unit = commune_unit
    moved.target_members = 5
    commit()
    assert_tallies_match_cases()

    # dates the live parts read: overdue, stuck, founded last year
    cases[1].deadline = TODAY - timedelta(days=3)
    cases[2].state_changed_at = clock.now() - timedelta(days=200)
    cases[7].state_changed_at = clock.now() - timedelta(days=61)
    cases[10].founded_on = date(YEAR - 1, 12, 30)
    commit()

    # bulk imports (Core INSERTs, batch by batch), into two units
    with open_source(write_import(tmp_path / "a.csv", 7)) as source:
        assert import_enterprises(source, hcm.supervisor, "LDLD-79", batch_size=3).created == 7
    with open_source(write_import(tmp_path / "b.csv", 4, province="48")) as source:
        assert import_enterprises(source, textile.supervisor, "CD-DETMAY").created == 4
    assert_tallies_match_cases()

    # an UPDATE statement on the cases (outside the ORM's unit of work): recounted
    db.session.execute(sa.update(Case).where(Case.id == cases[12].id)
                       .values(state="mobilising", target_members=1))
    commit()
    assert_tallies_match_cases()

    return [hcm.vgcl_leader, new_user("leader", "LDLD-79"), new_user("leader", "CD-DETMAY"),
            local.supervisor, new_user("leader", "LDLD-01")]


def test_tallies_follow_every_kind_of_change(tmp_path):
    build_mix(tmp_path)
    assert_tallies_match_cases()


def test_pipeline_from_tallies_equals_the_live_count(tmp_path):
    users = build_mix(tmp_path)
    assert assert_pipeline_matches_live(users) > 50


def test_pipeline_reads_the_tallies(tmp_path):
    """A wrong tally shows: the pipeline by province and by unit reads them, not the cases."""
    team = make_team("LDLD-79")
    make_case(team.organiser, target_members=10)
    db.session.execute(sa.update(CaseTally).values(cases=CaseTally.cases + 5))
    db.session.commit()
    for by in ("province", "unit"):
        result = pipeline(team.vgcl_leader, PipelineFilters.from_args({"by": by}))
        assert result.totals.states["identified"] == 6
        live = pipeline(team.vgcl_leader, PipelineFilters.from_args({"by": by}), live=True)
        assert live.totals.states["identified"] == 1


def test_a_rolled_back_change_leaves_the_tallies_as_they_were():
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    before = tallied()
    request_transition(case, team.organiser, trigger="start_outreach", version=case.version,
                       data={}, comment="")
    assert tallied() != before              # flushed: counted in this transaction
    db.session.rollback()
    assert tallied() == before
    assert_tallies_match_cases()


def test_orm_insert_and_delete_of_a_case():
    team = make_team("LDLD-79")
    unit = db.session.get(OrgUnit, team.organiser.unit_id)
    province = db.session.scalar(sa.select(Province).where(Province.code == "79"))
    firm = Enterprise(name="Công ty TNHH Xóa", tax_code="X000000001", province=province,
                      ownership="private", workforce=50, search_text="xoa")
    case = Case(kind="grassroots", unit=unit, province=province, target_members=25,
                ref="79-X-1", links=[CaseEnterprise(enterprise=firm, position=0)])
    db.session.add(case)
    db.session.commit()
    assert tallied() == {(unit.id, province.id, "grassroots", "identified"): (1, 25)}
    db.session.expire_all()
    db.session.delete(db.session.get(Case, case.id))
    db.session.commit()
    assert tallied() == {}
    assert_tallies_match_cases()


def test_national_data_set_counts_its_cases():
    seed_national(scale_factor=0.001, seed=11)
    assert sum(n for n, _m in tallied().values()) == 200
    assert_tallies_match_cases()


def test_rebuild_repairs_the_tallies(runner):
    team = make_team("LDLD-79")
    for i in range(3):
        make_case(team.organiser, target_members=10 * i)
    right = tallied()
    db.session.execute(sa.delete(CaseTally))
    db.session.commit()
    assert tallied() == {}
    result = runner.invoke(args=["tallies", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "1 rows" in result.output
    db.session.expire_all()
    assert tallied() == right == recounted()


# ---------------------------------------------------------------------------------------------
# the migration fills the table from the cases already there

def test_migration_fills_the_tallies_from_existing_cases(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="b41760f3978c")
        now = clock.now()
        with db.engine.begin() as conn:   # Core, as the tables were before the migration
            conn.execute(sa.insert(Province.__table__), [
                {"id": 1, "code": "79", "name": "Hồ Chí Minh", "is_city": True},
                {"id": 2, "code": "01", "name": "Hà Nội", "is_city": True}])
            conn.execute(sa.insert(OrgUnit.__table__).values(
                id=1, code="VGCL", name="VGCL", type="vgcl", path="/1/"))
            rows = [(1, "grassroots", "identified", 10), (1, "grassroots", "identified", 5),
                    (2, "grassroots", "founded", 7), (2, "small_units", "identified", 0)]
            conn.execute(sa.insert(Case.__table__), [
                {"kind": kind, "state": state, "version": 1, "unit_id": 1,
                 "province_id": province, "target_members": target,
                 "applications_vietnamese": 0, "applications_foreign": 0, "details": {},
                 "search_text": f"c{i}", "created_at": now, "updated_at": now,
                 "state_changed_at": now}
                for i, (province, kind, state, target) in enumerate(rows)])
        upgrade(directory=MIGRATIONS)
        assert tallied() == {(1, 1, "grassroots", "identified"): (2, 15),
                             (1, 2, "grassroots", "founded"): (1, 7),
                             (1, 2, "small_units", "identified"): (1, 0)}
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------------------------------------
# PostgreSQL: concurrent transitions on the same tally rows

def test_concurrent_transitions_on_one_tally_row(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrent connections are tested on PostgreSQL")
    from tests.test_concurrency import firing, race
    team = make_team("LDLD-79")
    colleague = new_user("organiser", "LDLD-79")
    first, second = make_case(team.organiser), make_case(team.organiser)
    # same unit, province, kind and state: both write the same two tally rows at once
    outcomes = race(app, firing(first.id, team.organiser.id, "start_outreach"),
                    firing(second.id, colleague.id, "start_outreach"))
    assert outcomes == ["ok", "ok"]
    assert_tallies_match_cases()
    counts = {state: n for (_u, _p, _k, state), (n, _m) in tallied().items()}
    assert counts == {"outreach": 2}

    # opposite directions between the same two rows (outreach -> on hold, on hold -> outreach):
    # the rows are locked in key order, so neither waits for the other in a cycle
    fire(second, team.organiser, "put_on_hold")
    outcomes = race(app, firing(first.id, team.organiser.id, "put_on_hold",
                                comment="Doanh nghiệp tạm dừng"),
                    firing(second.id, colleague.id, "resume"))
    assert outcomes == ["ok", "ok"]
    assert_tallies_match_cases()
    counts = {state: n for (_u, _p, _k, state), (n, _m) in tallied().items()}
    assert counts == {"outreach": 1, "on_hold": 1}
