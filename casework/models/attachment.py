"""Files uploaded against the dossier checklist of a case. Append-only evidence: a replacement is
a new upload; the newest file of a checklist item is listed first."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.user import User, utcnow
from casework.workflow.definition import DOCUMENTS


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    document: Mapped[str] = mapped_column(
        sa.Enum(*DOCUMENTS, name="attachment_document", native_enum=False,
                create_constraint=True, length=30))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(32), unique=True)  # uuid4().hex
    content_type: Mapped[str] = mapped_column(sa.String(100))             # detected by content
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    uploaded_by: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} case={self.case_id} {self.document}>"
