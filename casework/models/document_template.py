"""A unit's own template for one document type, uploaded by its administrator. Every upload is
a new version; the newest is used, the earlier ones are kept."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.org import OrgUnit
from casework.models.user import User, utcnow


class DocumentTemplate(db.Model):
    __tablename__ = "document_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    type: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int]
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    unit: Mapped[OrgUnit] = relationship()
    uploaded_by: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("unit_id", "type", "version",
                                          name="uq_document_templates_unit_type_version"),)
