"""All models, imported here so Alembic and the app see one metadata."""
from casework.models.application import ApplicationLink, CaseApplication
from casework.models.approval import ApprovalRequest
from casework.models.attachment import Attachment
from casework.models.audit import AuditEntry
from casework.models.case import Case, CaseEnterprise
from casework.models.decision import DecisionCounter, DecisionNumber, UnitDecisionSuffix
from casework.models.document_template import DocumentTemplate
from casework.models.enterprise import Enterprise, Ownership
from casework.models.job import Job
from casework.models.membership import GrassrootsUnion, MembershipReport, UnitEvent
from casework.models.notification import Notification
from casework.models.org import UNIT_LEVELS, CalendarDay, OrgUnit, Province, Setting, UnitType
from casework.models.step import Step
from casework.models.tally import CaseTally
from casework.models.target import Target
from casework.models.user import ApiToken, Role, User
from casework.models.visit import ProvinceAssignment, Visit, VisitCase, VisitFollowUp

__all__ = ["ApiToken", "ApplicationLink", "CaseApplication", "ApprovalRequest", "Attachment", "AuditEntry", "CalendarDay", "Case",
           "CaseEnterprise", "CaseTally", "DecisionCounter", "DecisionNumber", "DocumentTemplate",
           "Enterprise", "GrassrootsUnion", "Job", "MembershipReport", "Notification", "OrgUnit",
           "Ownership", "Province",
           "Role", "Setting", "Step", "Target", "UNIT_LEVELS", "UnitType", "User",
           "ProvinceAssignment", "UnitDecisionSuffix", "UnitEvent", "Visit", "VisitCase",
           "VisitFollowUp"]
