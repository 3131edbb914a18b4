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

# --- helper I: working lists, bulk actions, escalation, duplicates ---------------------------
NO_STEP_DAYS = (1, 3650)        # the case list's "no step for N days" filter
LIST_NAME_LENGTH = 100          # a working list's name (saved_lists.name)
FILTER_VALUE_LENGTH = 200       # one filter value of the case list (CaseFilters.from_args)
SAVED_LISTS_PER_USER = 50       # the lists one user may own
BULK_INLINE_CASES = 100         # a bulk action on more cases runs as a background job
BULK_MAX_CASES = 10_000         # the most cases one bulk action takes
DUPLICATE_CHECK_ENTERPRISES = 50  # the enterprises one duplicate check takes (a case has few)
