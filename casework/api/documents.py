"""Documents generated from a case's data, over JSON."""
from __future__ import annotations

from flask import g, jsonify, url_for

from casework import authz
from casework.api import bp, json_body
from casework.api.docs import operation
from casework.documents.types import DOCUMENT_TYPES
from casework.extensions import db
from casework.i18n import _
from casework.models import Case
from casework.schemas.base import dump, load
from casework.schemas.documents import (DocumentRequest, DocumentTypeList, GeneratedDocument)
from casework.services.documents import generate_document
from casework.transaction import commit


@bp.get("/document-types")
@operation(summary="The documents casework generates from a case", tags=["documents"],
           responses={200: DocumentTypeList})
def document_types():
    items = [{"type": t.name, "label": _(t.label), "checklist_item": t.document,
              "action": t.action, "flow": t.flow, "format": "docx"} for t in DOCUMENT_TYPES]
    return jsonify(dump(DocumentTypeList, {"items": items}))


@bp.post("/cases/<int:case_id>/documents")
@operation(summary="Generate a document from the case's data, filed as a draft attachment",
           body=DocumentRequest, tags=["documents"],
           responses={201: GeneratedDocument, 403: None, 404: None, 409: None},
           description="422 `missing_data` names what the case lacks (`missing`).")
def post_document(case_id: int):
    case = authz.require_case_visible(g.api_user, db.session.get(Case, case_id))
    body = load(DocumentRequest, json_body())
    attachment = generate_document(case, g.api_user, body["type"])
    answer = dump(GeneratedDocument, {
        "checklist_item": attachment.document,
        "attachment": {"id": attachment.id, "checklist_item": attachment.document,
                       "original_name": attachment.original_name,
                       "content_type": attachment.content_type, "size": attachment.size,
                       "draft": attachment.draft,
                       "url": url_for("cases.download_attachment", case_id=case.id,
                                      attachment_id=attachment.id)}})
    commit()
    return jsonify(answer), 201
