"""Long work done outside a web request (an import, a large export): who asked, how far it got,
and what came of it. The row is what every app server reads; the queue only runs the work."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.user import User, utcnow

JOB_KINDS = ("import", "export", "bulk")
JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # what the URLs carry: unguessable, so a job's address tells nothing of the others
    token: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(
        sa.Enum(*JOB_KINDS, name="job_kind", native_enum=False, create_constraint=True,
                length=20))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(
        sa.Enum(*JOB_STATUSES, name="job_status", native_enum=False, create_constraint=True,
                length=20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)       # rows (or bytes) done so far
    total: Mapped[int | None]                              # of how many, when known
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # refreshed while the job runs: a `running` job not heard of for JOB_STALE_AFTER seconds
    # lost its process (a killed worker) and is swept to failed
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.progress / self.total))
