"""The document types casework generates: the checklist item each is filed against, the trigger
whose people may generate it, and the flow it belongs to."""
from __future__ import annotations

from dataclasses import dataclass

from casework.workflow.definition import N_


@dataclass(frozen=True)
class DocumentType:
    name: str
    label: str
    document: str      # the checklist item (Attachment.document) the draft is filed against
    action: str        # the trigger: who may fire it (or decide it) may generate the document
    flow: str          # the flow whose cases have it
    needs: tuple[str, ...]   # the parts of the case's data the template reads (context.PARTS)


DOCUMENT_TYPES = (
    DocumentType("cover_letter", N_("Request for recognition"), "cover_letter",
                 "submit_dossier", "grassroots", ("congress",)),
    DocumentType("member_list", N_("List of members"), "member_list", "submit_dossier",
                 "grassroots", ("members",)),
    DocumentType("congress_minutes", N_("Minutes of the founding congress"), "congress_minutes",
                 "submit_dossier", "grassroots", ("congress",)),
    DocumentType("election_minutes", N_("Minutes of the election"), "election_minutes",
                 "submit_dossier", "grassroots", ("congress",)),
    DocumentType("committee_cvs", N_("List of the executive committee's officers"),
                 "committee_cvs", "submit_dossier", "grassroots", ("congress",)),
    DocumentType("recognition_decision", N_("Recognition decision"), "recognition_decision",
                 "recognise", "grassroots", ("congress", "decision")),
    DocumentType("provisional_decision", N_("Decision appointing a provisional committee"),
                 "provisional_decision", "appoint_provisional", "grassroots",
                 ("members", "decision", "appointed")),
    DocumentType("announcement_record", N_("Record of the announcement"), "announcement_record",
                 "announce", "grassroots", ("decision", "announcement")),
    DocumentType("establishment_decision", N_("Decision establishing the conglomerate union"),
                 "establishment_decision", "establish", "conglomerate_pilot",
                 ("decision", "appointed")),
)
BY_NAME = {t.name: t for t in DOCUMENT_TYPES}
