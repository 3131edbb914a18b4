"""Generated documents: what a client asks for, and the types and drafts it is answered with."""
from __future__ import annotations

from marshmallow import fields

from casework.documents.types import DOCUMENT_TYPES
from casework.schemas.base import Schema
from casework.schemas.fields import Choice


class DocumentRequest(Schema):
    """The document to generate from the case's data"""

    type = Choice([t.name for t in DOCUMENT_TYPES], required=True,
                  metadata={"description": "A document type of GET /document-types"})


class DocumentTypeOut(Schema):
    """A document casework generates"""

    type = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "In the reader's language"})
    checklist_item = fields.String(
        required=True, metadata={"description": "What the draft is filed against"})
    action = fields.String(required=True, metadata={
        "description": "The trigger: who may take it (or decide it) may generate the document"})
    flow = fields.String(required=True)
    format = fields.String(required=True, metadata={"enum": ["docx"]})


class DocumentTypeList(Schema):
    """The document types"""

    items = fields.List(fields.Nested(DocumentTypeOut), required=True)


class DraftAttachment(Schema):
    """A generated document, filed as a draft attachment of the case"""

    id = fields.Integer(required=True)
    checklist_item = fields.String(required=True)
    original_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    draft = fields.Boolean(required=True)
    url = fields.String(required=True, metadata={"description": "Where it is downloaded"})


class GeneratedDocument(Schema):
    """The draft a document type generated"""

    attachment = fields.Nested(DraftAttachment, required=True)
    checklist_item = fields.String(required=True)
