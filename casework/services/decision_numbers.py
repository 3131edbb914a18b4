"""Decision numbers: each issuing unit numbers its decisions 1, 2, 3 ... a year (`15/QĐ-LĐLĐ`).

A number is taken in the transaction of the decision itself, after locking the unit's counter
row for the year (SELECT ... FOR UPDATE on PostgreSQL; SQLite writes one transaction at a time):
two supervisors deciding at once get consecutive numbers, and a decision that fails rolls its
number back with it, so no number is issued twice or skipped. The issuing unit is the unit of
the person who decides (who signs): a request escalated to the units above is numbered there.
"""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from casework import clock
from casework.errors import Conflict, Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import DecisionCounter, DecisionNumber, OrgUnit, UnitDecisionSuffix
from casework.schemas.limits import DECISION_SUFFIX_LENGTH
from casework.text import nfc

# the triggers that issue a numbered decision (their data carries decision_number)
ISSUING_TRIGGERS = ("recognise", "appoint_provisional", "establish")

# the suffix each type of unit writes after the number, unless the unit set its own
DEFAULT_SUFFIXES = {
    "vgcl": "QĐ-TLĐ",                     # Tổng Liên đoàn Lao động Việt Nam
    "provincial_federation": "QĐ-LĐLĐ",   # Liên đoàn Lao động tỉnh, thành phố
    "sector_union": "QĐ-CĐN",             # Công đoàn ngành
    "corporation_union": "QĐ-CĐTCT",      # Công đoàn Tổng công ty
    "commune_union": "QĐ-CĐ",             # Công đoàn cấp trên trực tiếp cơ sở
    "industrial_park_union": "QĐ-CĐKCN",  # Công đoàn các khu công nghiệp
    "grassroots": "QĐ-CĐCS",
}

_NUMBER = re.compile(r"^\s*(\d{1,6})\s*/\s*(\S.*?)\s*$")


def suffix_of(unit: OrgUnit) -> str:
    own = db.session.get(UnitDecisionSuffix, unit.id)
    return own.suffix if own is not None else DEFAULT_SUFFIXES.get(unit.type, "QĐ")


def set_suffix(unit: OrgUnit, suffix: str | None) -> None:
    """The unit's own suffix; None or blank goes back to its type's default."""
    suffix = nfc(suffix or "").strip()
    if len(suffix) > DECISION_SUFFIX_LENGTH or "/" in suffix:
        raise Invalid(_("The suffix of decision numbers must be at most %(maximum)d characters, "
                        "without “/”", maximum=DECISION_SUFFIX_LENGTH), field="suffix")
    own = db.session.get(UnitDecisionSuffix, unit.id)
    if not suffix:
        if own is not None:
            db.session.delete(own)
    elif own is None:
        db.session.add(UnitDecisionSuffix(unit_id=unit.id, suffix=suffix))
    else:
        own.suffix = suffix
    db.session.flush()


def format_number(number: int, suffix: str) -> str:
    return f"{number}/{suffix}"


def next_number(unit: OrgUnit, year: int | None = None) -> str:
    """The number the unit's next decision would get (offered in the form; not reserved)."""
    year = year or clock.today().year
    last = db.session.scalar(sa.select(DecisionCounter.last_number).where(
        DecisionCounter.unit_id == unit.id, DecisionCounter.year == year)) or 0
    return format_number(last + 1, suffix_of(unit))


def _lock_counter(unit_id: int, year: int) -> int:
    """The counter's last number, its row locked until the transaction ends (made if new: two
    first decisions of a year both insert, one insert is ignored, both then lock the row)."""
    values = {"unit_id": unit_id, "year": year, "last_number": 0}
    table = DecisionCounter.__table__
    if db.engine.dialect.name == "postgresql":
        insert = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        insert = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    db.session.execute(insert)
    return db.session.scalar(
        sa.select(table.c.last_number)
        .where(table.c.unit_id == unit_id, table.c.year == year).with_for_update())


def _decision_year(raw: dict) -> int:
    value = raw.get("decision_date")
    if isinstance(value, date):
        return value.year
    try:
        return date.fromisoformat(str(value).strip()).year
    except ValueError:
        return clock.today().year   # the date's own parser refuses it just after


def take(case, trigger: str, actor, raw: dict) -> dict:
    """Number the decision in `raw` (the trigger's data, not yet parsed): the next number when
    none is typed; a typed one must be that next number. Returns the data with the number."""
    unit = actor.unit
    year = _decision_year(raw)
    suffix = suffix_of(unit)
    last = _lock_counter(unit.id, year)
    typed = raw.get("decision_number")
    if typed is None or (isinstance(typed, str) and not typed.strip()):
        number = last + 1
    else:
        number = _typed_number(typed, suffix, last, year)
    db.session.execute(sa.update(DecisionCounter.__table__)
                       .where(DecisionCounter.unit_id == unit.id, DecisionCounter.year == year)
                       .values(last_number=number))
    text = format_number(number, suffix)
    db.session.add(DecisionNumber(unit_id=unit.id, year=year, number=number, text=text,
                                  case_id=case.id, trigger=trigger, issued_by_id=actor.id))
    return {**raw, "decision_number": text}


def _typed_number(typed, suffix: str, last: int, year: int) -> int:
    expected = format_number(last + 1, suffix)
    match = _NUMBER.match(nfc(typed)) if isinstance(typed, str) else None
    if match is None or match.group(2).casefold() != suffix.casefold():
        raise Invalid(_("The decision number must be written as in the register of your unit, "
                        "“%(expected)s”", expected=expected),
                      field="decision_number", code="decision_number_format")
    number = int(match.group(1))
    if number <= last:
        raise Conflict(_("Decision number %(number)s was already issued in %(year)d; the next "
                         "number is %(expected)s", number=format_number(number, suffix),
                         year=year, expected=expected),
                       field="decision_number", code="decision_number_taken")
    if number > last + 1:
        raise Invalid(_("Decision number %(number)s would skip numbers; the next number is "
                        "%(expected)s", number=format_number(number, suffix), expected=expected),
                      field="decision_number", code="decision_number_skipped")
    return number


def number_decision(case, trigger, actor, raw):
    """The hook the transition service calls before it parses the data of a decision."""
    if trigger.name not in ISSUING_TRIGGERS or not isinstance(raw, dict):
        return raw
    return take(case, trigger.name, actor, raw)
