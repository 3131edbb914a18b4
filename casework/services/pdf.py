"""PDF copies of generated documents, by LibreOffice (`soffice --headless --convert-to pdf`)
when the server has it."""
from __future__ import annotations

import shutil

from casework.i18n import _


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_unavailable() -> str | None:
    """Why no PDF can be made here, or None."""
    if soffice() is None:
        return _("PDF needs LibreOffice on the server, and it is not installed: download the "
                 "DOCX and print it, or save it as PDF from Word.")
    return None
