"""What a new case is made of, whoever makes it.

`services.cases.create_case` makes one case at a time through the ORM; the import
(`services.imports.writer`) makes a batch of a thousand with set-based INSERTs. Both take every
value of the rows they write from `new_case`: the case's state, version, dates, organiser and
creator, its enterprise rows (each case has rows of its own), the reference and search text
(which need the case's id), the links, and the one `created` history entry. The tallies count
the same case row either way (the ORM's flush events, or `tallies.add_rows` of these rows) and
the search index follows the search text (casework.search_index), so an imported case equals a
typed one by construction (tests/test_imports.py compares them field by field).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework import clock
from casework.text import search_key
from casework.workflow.definition import initial_state


@dataclass(frozen=True)
class NewCase:
    """The rows of one new case; `case_id` is the id the database gave (or reserved for) it."""
    kind: str
    state: str
    unit_id: int
    organiser_id: int | None       # None: unassigned, for a supervisor to assign
    organiser_email: str | None
    target_members: int
    actor: dict                    # who made it, as the history keeps it (audit.actor_fields)
    enterprises: tuple[dict, ...]  # the enterprise rows, in the case's order
    province_id: int               # the first enterprise's
    province_code: str
    now: datetime                  # the moment of creation: every date of the case

    def case_row(self) -> dict:
        """The cases row without its id, reference and search text."""
        return {"kind": self.kind, "state": self.state, "resume_state": None, "version": 1,
                "unit_id": self.unit_id, "organiser_id": self.organiser_id,
                "province_id": self.province_id, "target_members": self.target_members,
                "applications_vietnamese": 0, "applications_foreign": 0, "deadline": None,
                "founded_members": None, "founded_on": None, "details": {},
                "created_by_id": self.actor["actor_id"], "created_at": self.now,
                "updated_at": self.now, "state_changed_at": self.now}

    def reference(self, case_id: int) -> str:
        # the year as a number: formatting the date (strftime) would be most of the cost here,
        # and the import asks for a thousand references a batch
        return f"{self.province_code}-{self.now.year}-{case_id:06d}"

    def search_text(self, case_id: int) -> str:
        # = search_key of the reference, names and tax codes: the reference is digits and
        # dashes, and search_key joins words with single spaces
        return " ".join([self.reference(case_id)] + [e["search_text"] for e in self.enterprises])

    def link_values(self) -> list[dict]:
        """The links to the enterprises, in order, without the ids."""
        return [{"tax_code": enterprise["tax_code"], "position": position, "active": True}
                for position, enterprise in enumerate(self.enterprises)]

    def link_rows(self, case_id: int, enterprise_ids: list[int]) -> list[dict]:
        return [{"case_id": case_id, "enterprise_id": enterprise_id, **values}
                for values, enterprise_id in zip(self.link_values(), enterprise_ids)]

    def created_entry(self, case_id: int, more_data: dict | None = None) -> dict:
        """The case's `created` history entry; `more_data` adds to what it records (the import
        says which import and row made the case)."""
        return {"case_id": case_id, "action": "created", "trigger": None, "from_state": None,
                "to_state": self.state, **self.actor, "comment": "",
                "data": {"enterprises": [e["tax_code"] for e in self.enterprises],
                         "organiser": self.organiser_email, **(more_data or {})},
                "created_at": self.now}


def enterprise_row(data: dict) -> dict:
    """An enterprise as the case records it (a row of its own, never shared with another case),
    from validated values: name, tax_code, province_id, workforce, ownership, sector, and
    optionally address, women, foreign_workers."""
    return {"tax_code": data["tax_code"], "name": data["name"],
            "province_id": data["province_id"], "workforce": data["workforce"],
            "ownership": data["ownership"], "sector": data["sector"],
            "search_text": search_key(f"{data['name']} {data['tax_code']}"),
            "investor_country": None, "address": data.get("address"),
            "workforce_women": data.get("women"),
            "workforce_foreign": data.get("foreign_workers")}


def new_case(*, kind: str, unit_id: int, enterprises: list[dict], province_code: str,
             organiser_id: int | None, organiser_email: str | None, actor: dict,
             target_members: int = 0, now: datetime | None = None) -> NewCase:
    """The values a new case gets. `enterprises` are validated values (see `enterprise_row`),
    the first one's province the case's (`province_code` its code); `actor` is
    `audit.actor_fields` of whoever makes it."""
    rows = tuple(enterprise_row(e) for e in enterprises)
    return NewCase(kind=kind, state=initial_state(kind), unit_id=unit_id,
                   organiser_id=organiser_id, organiser_email=organiser_email,
                   target_members=target_members, actor=actor, enterprises=rows,
                   province_id=rows[0]["province_id"], province_code=province_code,
                   now=now or clock.now())
