"""Creating and editing nodes of the organisation tree (admin).

`OrgUnit.path` ("/1/4/9/") is kept right for the whole subtree when a unit moves; a move under
itself or under one of its own descendants (a cycle) is refused. The root is the VGCL and the
only unit of that type: it is never created here (the reference data makes it), retyped or
moved, and no other unit becomes the root or a `vgcl`.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from casework.extensions import db
from casework.models import OrgUnit, Province, UnitType
from casework.errors import Conflict, Invalid
from casework.i18n import _
from casework.schemas.limits import NAME_LENGTH, UNIT_CODE_LENGTH
from casework.services.membership_tallies import shift_placed, unions_under
from casework.text import nfc

CODE_PATTERN = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{UNIT_CODE_LENGTH - 1}}}$")


def _clean_code(code) -> str:
    code = (code or "").strip() if isinstance(code, str) else ""
    if not CODE_PATTERN.match(code):
        raise Invalid(_("A code of 1 to %(maximum)d letters, digits, '-', '_' or '.' is required",
                        maximum=UNIT_CODE_LENGTH), field="code")
    return code


def _clean_name(name) -> str:
    name = nfc(name) if isinstance(name, str) else ""
    if not name or len(name) > NAME_LENGTH or any(ord(ch) < 32 for ch in name):
        raise Invalid(_("A name of at most %(maximum)d characters is required",
                        maximum=NAME_LENGTH), field="name")
    return name


def _clean_type(type_) -> str:
    if type_ not in [t.value for t in UnitType]:
        raise Invalid(_("Type must be one of %(choices)s",
                        choices=", ".join(t.value for t in UnitType)), field="type")
    return type_


def _find_parent(parent_code) -> OrgUnit | None:
    if parent_code in (None, ""):
        return None
    parent = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == parent_code)) \
        if isinstance(parent_code, str) else None
    if parent is None:
        raise Invalid(_("Unknown parent unit %(code)s", code=repr(str(parent_code)[:40])),
                      field="parent")
    return parent


def _find_province(province_code) -> Province | None:
    if province_code in (None, ""):
        return None
    province = db.session.scalar(
        sa.select(Province).where(Province.code == str(province_code).strip().zfill(2))) \
        if isinstance(province_code, str | int) else None
    if province is None:
        raise Invalid(_("Unknown province code"), field="province")
    return province


def _refuse_taken_code(code: str, unit: OrgUnit | None = None) -> None:
    query = sa.select(OrgUnit.id).where(OrgUnit.code == code)
    if unit is not None and unit.id is not None:
        query = query.where(OrgUnit.id != unit.id)
    if db.session.scalar(query):
        raise Conflict(_("A unit with the code %(code)s already exists", code=code), field="code")


def _refuse_second_root(unit: OrgUnit | None) -> None:
    query = sa.select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
    if unit is not None and unit.id is not None:
        query = query.where(OrgUnit.id != unit.id)
    if db.session.scalar(query):
        raise Invalid(_("A parent unit is required (the tree has one root)"), field="parent")


def _refuse_second_vgcl(type_: str, parent: OrgUnit | None) -> None:
    """National powers come with the root: the root stays the VGCL, and nothing else is one."""
    if parent is None and type_ != UnitType.vgcl.value:
        raise Invalid(_("The root of the tree is the VGCL and keeps that type"), field="type")
    if parent is not None and type_ == UnitType.vgcl.value:
        raise Invalid(_("Only the root of the tree is the VGCL"), field="type")


def _province_within_parent(province: Province | None, parent: OrgUnit | None,
                            unit: OrgUnit | None = None) -> Province | None:
    """A unit lies in its parent's province (a unit without one takes it); a parent without a
    province (the VGCL, a national sector union) holds units anywhere. A unit whose province
    changes takes its sub-units along (`_carry_province`); one whose sub-units lie in other
    provinces (a sector union's) cannot be given a province."""
    if parent is not None and parent.province is not None:
        if province is None:
            province = parent.province
        elif province.id != parent.province.id:
            raise Invalid(_("The province must be the parent unit's (%(province)s)",
                            province=parent.province.name), field="province")
    if unit is not None and unit.id is not None and province is not None:
        # a sub-unit in neither the old province (it follows) nor the new one
        elsewhere = db.session.scalar(
            sa.select(OrgUnit.code).where(
                OrgUnit.parent_id == unit.id, OrgUnit.province_id.is_not(None),
                OrgUnit.province_id != province.id,
                sa.or_(sa.literal(unit.province_id is None),
                       OrgUnit.province_id != unit.province_id)).limit(1))
        if elsewhere:
            raise Invalid(_("The sub-unit %(code)s lies in another province: a unit and its "
                            "sub-units share one province", code=elsewhere), field="province")
    return province


def _carry_province(unit: OrgUnit, old_province_id: int | None) -> None:
    """The sub-units that were in the unit's old province follow it to the new one."""
    if old_province_id is None or unit.province_id in (None, old_province_id):
        return
    db.session.execute(
        sa.update(OrgUnit)
        .where(OrgUnit.path.startswith(unit.path, autoescape=True), OrgUnit.id != unit.id,
               OrgUnit.province_id == old_province_id)
        .values(province_id=unit.province_id).execution_options(synchronize_session="fetch"))


def _refuse_moving_a_union(unit: OrgUnit, type_: str, parent: OrgUnit | None,
                           province: Province | None) -> None:
    """A grassroots union changes its managing unit only through its transfer (founded_units),
    which dates the move, keeps the months before with the unit that managed it then and moves
    the membership tallies: the tree form would move it without any of that. Its type and
    province (which place its figures) stay too; its code and name may change here."""
    if unit.id is None or unit.grassroots is None:
        return
    if type_ != UnitType.grassroots.value:
        raise Invalid(_("%(code)s is a grassroots union and stays one", code=unit.code),
                      field="type")
    if (parent.id if parent else None) != unit.parent_id:
        raise Invalid(_("%(code)s is a grassroots union: transfer it to another managing unit "
                        "with the transfer form of its page (/membership/units/%(code)s), "
                        "which keeps its reports and figures with the unit that managed it "
                        "each month", code=unit.code), field="parent")
    if (province.id if province else None) != unit.province_id:
        raise Invalid(_("%(code)s is a grassroots union: its province is its managing "
                        "unit's", code=unit.code), field="province")


def create_unit(*, code, name, type_, parent_code, province_code=None) -> OrgUnit:
    code, name, type_ = _clean_code(code), _clean_name(name), _clean_type(type_)
    parent = _find_parent(parent_code)
    if parent is None:
        _refuse_second_root(None)
    _refuse_second_vgcl(type_, parent)
    province = _province_within_parent(_find_province(province_code), parent)
    _refuse_taken_code(code)
    unit = OrgUnit(code=code, name=name, type=type_, parent=parent, province=province, path="")
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    db.session.flush()
    return unit


def update_unit(unit: OrgUnit, *, code, name, type_, parent_code, province_code=None) -> OrgUnit:
    code, name, type_ = _clean_code(code), _clean_name(name), _clean_type(type_)
    parent = _find_parent(parent_code)
    province = _province_within_parent(_find_province(province_code), parent, unit)
    _refuse_taken_code(code, unit)
    if parent is None:
        _refuse_second_root(unit)
    elif parent.id == unit.id or parent.path.startswith(unit.path):
        raise Invalid(_("%(code)s cannot be moved under itself or one of its own sub-units",
                        code=unit.code), field="parent")
    _refuse_second_vgcl(type_, parent)
    _refuse_moving_a_union(unit, type_, parent, province)
    old_province_id = unit.province_id
    moves = (parent.id if parent else None) != unit.parent_id or \
        (province.id if province else None) != old_province_id
    # the unions below are counted by province: out where they were, in where they land
    placed = unions_under(unit.path) if moves else []
    shift_placed(placed, -1)
    unit.code, unit.name, unit.type, unit.province = code, name, type_, province
    if (parent.id if parent else None) != unit.parent_id:
        move_unit(unit, parent)
    db.session.flush()
    _carry_province(unit, old_province_id)
    if moves:
        shift_placed(unions_under(unit.path), 1)
    return unit


def move_unit(unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Re-hang `unit` under `parent`, rewriting the path of every unit in its subtree."""
    old_path = unit.path
    new_path = (parent.path if parent else "/") + f"{unit.id}/"
    subtree = list(db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.path.startswith(old_path, autoescape=True))))
    unit.parent = parent
    for member in subtree:
        member.path = new_path + member.path[len(old_path):]
