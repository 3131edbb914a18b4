"""Generating a case's paperwork: the case's data into the document type's template, the result
filed as a draft attachment against its checklist item (to be printed, signed, and replaced by
the signed scan, which is what the dossier checklist counts)."""
from __future__ import annotations

from casework import authz
from casework.documents.context import build_context
from casework.documents.render import DOCX_TYPE, render
from casework.documents.types import BY_NAME, DOCUMENT_TYPES, DocumentType
from casework.errors import Forbidden, Invalid
from casework.i18n import _
from casework.models import Attachment, Case, User
from casework.services.attachments import store_generated
from casework.services.document_templates import template_for
from casework.workflow.definition import SUPERVISORS, flow_for


def types_for(case: Case) -> list[DocumentType]:
    flow = flow_for(case.kind).name
    return [t for t in DOCUMENT_TYPES if t.flow == flow]


def why_not_generate(user: User, case: Case, doctype: DocumentType) -> str | None:
    """None when `user` may generate `doctype` on `case`: whoever may take its action (fire the
    trigger; for a decision that needs approval, decide it)."""
    trigger = flow_for(case.kind).trigger(doctype.action)
    roles = (trigger.approval.role,) if trigger.approval is not None else trigger.roles
    if user.role not in roles:
        return _("Only a supervisor may generate “%(document)s”.", document=_(doctype.label)) \
            if roles == SUPERVISORS else \
            _("Only an organiser or a supervisor may generate “%(document)s”.",
              document=_(doctype.label))
    return None if authz.case_in_scope(user, case) else _("This case is outside your unit.")


def find_type(case: Case, name) -> DocumentType:
    doctype = BY_NAME.get(name) if isinstance(name, str) else None
    if doctype is None or doctype not in types_for(case):
        raise Invalid(_("Unknown document type %(name)s for this case",
                        name=repr(str(name)[:40])), field="type", code="unknown_type")
    return doctype


def generate_document(case: Case, actor: User, type_name: str) -> Attachment:
    """Render the type's template (the nearest unit's up the tree, else the shipped one) with
    the case's data and file the result as a draft. Flushes, never commits."""
    doctype = find_type(case, type_name)
    reason = why_not_generate(actor, case, doctype)
    if reason:
        raise Forbidden(reason)
    context = build_context(case, doctype.needs)
    content = render(template_for(case.unit, doctype.name).content, context)
    filename = f"{doctype.name}-{case.ref or case.id}.docx"
    return store_generated(case, actor, doctype.document, filename, content, DOCX_TYPE)
