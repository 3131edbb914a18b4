"""The register of a case: each worker who applied to join the union, and the case's application
link (the URL a worker applies through without the employer learning anything).

How a verified application is counted is in docs/applications.md: verifying logs a step of kind
`applications_collected` carrying +1, a later rejection or withdrawal the −1 that corrects it,
so the case's counts stay the sum of its steps.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from casework.extensions import db
from casework.models.case import Case
from casework.models.user import User, utcnow
from casework.schemas.limits import (APPLICANT_NAME_LENGTH, APPLICATION_CONTACT_LENGTH,
                                     APPLICATION_JOB_LENGTH, APPLICATION_REASON_LENGTH)

APPLICATION_STATUSES = ("received", "verified", "rejected", "withdrawn")
APPLICATION_CHANNELS = ("paper", "online", "organiser")
GENDERS = ("female", "male", "other")
# which of the case's counts a verified application added to (founders are Vietnamese)
COUNTED_AS = ("vietnamese", "foreign")
# the status changes an organiser may make; a rejection may be overturned, a withdrawal is the
# worker's and final (they apply again)
NEXT_STATUSES = {"received": ("verified", "rejected", "withdrawn"),
                 "verified": ("rejected", "withdrawn"),
                 "rejected": ("verified",),
                 "withdrawn": ()}
# a possible duplicate waits for the organiser: "flagged" until they decide "distinct" (it may
# then be verified) or reject it
DUPLICATE_STATES = ("flagged", "distinct")


# the codes in people's words (translated where shown)
GENDER_LABELS = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other")}
CHANNEL_LABELS = {"paper": _l("Paper form"), "online": _l("Online"),
                  "organiser": _l("Taken by the organiser")}
STATUS_LABELS = {"received": _l("Received"), "verified": _l("Verified"),
                 "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn")}
DECISION_LABELS = {"verified": _l("Verify"), "rejected": _l("Reject"),
                   "withdrawn": _l("Withdrawn by the worker")}


def _enum(values, name: str, length: int = 20):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


class CaseApplication(db.Model):
    __tablename__ = "case_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # what the worker is told (online) and the organiser quotes: random, so it says nothing
    # about how many applied
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(APPLICANT_NAME_LENGTH))
    # the name folded for the duplicate rule (lower case, no diacritics, single spaces)
    name_key: Mapped[str] = mapped_column(sa.String(APPLICANT_NAME_LENGTH), default="")
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    birth_year: Mapped[int | None]
    gender: Mapped[str | None] = mapped_column(_enum(GENDERS, "applicant_gender", 10))
    nationality: Mapped[str] = mapped_column(sa.String(2), default="VN")
    # a foreign worker on a labour contract of 12 months or longer may be a member
    contract_12_months: Mapped[bool | None]
    job: Mapped[str] = mapped_column(sa.String(APPLICATION_JOB_LENGTH), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)  # E.164
    applied_on: Mapped[date] = mapped_column(sa.Date)
    channel: Mapped[str] = mapped_column(_enum(APPLICATION_CHANNELS, "application_channel"))
    status: Mapped[str] = mapped_column(_enum(APPLICATION_STATUSES, "application_status"),
                                        default="received")
    reason: Mapped[str] = mapped_column(sa.String(APPLICATION_REASON_LENGTH), default="")
    counted_as: Mapped[str | None] = mapped_column(_enum(COUNTED_AS, "application_counted_as"))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_applications.id"))
    duplicate_state: Mapped[str | None] = mapped_column(_enum(DUPLICATE_STATES,
                                                              "application_duplicate"))
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachments.id"))
    # an online application's explicit consent (Decree 13/2023/ND-CP), when it was given
    consent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # personal data erased (closed as not feasible, or at the worker's request): the row stays
    # for the counts and the history
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_case_applications_case_status", "case_id", "status"),
        sa.CheckConstraint("(status = 'verified') = (counted_as IS NOT NULL)",
                           name="application_counted_when_verified"),
    )

    @property
    def is_foreign(self) -> bool:
        return self.nationality != "VN"


class ApplicationLink(db.Model):
    """The URL a worker applies through. One open link per case; closing or replacing it makes
    the old token answer like one that never existed."""

    __tablename__ = "application_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    # how a worker reaches the receiving union (a phone, an address), printed on the page
    contact: Mapped[str] = mapped_column(sa.String(APPLICATION_CONTACT_LENGTH), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    case: Mapped[Case] = relationship()


# The applications not yet decided, for the case's JSON (`applications.received`). Deferred: a
# list undefers it with its rows.
Case.applications_received = column_property(
    sa.select(sa.func.count(CaseApplication.id))
    .where(CaseApplication.case_id == Case.id, CaseApplication.status == "received")
    .correlate_except(CaseApplication).scalar_subquery(),
    deferred=True)
