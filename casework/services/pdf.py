"""PDF copies of generated documents, by LibreOffice (`soffice --headless --convert-to pdf`)
when the server has it, in a background job with a time limit (a stuck conversion must not
hold a worker). The PDF is filed as another draft of the same item."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from casework import authz
from casework.errors import Conflict, Forbidden, Invalid, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import Attachment, Case, User
from casework.schemas.limits import PDF_SECONDS
from casework.services.attachments import attachments_dir, store_generated
from casework.services.documents import why_not_generate
from casework.documents.render import DOCX_TYPE
from casework.documents.types import DOCUMENT_TYPES

PDF_TYPE = "application/pdf"


class PdfFailed(RuntimeError):
    pass


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_unavailable() -> str | None:
    """Why no PDF can be made here, or None."""
    if soffice() is None:
        return _("PDF needs LibreOffice on the server, and it is not installed: download the "
                 "DOCX and print it, or save it as PDF from Word.")
    return None


def convert(content: bytes, program: str, seconds: int = PDF_SECONDS) -> bytes:
    """The PDF of a DOCX, by LibreOffice in a folder of its own (its profile too: two
    conversions at once must not share one), killed after `seconds`."""
    with tempfile.TemporaryDirectory(prefix="casework-pdf-") as folder:
        source = Path(folder) / "document.docx"
        source.write_bytes(content)
        env = {**os.environ, "HOME": folder}
        try:
            subprocess.run([program, "--headless", f"-env:UserInstallation=file://{folder}/p",
                            "--convert-to", "pdf", "--outdir", folder, str(source)],
                           env=env, cwd=folder, capture_output=True, timeout=seconds, check=True)
        except subprocess.TimeoutExpired:
            raise PdfFailed(f"LibreOffice took longer than {seconds} s")
        except (subprocess.CalledProcessError, OSError) as exc:
            raise PdfFailed(f"LibreOffice failed: {exc}")
        made = Path(folder) / "document.pdf"
        if not made.is_file():
            raise PdfFailed("LibreOffice wrote no PDF")
        return made.read_bytes()


def check_pdf_request(actor: User, case: Case, attachment_id: int) -> Attachment:
    """The DOCX draft to convert, for someone who may generate its document: NotFound for a
    file of another case, Forbidden for who may not, Invalid for a file casework did not
    write, Conflict saying why when this server cannot make PDFs."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(_("No such file."))
    doctype = next((t for t in DOCUMENT_TYPES if t.document == attachment.document), None)
    reason = why_not_generate(actor, case, doctype) if doctype is not None else \
        authz.why_not(actor, "case.log_step", case)   # an item casework writes nothing for
    if reason:
        raise Forbidden(reason)
    if doctype is None or not attachment.draft or attachment.content_type != DOCX_TYPE:
        raise Invalid(_("Only a Word draft casework generated can be made into a PDF."))
    unavailable = pdf_unavailable()
    if unavailable:
        raise Conflict(unavailable, code="pdf_unavailable")
    return attachment


def make_pdf(attachment_id: int, user_id: int) -> Attachment | None:
    """The job's work: convert the draft and file the PDF beside it (None if it is gone)."""
    attachment = db.session.get(Attachment, attachment_id)
    user = db.session.get(User, user_id)
    program = soffice()
    if attachment is None or user is None:
        return None
    if program is None:
        raise PdfFailed("LibreOffice is not installed")
    case = db.session.get(Case, attachment.case_id)
    source = (attachments_dir() / str(case.id) / attachment.stored_name).read_bytes()
    pdf = convert(source, program)
    name = attachment.original_name.rsplit(".", 1)[0] + ".pdf"
    return store_generated(case, user, attachment.document, name, pdf, PDF_TYPE)
