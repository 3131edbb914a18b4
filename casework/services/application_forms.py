"""One worker's scanned application form: kept through the attachment storage (the same checks
of type by content and of size), read only by those who may read the case's personal data
(authz.may_read_personal_data), replaced or erased with the person's data (the file goes too),
and every upload, opening and deletion in the case's history (ids only, never the file's name:
it may carry the worker's)."""
from __future__ import annotations

from pathlib import Path

from casework.errors import Conflict, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import Attachment, CaseApplication, User
from casework.models.attachment import APPLICATION_FORM
from casework.services.applications import _audit, require_register
from casework.services.attachments import (delete_attachment, open_attachment,
                                           store_attachment)


def form_of(application: CaseApplication) -> Attachment | None:
    if application.attachment_id is None:
        return None
    return db.session.get(Attachment, application.attachment_id)


def attach_form(application: CaseApplication, actor: User, file_storage) -> Attachment:
    """Keep `file_storage` as the application's form; an earlier form is deleted (one scan per
    application, and a replaced scan is personal data nobody needs). Flushes, never commits."""
    case = application.case
    require_register(actor, case)
    if application.erased_at is not None:
        raise Conflict(_("The data of this application has been erased"),
                       code="invalid_transition", field="file")
    attachment = store_attachment(case, actor, APPLICATION_FORM, file_storage,
                                  kinds=(APPLICATION_FORM,))
    earlier = form_of(application)
    application.attachment_id = attachment.id
    db.session.flush()
    if earlier is not None:
        delete_attachment(earlier)
    _audit(case, actor, "application_form",
           {"application": application.id, "form": "replaced" if earlier else "uploaded"})
    db.session.flush()
    return attachment


def open_form(application: CaseApplication, actor: User) -> tuple[Attachment, Path]:
    """The form and its file, for the case's organisers and supervisors (403 to a reader:
    require_register and open_attachment both read authz's one rule); the opening is in the
    history. NotFound when the application has none."""
    require_register(actor, application.case)
    form = form_of(application)
    if form is None:
        raise NotFound(_("This application has no scanned form."))
    attachment, path = open_attachment(actor, application.case, form.id)
    _audit(application.case, actor, "application_form",
           {"application": application.id, "form": "opened"})
    return attachment, path


def erase_form(application: CaseApplication) -> bool:
    """Delete the application's form (row now, file on commit), with the person's data;
    whether there was one."""
    form = form_of(application)
    application.attachment_id = None
    if form is None:
        return False
    db.session.flush()
    delete_attachment(form)
    return True
