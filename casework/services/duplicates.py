"""Possible duplicate enterprises: the same tax code (a branch's code -NNN counts as its parent
company's), or a name alike within the province once Vietnamese marks and the legal-form words
("Công ty TNHH", "Công ty Cổ phần", "Chi nhánh" ...) are left out (rapidfuzz).

Shown before a case is saved (the person may go on), and on the duplicates page, where a
supervisor merges two cases of one enterprise or marks them distinct.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from casework import authz
from casework.extensions import db
from casework.models import Case, CaseEnterprise, DuplicateDecision, Enterprise, Province, User
from casework.text import search_key
from casework.workflow.definition import TERMINAL_STATES

NAME_SCORE = 90           # rapidfuzz token_sort_ratio from which two names look alike
MOST_SHOWN = 20           # candidates shown for one enterprise

# legal-form words, written as search_key writes them (no marks, lower case); longest first
LEGAL_FORMS = sorted((
    "cong ty trach nhiem huu han mot thanh vien", "cong ty trach nhiem huu han",
    "cong ty tnhh mot thanh vien", "cong ty tnhh mtv", "cong ty tnhh", "cong ty co phan",
    "cong ty cp", "cong ty hop danh", "cong ty", "chi nhanh", "van phong dai dien",
    "doanh nghiep tu nhan", "dntn", "hop tac xa", "htx", "tap doan", "tong cong ty",
    "trach nhiem huu han", "mot thanh vien", "tnhh", "mtv", "co phan", "ctcp", "jsc",
    "co., ltd", "co ltd", "company limited", "limited", "ltd", "corporation", "corp",
    "joint stock company", "branch"), key=len, reverse=True)
_FORMS = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in LEGAL_FORMS) + r")\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


def parent_tax_code(code: str | None) -> str:
    """'0100109106-001' (a branch) -> '0100109106'; a company's code as it is."""
    return (code or "").strip().split("-", 1)[0]


def name_key(name: str | None) -> str:
    """The name compared: no marks, lower case, without legal-form words or punctuation."""
    key = _FORMS.sub(" ", search_key(name))
    return " ".join(_PUNCTUATION.sub(" ", key).split())


@dataclass
class Match:
    case: Case
    enterprise: Enterprise
    reason: str           # "tax_code" | "branch" (a parent or a branch of it) | "name"
    score: int = 100


def _province_id(code) -> int | None:
    code = str(code or "").strip().zfill(2)
    return db.session.scalar(sa.select(Province.id).where(Province.code == code))


def find_for(enterprise: dict, *, exclude_case_ids=(), limit: int = MOST_SHOWN) -> list[Match]:
    """The cases whose enterprise may be this one (a dict as create_case takes it)."""
    matches: dict[int, Match] = {}
    code = (enterprise.get("tax_code") or "").strip()
    parent = parent_tax_code(code)
    if parent:
        rows = db.session.execute(
            sa.select(Case, Enterprise).join(CaseEnterprise, CaseEnterprise.case_id == Case.id)
            .join(Enterprise, Enterprise.id == CaseEnterprise.enterprise_id)
            .where(sa.or_(Enterprise.tax_code == parent,
                          Enterprise.tax_code.like(f"{parent}-%")))
            .order_by(Case.id).limit(limit)).all()
        for case, found in rows:
            if case.id not in exclude_case_ids:
                matches.setdefault(case.id, Match(case, found, "tax_code"
                                                  if found.tax_code == code else "branch"))
    key = name_key(enterprise.get("name"))
    province_id = _province_id(enterprise.get("province"))
    if key and province_id is not None:
        rows = db.session.execute(
            sa.select(Enterprise.id, Enterprise.name, CaseEnterprise.case_id)
            .join(CaseEnterprise, CaseEnterprise.enterprise_id == Enterprise.id)
            .where(Enterprise.province_id == province_id)).all()
        choices = {row.id: name_key(row.name) for row in rows}
        case_of = {row.id: row.case_id for row in rows}
        for _name, score, enterprise_id in process.extract(
                key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_SCORE,
                limit=limit):
            case_id = case_of[enterprise_id]
            if case_id in exclude_case_ids or case_id in matches:
                continue
            matches[case_id] = Match(db.session.get(Case, case_id),
                                     db.session.get(Enterprise, enterprise_id), "name",
                                     int(score))
    return list(matches.values())[:limit]


def find_for_all(enterprises: list[dict]) -> list[Match]:
    found: dict[int, Match] = {}
    for enterprise in enterprises:
        for match in find_for(enterprise, exclude_case_ids=found):
            found[match.case.id] = match
    return list(found.values())


# --- the duplicates page -------------------------------------------------------------------------

@dataclass
class Pair:
    first: Case
    second: Case
    reason: str
    score: int


def _decided_pairs() -> set[tuple[int, int]]:
    return set(db.session.execute(sa.select(DuplicateDecision.case_a_id,
                                            DuplicateDecision.case_b_id)).tuples())


def pairs_in_scope(user: User, limit: int = 100) -> list[Pair]:
    """Two open cases in the user's scope that look like one enterprise, not yet decided."""
    rows = db.session.execute(
        sa.select(Case.id, Enterprise.name, Enterprise.tax_code, Enterprise.province_id)
        .join(CaseEnterprise, CaseEnterprise.case_id == Case.id)
        .join(Enterprise, Enterprise.id == CaseEnterprise.enterprise_id)
        .where(Case.state.not_in(TERMINAL_STATES), Case.unit_id.in_(authz.scope_unit_ids(user)))
        .order_by(Case.id)).all()
    decided, found = _decided_pairs(), {}

    def add(a: int, b: int, reason: str, score: int) -> None:
        pair = (min(a, b), max(a, b))
        if a != b and pair not in decided and pair not in found:
            found[pair] = (reason, score)
    by_parent: dict[str, list[int]] = {}
    for row in rows:
        by_parent.setdefault(parent_tax_code(row.tax_code), []).append(row.id)
    for ids in by_parent.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                add(a, b, "tax_code", 100)
    by_province: dict[int, list] = {}
    for row in rows:
        by_province.setdefault(row.province_id, []).append((row.id, name_key(row.name)))
    for items in by_province.values():
        keys = [k for _id, k in items]
        for i, (case_id, key) in enumerate(items):
            if not key:
                continue
            for _k, score, j in process.extract(key, keys, scorer=fuzz.token_sort_ratio,
                                                score_cutoff=NAME_SCORE, limit=MOST_SHOWN):
                if j > i:
                    add(case_id, items[j][0], "name", int(score))
    pairs = sorted(found.items())[:limit]
    return [Pair(db.session.get(Case, a), db.session.get(Case, b), reason, score)
            for (a, b), (reason, score) in pairs]
