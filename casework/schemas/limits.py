"""Every limit an input has, declared once: schemas, forms and the spreadsheet cleaner read them here."""
from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id an id column holds (INTEGER on PostgreSQL)

# decision numbers and generated documents (helper J)
DECISION_SUFFIX_LENGTH = 40     # the `QĐ-LĐLĐ` after a decision's number
TEMPLATE_BYTES = 2 * 1024 * 1024   # an uploaded document template (a DOCX of a few pages)
PDF_SECONDS = 60   # the longest a LibreOffice conversion of a generated document may take
