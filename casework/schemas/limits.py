"""Every limit an input has, declared once: schemas, forms and the spreadsheet cleaner read them here."""
from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id an id column holds (INTEGER on PostgreSQL)

# the application register (issue 13)
APPLICANT_NAME_LENGTH = 200      # a worker's full name
APPLICATION_JOB_LENGTH = 200     # job or department
APPLICATION_REASON_LENGTH = 1000  # why an application was rejected
PHONE_TEXT_LENGTH = 30           # a phone number as typed (stored in E.164, at most 16)
BIRTH_YEARS = (1930, 2100)       # a date or year of birth
APPLICATION_YEARS = (2000, 2100)  # the date applied
APPLICATION_LINK_TOKEN_BYTES = 32  # the random part of an application link (256 bits)
APPLICATIONS_PER_IMPORT = 20_000  # rows of one register import
APPLICATION_CONTACT_LENGTH = 200  # how a worker reaches the union, on the public page

# decision numbers and generated documents (helper J)
DECISION_SUFFIX_LENGTH = 40     # the `QĐ-LĐLĐ` after a decision's number
TEMPLATE_BYTES = 2 * 1024 * 1024   # an uploaded document template (a DOCX of a few pages)
PDF_SECONDS = 60   # the longest a LibreOffice conversion of a generated document may take
