"""Files uploaded against the dossier checklist of a case.

The type is told by the content (the `filetype` library reads the first bytes), never by the
name: PDF, images, and Office / OpenDocument files; anything else is refused. A file is streamed
to a temporary file in the attachments folder while its bytes are counted and hashed, so a large
upload is never held in memory, then renamed into place: ATTACHMENTS_DIR/<case id>/<uuid hex>.
Attachments are append-only evidence; a replacement is a new upload.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
import zipfile
from pathlib import Path

import filetype
import sqlalchemy as sa
from flask import current_app

from casework import authz
from casework.extensions import db
from casework.models import Attachment, Case, User
from casework.schemas.limits import FILENAME_EXTENSION_LENGTH, FILENAME_LENGTH
from casework.errors import Conflict, Forbidden, Invalid, NotFound
from casework.i18n import megabytes, _
from casework.text import nfc
from casework.transaction import on_outcome
from casework.workflow.definition import DOCUMENTS, FILED_DOCUMENTS, TERMINAL_STATES

CHUNK = 64 * 1024
HEAD = 8192          # what the type is told from
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# the MIME types accepted, as `filetype` names them
ACCEPTED = {
    "application/pdf",
    "image/png", "image/jpeg", "image/webp", "image/tiff", "image/gif",
    # Office 2007+ and OpenDocument (zip containers)
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    # Office 97-2003 (OLE compound files)
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
}
ZIPPED = {m for m in ACCEPTED if "openxmlformats" in m or "opendocument" in m}
# an OLE compound file that `filetype` cannot place more exactly: accepted under the legacy
# Office type its name gives (the content has already shown it is an OLE container)
OLE_BY_EXTENSION = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
                    ".ppt": "application/vnd.ms-powerpoint"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def attachments_dir() -> Path:
    return Path(current_app.config["ATTACHMENTS_DIR"])


def clean_filename(name: str | None) -> str:
    """The name as the user's computer gave it: NFC, no folders, no control characters,
    at most FILENAME_LENGTH characters (the extension kept)."""
    name = nfc(name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _CONTROL.sub("", name).strip().lstrip(".").strip()
    if len(name) > FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= FILENAME_EXTENSION_LENGTH:
            name = stem[:FILENAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:FILENAME_LENGTH]
    return name or "file"


def _detect(path: Path, filename: str) -> str | None:
    """The MIME type of the file at `path`, told by its content; None when not accepted."""
    with path.open("rb") as f:
        head = f.read(HEAD)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime in ZIPPED:
        # the header looked right: check the container is a readable zip with the marker file
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names and "mimetype" not in names:
            return None
        return mime
    if mime in ACCEPTED:
        return mime
    if mime is None and head.startswith(OLE_MAGIC):
        return OLE_BY_EXTENSION.get(os.path.splitext(filename)[1].lower())
    return None


def _check_can_upload(case: Case, actor: User) -> None:
    authz.require(actor, "case.log_step", case)
    if case.state in TERMINAL_STATES:
        raise Conflict(_("Files cannot be uploaded to a finished case"),
                       code="invalid_transition")


def store_attachment(case: Case, actor: User, document: str, file_storage, *,
                     kinds: tuple[str, ...] = DOCUMENTS) -> Attachment:
    """Check and keep one uploaded file (a werkzeug FileStorage, or anything with `.stream`
    and `.filename`) as `document`, one of `kinds` (the dossier's checklist unless the caller
    says otherwise). Flushes, never commits; the file is removed again if its row is rolled
    back (a failed commit included), so no file is left without a row."""
    _check_can_upload(case, actor)
    if document not in kinds:
        raise Invalid(_("Choose a checklist item of the dossier"), field="document")
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise Invalid(_("Choose a file to upload"), field="file")
    filename = clean_filename(file_storage.filename)
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])

    folder = attachments_dir() / str(case.id)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    temp = Path(temp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = file_storage.stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise Invalid(_("The file is larger than the limit of %(limit)s MB",
                                    limit=megabytes(limit)), field="file")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise Invalid(_("The file is empty"), field="file")
        content_type = _detect(temp, filename)
        if content_type is None:
            raise Invalid(_("“%(name)s” is not an accepted kind of file: upload a PDF, an image "
                            "(PNG, JPEG, WebP, TIFF, GIF) or an office document (Word, Excel, "
                            "OpenDocument)", name=filename), field="file")
        stored_name = uuid.uuid4().hex
        os.replace(temp, folder / stored_name)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    on_outcome(rolled_back=(folder / stored_name).unlink)
    attachment = Attachment(case_id=case.id, document=document, original_name=filename,
                            stored_name=stored_name, content_type=content_type, size=size,
                            sha256=digest.hexdigest(), uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def store_generated(case: Case, actor: User, document: str, filename: str, content: bytes,
                    content_type: str) -> Attachment:
    """Keep a document casework generated as a draft attachment of `document` (a checklist
    item or a decision). Flushes, never commits; the file goes again on a rollback."""
    if case.state in TERMINAL_STATES and document in DOCUMENTS:
        raise Conflict(_("Files cannot be uploaded to a finished case"),
                       code="invalid_transition")
    folder = attachments_dir() / str(case.id)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = uuid.uuid4().hex
    path = folder / stored_name
    path.write_bytes(content)
    on_outcome(rolled_back=path.unlink)
    attachment = Attachment(case_id=case.id, document=document,
                            original_name=clean_filename(filename), stored_name=stored_name,
                            content_type=content_type, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=actor.id,
                            draft=True)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attachments_of(case_id: int) -> list[Attachment]:
    """The case's dossier files and decisions, newest first (not the workers' application
    forms)."""
    return list(db.session.scalars(
        sa.select(Attachment).where(Attachment.case_id == case_id,
                                    Attachment.document.in_(FILED_DOCUMENTS))
        .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))


def documents_present(case_id: int) -> set[str]:
    """The checklist items with at least one uploaded file (a generated draft, not signed yet,
    does not count)."""
    return set(db.session.scalars(
        sa.select(Attachment.document)
        .where(Attachment.case_id == case_id, Attachment.document.in_(DOCUMENTS),
               Attachment.draft.is_(False)).distinct()))


def stored_path(attachment: Attachment) -> Path:
    return attachments_dir() / str(attachment.case_id) / attachment.stored_name


def delete_attachment(attachment: Attachment) -> None:
    """Delete the row now and the file once that commits (personal data that must go: an
    application form replaced or erased; dossier files are never deleted)."""
    path = stored_path(attachment)
    db.session.delete(attachment)
    on_outcome(committed=lambda: path.unlink(missing_ok=True))


def open_attachment(actor: User, case: Case | None, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and the path of its file, for a user who may see the case; NotFound
    otherwise (a case outside the user's scope, or a file of another case, is missing);
    Forbidden for a file that names workers, to anyone but the case's organisers (authz)."""
    case = authz.require_case_visible(actor, case)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(_("No such file."))
    if not authz.may_read_document(actor, case, attachment.document):
        raise Forbidden(_("This file names workers: only the case's organisers and supervisors "
                          "may open it."))
    path = attachments_dir() / str(case.id) / attachment.stored_name
    if not re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name) or not path.is_file():
        raise NotFound(_("No such file."))
    return attachment, path
