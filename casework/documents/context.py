"""The variables a document template reads, from one case's data; `MissingData` names what a
document type needs that the case has not recorded yet.

Every template gets `union`, `enterprise`, `superior`, `issuer`, `applications`, `place_date`;
the parts a type needs (DocumentType.needs) add `congress`, `members`, `decision`, `committee`,
`announcement`. Dates come as `…_text` (`ngày 05 tháng 12 năm 2026`), counts also as `…_text`
(`1.234`).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework import clock
from casework.errors import Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, CaseApplication, DecisionNumber, OrgUnit
from casework.documents.formatting import date_text, number_text, upper
from casework.workflow.definition import N_

# what each part is, for the message naming what is missing
PARTS = {
    "congress": N_("the record of the founding congress (date, attendance, chair, committee)"),
    "members": N_("the members (no application recorded)"),
    "decision": N_("the decision (number, date, signer)"),
    "appointed": N_("the committee the decision appoints"),
    "announcement": N_("the announcement (date, founding members)"),
}


class MissingData(Invalid):
    code = "missing_data"


def member_names(case: Case) -> list[str]:
    """The members' names known to casework: the verified applications of the case's register
    (in the order they applied); for a case whose applications were only counted, the names
    the congress record holds (its chair and committee)."""
    verified = list(db.session.scalars(
        sa.select(CaseApplication.full_name)
        .where(CaseApplication.case_id == case.id, CaseApplication.status == "verified")
        .order_by(CaseApplication.applied_on, CaseApplication.id)))
    if verified:
        return verified
    congress = (case.details or {}).get("hold_congress") or {}
    names = [congress.get("chair")] + list(congress.get("committee_members") or [])
    return list(dict.fromkeys(n for n in names if n))


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return None


def _rows(names: list[str], total: int, notes: dict | None = None) -> list[dict]:
    """Numbered rows: the names known, then blank rows up to `total` for the rest (written in
    by hand until the register holds every name)."""
    notes = notes or {}
    rows = [{"no": i, "name": name, "note": notes.get(name, "")}
            for i, name in enumerate(names, start=1)]
    rows += [{"no": i, "name": "", "note": ""} for i in range(len(rows) + 1, total + 1)]
    return rows


def _unit_part(unit: OrgUnit | None) -> dict:
    parent = unit.parent if unit is not None else None
    name = unit.name if unit is not None else ""
    return {"name": name, "name_upper": upper(name),
            "parent": parent.name if parent is not None else "",
            "parent_upper": upper(parent.name) if parent is not None else ""}


def _issuer(case: Case) -> OrgUnit:
    """The unit whose register numbered the case's decision (who signed it), else the case's."""
    unit_id = db.session.scalar(sa.select(DecisionNumber.unit_id).where(
        DecisionNumber.case_id == case.id).order_by(DecisionNumber.id.desc()).limit(1))
    return db.session.get(OrgUnit, unit_id) if unit_id else case.unit


def build_context(case: Case, needs: tuple[str, ...], today: date | None = None) -> dict:
    today = today or clock.today()
    details = case.details or {}
    enterprises = case.enterprises
    first = enterprises[0] if enterprises else None
    names = ", ".join(e.name for e in enterprises)
    union = (f"Công đoàn {names}" if case.kind == "conglomerate_pilot"
             else f"Công đoàn cơ sở {names}")
    place = case.province.name if case.province is not None else ""
    vietnamese, foreign = case.applications_vietnamese or 0, case.applications_foreign or 0
    context = {
        "union": {"name": union, "name_upper": upper(union)},
        "enterprise": {"name": first.name if first else "", "names": names,
                       "address": (first.address if first else None) or place,
                       "tax_code": first.tax_code if first else ""},
        "superior": _unit_part(case.unit),
        "issuer": _unit_part(_issuer(case)),
        "place": place, "date_text": date_text(today),
        "place_date": f"{place}, {date_text(today)}",
        "applications": {"vietnamese": vietnamese, "foreign": foreign,
                         "total": vietnamese + foreign,
                         "vietnamese_text": number_text(vietnamese),
                         "foreign_text": number_text(foreign),
                         "total_text": number_text(vietnamese + foreign)},
    }
    missing = []
    congress = details.get("hold_congress") or {}
    decision = details.get("decision") or {}
    committee = list(decision.get("committee_members") or congress.get("committee_members")
                     or [])
    if "congress" in needs and not (congress.get("held_on") and congress.get("chair")
                                    and congress.get("committee_members")):
        missing.append("congress")
    held_on = _day(congress.get("held_on"))
    context["congress"] = {
        "held_on_text": date_text(held_on) if held_on else "",
        "attendance": congress.get("attendance") or 0,
        "attendance_text": number_text(congress.get("attendance") or 0),
        "chair": congress.get("chair") or ""}
    roles = {committee[0]: "Chủ tịch"} if committee else {}
    context["committee"] = {"names": committee, "count": len(committee),
                            "rows": _rows(committee, len(committee), roles)}
    known = member_names(case)
    total = max(case.founded_members or 0, vietnamese + foreign, len(known))
    if "members" in needs and total == 0:
        missing.append("members")
    context["members"] = {"count": total, "count_text": number_text(total),
                          "rows": _rows(known, total)}
    decided_on = _day(decision.get("decision_date"))
    if "decision" in needs and not (decision.get("decision_number") and decided_on
                                    and decision.get("signer")):
        missing.append("decision")
    context["decision"] = {
        "number": decision.get("decision_number") or "", "signer": decision.get("signer") or "",
        "date_text": date_text(decided_on) if decided_on else "",
        "place_date": f"{place}, {date_text(decided_on)}" if decided_on else ""}
    if "appointed" in needs and not decision.get("committee_members"):
        missing.append("appointed")
    announced = details.get("announce") or {}
    announced_on = _day(announced.get("announced_on"))
    if "announcement" in needs and not announced_on:
        missing.append("announcement")
    founding = announced.get("founding_members") or 0
    context["announcement"] = {
        "date_text": date_text(announced_on) if announced_on else "",
        "place_date": f"{place}, {date_text(announced_on)}" if announced_on else "",
        "founding_members_text": number_text(founding)}
    if missing:
        raise MissingData(
            _("The case lacks what this document needs: %(missing)s",
              missing="; ".join(_(PARTS[m]) for m in missing)),
            field="type", details={"missing": missing})
    return context


def sample_context() -> dict:
    """Made-up values for every variable: what an uploaded template is checked with."""
    names = ["Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Hoa"]
    day = date(2026, 12, 5)
    unit = {"name": "Liên đoàn Lao động Thành phố Hồ Chí Minh",
            "name_upper": "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HỒ CHÍ MINH",
            "parent": "Tổng Liên đoàn Lao động Việt Nam",
            "parent_upper": "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM"}
    union = "Công đoàn cơ sở Công ty TNHH May Hưng Thịnh"
    return {
        "union": {"name": union, "name_upper": upper(union)},
        "enterprise": {"name": "Công ty TNHH May Hưng Thịnh",
                       "names": "Công ty TNHH May Hưng Thịnh",
                       "address": "Khu công nghiệp Tân Bình", "tax_code": "0301234567"},
        "superior": unit, "issuer": unit, "place": "Hồ Chí Minh", "date_text": date_text(day),
        "place_date": f"Hồ Chí Minh, {date_text(day)}",
        "applications": {"vietnamese": 120, "foreign": 3, "total": 123,
                         "vietnamese_text": "120", "foreign_text": "3", "total_text": "123"},
        "congress": {"held_on_text": date_text(day), "attendance": 100,
                     "attendance_text": "100", "chair": names[0]},
        "committee": {"names": names, "count": 3, "rows": _rows(names, 3)},
        "members": {"count": 1234, "count_text": "1.234", "rows": _rows(names, 5)},
        "decision": {"number": "15/QĐ-LĐLĐ", "signer": "Vũ Đức Anh",
                     "date_text": date_text(day), "place_date": f"Hồ Chí Minh, {date_text(day)}"},
        "announcement": {"date_text": date_text(day),
                         "place_date": f"Hồ Chí Minh, {date_text(day)}",
                         "founding_members_text": "1.234"},
    }
