"""Which template a document is generated from: the shipped one (casework/documents/templates)
unless a unit up the case's tree has uploaded its own."""
from __future__ import annotations

from dataclasses import dataclass

from casework.documents.render import shipped_template
from casework.models import OrgUnit


@dataclass(frozen=True)
class Template:
    content: bytes
    unit: OrgUnit | None = None   # None: the shipped template
    version: int | None = None


def template_for(unit: OrgUnit, type_name: str) -> Template:
    return Template(shipped_template(type_name))
