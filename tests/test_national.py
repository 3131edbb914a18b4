"""The national data generator at a tiny scale: the invariants the benchmark data must keep."""
from collections import defaultdict
from itertools import pairwise

import sqlalchemy as sa
from stdnum.vn import mst

from casework.extensions import db
from casework.models import (
    AuditEntry,
    Case,
    CaseEnterprise,
    Enterprise,
    OrgUnit,
    Step,
    User,
)
from casework.seed.national import seed_national
from casework.services.queries import CaseFilters, case_list_query
from casework.workflow.definition import TERMINAL_STATES, flow_for
from tests.helpers import new_user


def test_national_tiny_scale_keeps_invariants():
    report = seed_national(scale_factor=0.001, seed=7)
    assert report.cases == db.session.scalar(sa.select(sa.func.count(Case.id))) == 200
    assert db.session.scalar(sa.select(sa.func.count(Step.id))) == report.steps
    assert 1_500 <= report.steps <= 2_500
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == report.audit
    assert report.audit > report.cases
    assert report.users == db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.email.like("%@national.demo.vn")))

    # units: paths built from the parent's path
    units = {u.id: u for u in db.session.scalars(sa.select(OrgUnit))}
    assert sum(u.type in ("commune_union", "industrial_park_union") for u in units.values()) >= 5
    for unit in units.values():
        expected = (units[unit.parent_id].path if unit.parent_id else "/") + f"{unit.id}/"
        assert unit.path == expected

    sums = {r.case_id: (r.vn, r.fo) for r in db.session.execute(
        sa.select(Step.case_id, sa.func.sum(Step.applications_vietnamese).label("vn"),
                  sa.func.sum(Step.applications_foreign).label("fo")).group_by(Step.case_id))}
    history = defaultdict(list)
    for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)):
        history[entry.case_id].append(entry)
    for case in db.session.scalars(sa.select(Case)):
        assert (case.applications_vietnamese, case.applications_foreign) == \
            tuple(int(x or 0) for x in sums.get(case.id, (0, 0)))
        entries = history[case.id]
        assert entries[0].action == "created" and entries[0].to_state == flow_for(case.kind).initial
        state = entries[0].to_state
        for previous, entry in pairwise(entries):
            assert entry.action == "transition" and entry.from_state == state
            assert entry.created_at >= previous.created_at
            state = entry.to_state
        assert state == case.state
        assert case.version == len(entries)
        assert case.ref and case.ref in case.search_text
        if len(entries) > 1:
            assert case.state_changed_at == entries[-1].created_at
        if case.state == "on_hold":
            assert case.resume_state == entries[-1].from_state
        if case.state == "dossier_submitted":
            assert case.deadline is not None
        if case.state == "founded":
            assert case.founded_members >= 5 and case.founded_on is not None
        if case.state in ("eligible", "congress_scheduled", "congress_held",
                          "dossier_submitted", "recognised", "founded") \
                and case.kind != "conglomerate_pilot":
            assert case.applications_vietnamese >= 5
        links = db.session.scalars(sa.select(CaseEnterprise)
                                   .where(CaseEnterprise.case_id == case.id)).all()
        assert links and all(link.active == (case.state not in TERMINAL_STATES)
                             for link in links)

    codes = db.session.scalars(sa.select(Enterprise.tax_code)).all()
    assert len(codes) == len(set(codes)) and all(mst.is_valid(c) for c in codes)
    busiest = db.session.scalar(
        sa.select(sa.func.count()).select_from(CaseEnterprise).where(CaseEnterprise.active)
        .group_by(CaseEnterprise.enterprise_id).order_by(sa.func.count().desc()).limit(1))
    assert busiest == 1

    viewer = new_user("leader", "VGCL")
    listed = db.session.scalars(case_list_query(viewer, CaseFilters())).unique().all()
    assert len(listed) == report.cases
