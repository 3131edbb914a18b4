"""A working list: a case list filter saved under a name, private or shared with a unit."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.org import OrgUnit
from casework.models.user import User, utcnow


class SavedList(db.Model):
    __tablename__ = "saved_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # set when the list is shared: every user of this unit and of its subtree sees it
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    # the case list's filter values (casework.services.queries.FILTERS), as the page's query
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")
    unit: Mapped[OrgUnit | None] = relationship()

    @property
    def shared(self) -> bool:
        return self.unit_id is not None
