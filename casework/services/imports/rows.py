"""Validating one row of an import: its cells cleaned into an enterprise's values, or refused
(`RowRefused`, naming the column at fault) — never half-imported. Spreadsheet cells are not
JSON (numbers Excel made, tax codes that lost their leading zero, "1.200" workers), so rows keep
this cleaner of their own, bounded by the same limits as the forms and the API."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from casework.errors import Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import Province
from casework.models.enterprise import Ownership
from casework.schemas.limits import (ADDRESS_LENGTH, ENTERPRISE_NAME_LENGTH, SECTOR_LENGTH,
                                     WORKFORCE)
from casework.services.enterprises import normalise_tax_code
from casework.services.imports.columns import (OWNERSHIP_ALIASES, PROVINCE_ALIASES,
                                               PROVINCE_PREFIXES, SECTOR_ALIASES, header_key)
from casework.text import nfc


class RowRefused(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_CONTROL = re.compile(r"[\x00-\x1f]")
_GROUPED = re.compile(r"\d{1,3}(?:[.,\u00a0 ]\d{3})+")
_INTEGRAL = re.compile(r"(\d+)[.,]0+")


def parse_count(value) -> int | None:
    """A whole number from a cell: 1200, 1200.0, '1200', '1.200', '1,200'; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = cell_text(value)
    if re.fullmatch(r"\d+", text, re.ASCII):
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    match = _INTEGRAL.fullmatch(text)
    return int(match.group(1)) if match else None


def _tax_code_text(value) -> str:
    """A leading zero Excel dropped (a tax code stored as a number) is put back."""
    text = cell_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = text
    else:
        digits = text if re.fullmatch(r"\d+", text, re.ASCII) else ""
    if digits and len(digits) in (9, 12):
        return "0" + digits
    return text


class RowCleaner:
    """Validates rows against the provinces (read once, not once per row)."""

    def __init__(self):
        self.by_code: dict[str, tuple[int, str]] = {}
        self.by_name: dict[str, str] = dict(PROVINCE_ALIASES)
        for pid, code, name in db.session.execute(
                sa.select(Province.id, Province.code, Province.name)):
            self.by_code[code] = (pid, code)
            self.by_name[header_key(name)] = code

    def province(self, value) -> tuple[int, str]:
        text = cell_text(value)
        if re.fullmatch(r"\d{1,2}", text, re.ASCII):
            found = self.by_code.get(text.zfill(2))
        else:
            key = header_key(text)
            code = self.by_name.get(key)
            if code is None:
                for prefix in PROVINCE_PREFIXES:
                    if key.startswith(prefix):
                        code = self.by_name.get(key[len(prefix):])
                        break
            found = self.by_code.get(code) if code else None
        if found is None:
            if not text:
                raise RowRefused("province", _("province is required"))
            raise RowRefused("province", _("unknown province %(value)s (a code such as 79 "
                                           "or a name such as Hồ Chí Minh)",
                                           value=repr(text[:40])))
        return found

    def clean(self, values: dict[str, Any]) -> dict:
        name = nfc(cell_text(values.get("name")))
        if not name:
            raise RowRefused("name", _("name is required"))
        if len(name) > ENTERPRISE_NAME_LENGTH or _CONTROL.search(name):
            raise RowRefused("name", _("name must be at most %(maximum)d characters, without "
                                       "control characters", maximum=ENTERPRISE_NAME_LENGTH))
        try:
            tax_code = normalise_tax_code(_tax_code_text(values.get("tax_code")))
        except Invalid as exc:
            raise RowRefused("tax_code", exc.message)
        province_id, province_code = self.province(values.get("province"))

        raw_workforce = values.get("workforce")
        if cell_text(raw_workforce) == "":
            raise RowRefused("workforce", _("workforce is required"))
        workforce = parse_count(raw_workforce)
        if workforce is None or not WORKFORCE.least <= workforce <= WORKFORCE.most:
            raise RowRefused("workforce", _("workforce must be a whole number from 0 to "
                                            "%(maximum)d", maximum=WORKFORCE.most))
        part = {}
        for key in ("women", "foreign_workers"):
            raw = values.get(key)
            if cell_text(raw) == "":
                part[key] = None
                continue
            count = parse_count(raw)
            if count is None or not 0 <= count <= workforce:
                raise RowRefused(key, _("women must be a whole number from 0 to the workforce "
                                        "(%(workforce)d)", workforce=workforce)
                                 if key == "women" else
                                 _("foreign workers must be a whole number from 0 to the "
                                   "workforce (%(workforce)d)", workforce=workforce))
            part[key] = count

        ownership_text = cell_text(values.get("ownership"))
        ownership = OWNERSHIP_ALIASES.get(header_key(ownership_text)) if ownership_text \
            else Ownership.private.value
        if ownership is None:
            raise RowRefused("ownership", _("ownership must be one of %(choices)s",
                                            choices=", ".join(o.value for o in Ownership)))
        sector_text = nfc(cell_text(values.get("sector")))
        sector = SECTOR_ALIASES.get(header_key(sector_text), sector_text) or None
        if sector is not None and len(sector) > SECTOR_LENGTH:
            raise RowRefused("sector", _("sector must be text of at most %(maximum)d "
                                         "characters", maximum=SECTOR_LENGTH))
        address = nfc(cell_text(values.get("address"))) or None
        if address is not None and len(address) > ADDRESS_LENGTH:
            raise RowRefused("address", _("address must be at most %(maximum)d characters",
                                          maximum=ADDRESS_LENGTH))
        return {"name": name, "tax_code": tax_code, "province_id": province_id,
                "province_code": province_code, "workforce": workforce,
                "women": part["women"], "foreign_workers": part["foreign_workers"],
                "ownership": ownership, "sector": sector, "address": address}


def cell_texts(raw: dict[str, Any]) -> dict[str, str]:
    """A row's cells as text, as the rejected-rows file keeps them."""
    return {k: cell_text(v) for k, v in raw.items()}
