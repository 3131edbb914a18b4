"""Which template a document is generated from, and a federation's own templates.

The template used is the newest version uploaded by the nearest unit up the case's tree, else
the shipped one (casework/documents/templates). An upload is refused unless it renders with
sample data (casework.documents.context.sample_context): a broken placeholder is named with the
paragraph it is in, as the person sees it in Word."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import sqlalchemy as sa
from docx import Document
from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from casework import authz
from casework.documents.context import sample_context
from casework.documents.render import render, shipped_template
from casework.documents.types import BY_NAME
from casework.errors import Forbidden, Invalid
from casework.extensions import db
from casework.i18n import _, megabytes
from casework.models import DocumentTemplate, OrgUnit, User
from casework.schemas.limits import TEMPLATE_BYTES


@dataclass(frozen=True)
class Template:
    content: bytes
    unit: OrgUnit | None = None   # None: the shipped template
    version: int | None = None


def _ancestor_ids(unit: OrgUnit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def template_for(unit: OrgUnit, type_name: str) -> Template:
    """The newest template of the nearest unit up from `unit` (itself first), else the shipped."""
    row = db.session.scalar(
        sa.select(DocumentTemplate).join(OrgUnit, OrgUnit.id == DocumentTemplate.unit_id)
        .where(DocumentTemplate.unit_id.in_(_ancestor_ids(unit) or [unit.id]),
               DocumentTemplate.type == type_name)
        .order_by(sa.func.length(OrgUnit.path).desc(), DocumentTemplate.version.desc())
        .options(sa.orm.undefer(DocumentTemplate.content)).limit(1))
    if row is None:
        return Template(shipped_template(type_name))
    return Template(row.content, unit=row.unit, version=row.version)


def versions_of(unit: OrgUnit, type_name: str) -> list[DocumentTemplate]:
    return list(db.session.scalars(
        sa.select(DocumentTemplate).where(DocumentTemplate.unit_id == unit.id,
                                          DocumentTemplate.type == type_name)
        .order_by(DocumentTemplate.version.desc())))


def _paragraphs(content: bytes) -> list[str]:
    """The texts of the paragraphs, numbered as Word shows them (the tables' after the body's)."""
    document = Document(io.BytesIO(content))
    paragraphs = list(document.paragraphs) + [p for t in document.tables for row in t.rows
                                              for cell in row.cells for p in cell.paragraphs]
    return [p.text for p in paragraphs]


_UNKNOWN_NAME = re.compile(r"has no attribute '(\w+)'|'(\w+)' is undefined")


def _line_of(content: bytes, exc: TemplateError) -> tuple[int, str] | None:
    """The paragraph the error is in: one whose placeholders do not close or do not parse on
    their own (a paragraph or row loop of docxtpl spans paragraphs and is skipped), or the one
    naming the unknown variable."""
    texts = _paragraphs(content)
    unknown = _UNKNOWN_NAME.search(exc.message or "")
    name = next((g for g in unknown.groups() if g), None) if unknown else None
    environment = SandboxedEnvironment()
    for number, text in enumerate(texts, start=1):
        if name is not None:
            if name in text and ("{{" in text or "{%" in text):
                return number, text[:120]
            continue
        if "{{" not in text and "{%" not in text:
            continue
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            return number, text[:120]
        if re.search(r"\{%-?\s*(p|tr|tc|r)\s", text):
            continue   # docxtpl's paragraph and row tags: their block spans paragraphs
        try:
            environment.parse(text)
        except TemplateSyntaxError as inner:
            message = inner.message or ""
            if "end of template" in message or "unknown tag 'end" in message \
                    or "unknown tag 'else" in message or "unknown tag 'elif" in message:
                continue   # a block opened or closed here, the rest in other paragraphs
            return number, text[:120]
    return None


def check_template(content: bytes) -> None:
    """Refuse what is not a DOCX, or does not render with sample data, saying where."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise zipfile.BadZipFile
    except zipfile.BadZipFile:
        raise Invalid(_("The template must be a Word document (.docx)"), field="file")
    try:
        render(content, sample_context())
    except TemplateError as exc:
        where = _line_of(content, exc)
        if where is not None:
            message = _("The template does not render: %(error)s, in line %(line)d “%(text)s”",
                        error=exc.message or type(exc).__name__, line=where[0], text=where[1])
        elif isinstance(exc, TemplateSyntaxError):
            message = _("The template does not render: %(error)s (line %(line)d of the "
                        "document's XML)", error=exc.message, line=exc.lineno)
        else:
            message = _("The template does not render: %(error)s",
                        error=exc.message or type(exc).__name__)
        raise Invalid(message, field="file", code="template_broken")
    except Exception as exc:  # noqa: BLE001  (a damaged file: docxtpl and lxml raise many)
        raise Invalid(_("The template does not render: %(error)s", error=str(exc)[:200]),
                      field="file", code="template_broken")


def upload_template(actor: User, unit: OrgUnit, type_name: str, filename: str,
                    content: bytes) -> DocumentTemplate:
    """A new version of `unit`'s template for `type_name`, by an administrator of the unit or
    of a unit above it. Flushes, never commits."""
    if actor.role != "admin" or not authz.unit_in_scope(actor, unit):
        raise Forbidden(_("Only an administrator of this unit may replace its templates."))
    if type_name not in BY_NAME:
        raise Invalid(_("Choose a document type"), field="type")
    if len(content) > TEMPLATE_BYTES:
        raise Invalid(_("The file is larger than the limit of %(limit)s MB",
                        limit=megabytes(TEMPLATE_BYTES)), field="file")
    check_template(content)
    last = db.session.scalar(sa.select(sa.func.max(DocumentTemplate.version)).where(
        DocumentTemplate.unit_id == unit.id, DocumentTemplate.type == type_name)) or 0
    row = DocumentTemplate(unit_id=unit.id, type=type_name, version=last + 1,
                           original_name=(filename or f"{type_name}.docx")[:255],
                           content=content, size=len(content),
                           sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    return row
