"""Reading a case's step log, history and approvals."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.extensions import db
from casework.models import ApprovalRequest, AuditEntry, Case, CaseEnterprise, Step


def steps_of(case_id: int) -> list[Step]:
    return list(db.session.scalars(
        sa.select(Step).where(Step.case_id == case_id).order_by(Step.date.desc(), Step.id.desc())))


def history_of(case_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)))


def approvals_of(case_id: int) -> list[ApprovalRequest]:
    return list(db.session.scalars(
        sa.select(ApprovalRequest).where(ApprovalRequest.case_id == case_id)
        .order_by(ApprovalRequest.id.desc())))


def with_case(query):
    """Approval requests with their case, unit and enterprises loaded in the same round trips:
    a list of requests runs a fixed number of queries."""
    return query.options(
        joinedload(ApprovalRequest.case).joinedload(Case.unit),
        joinedload(ApprovalRequest.case).selectinload(Case.links)
        .joinedload(CaseEnterprise.enterprise))
