"""Running counts of the cases per (unit, province, kind, state), for the leadership pipeline.

A tally row holds how many cases of one managing unit, province, kind and state there are and
the sum of their target members. The rows are kept exact in the same transaction as every change
to a case (`casework.services.tallies`), so the pipeline reads a few thousand tally rows instead
of every case. `flask tallies rebuild` recounts them from the cases.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import db


class CaseTally(db.Model):
    __tablename__ = "case_tallies"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("provinces.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    cases: Mapped[int] = mapped_column(default=0)
    target_members: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    # SQLite: the rows live in their primary key's B-tree (small rows, read by key ranges)
    __table_args__ = {"sqlite_with_rowid": False}

    def __repr__(self) -> str:
        return (f"<CaseTally unit={self.unit_id} province={self.province_id} {self.kind} "
                f"{self.state}: {self.cases} cases, {self.target_members} members>")
