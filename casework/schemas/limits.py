"""Every limit an input has, declared once: schemas, forms, services, the spreadsheet cleaner and
the routes read them here, and nothing else restates them (tests/test_limits.py checks it).

- `*_LENGTH`: the most characters a text takes. A text stored in a column is never allowed
  more than the column holds (tests/test_limits.py compares them with the models).
- a `Range`: the least and the most a number may be, both included (`most` None: no most).
  It is a tuple, so `NumberRange(*YEARS)` and `least, most = YEARS` read it.
- `*_PER_*`: how many items one input may hold or one page shows.
Settings an operator may change (the largest attachment, the largest import file, the API's
largest page) live in `casework.config`, not here.

This module imports nothing of the app: the models and every layer above may read it.
"""
from __future__ import annotations

from typing import NamedTuple


class Range(NamedTuple):
    least: int
    most: int | None


# --- ids and pages ------------------------------------------------------------------------------
IDS = Range(1, 2**31 - 1)       # what an id column holds (INTEGER on PostgreSQL); past it, no row
PAGES = Range(1, 1_000_000)     # ?page=: past any list (25 rows a page: 25 million rows), and
#                                 a number the database's OFFSET takes
REJECTED_ROWS_PER_PAGE = 50     # the rows of an import's report a page shows (a UX choice)
FILTER_LENGTH = 200             # a list filter typed in the URL is cut here: past every code,
#                                 choice and search the lists compare it with

# --- people and the organisation ----------------------------------------------------------------
EMAIL_LENGTH = 200              # users.email
NAME_LENGTH = 200               # users.name, org_units.name, visit_follow_ups.owner_name
PASSWORD_LENGTH = Range(8, 200)  # at least 8 (with the strength check, services/users.py); at
#                                 most 200 typed: only its hash is stored
UNIT_CODE_LENGTH = 40           # org_units.code ("LDLD-79", "CD-DETMAY")

# --- cases and their enterprises ----------------------------------------------------------------
CASE_REF_LENGTH = 30            # cases.ref
ENTERPRISE_NAME_LENGTH = 300    # enterprises.name: registered names are long (with the legal
#                                 form and the branch), longer than a person's or a unit's
TAX_CODE_TYPED_LENGTH = 20      # as typed, with spaces and dashes; stored compact (14, the column)
SECTOR_LENGTH = 100             # enterprises.sector (a choice, or free text in an import)
ADDRESS_LENGTH = 400            # enterprises.address
WORKFORCE = Range(0, 1_000_000)       # the workers of one enterprise; the largest in Vietnam
#                                       employ about 100,000
TARGET_MEMBERS = Range(0, 1_000_000)  # the members a case aims for (at most its workforce)
ENTERPRISES_PER_CASE = 20       # the rows of the new-case form (a UX choice)
ONE_ENTERPRISE = Range(1, 1)    # the enterprises of a case of any kind but small_units
SMALL_UNIT_ENTERPRISES = Range(2, None)  # the enterprises a small_units case groups
SMALL_UNIT_WORKERS = 25         # a small unit employs fewer (the kind small_units groups them)
SMALL_UNIT_WORKFORCE = Range(WORKFORCE.least, SMALL_UNIT_WORKERS - 1)  # so its workforce
VERSIONS = Range(1, None)       # the version of a row a change says it saw (409 when stale)

# --- what is recorded on a case -----------------------------------------------------------------
COMMENT_LENGTH = 5000           # a transition's or an approval's comment (text columns)
NOTE_LENGTH = 5000              # a step's note (a text column)
APPLICATIONS_CHANGE = Range(-100_000, 100_000)  # the applications a step adds; negative only to
#                                                 correct an earlier count
TRIGGER_TEXT_LENGTH = 200       # a text field of a trigger (a name, a place: kept in JSON data)
TRIGGER_NUMBER = Range(0, 10_000_000)  # a number field of a trigger (attendance, members)
FILENAME_LENGTH = 255           # attachments.original_name: the longest a file system names
FILENAME_EXTENSION_LENGTH = 10  # a longer name is cut before its extension, when it has one
#                                 this short (past it, the "extension" is more likely words)
# every date the app records (a trigger's dates, a step, a visit, a follow-up), a target's year
# and the period of the timings: the history starts after 2000 (targets.year is checked against
# the same years in the database); a year outside is a typing error
YEARS = Range(2000, 2100)

# --- targets ------------------------------------------------------------------------------------
TARGET_FIGURE = Range(0, 100_000_000)  # a unit's yearly figure (the VGCL has about 11 million
#                                        members)
TARGET_NOTE_LENGTH = 500        # targets.note

# --- leadership visits --------------------------------------------------------------------------
PURPOSE_LENGTH = 5000           # visits.purpose (a text column)
OUTCOME_LENGTH = 10_000         # visits.outcome (a text column): the report of the visit
ACTION_LENGTH = 1000            # visit_follow_ups.action (a text column)
HOST_NOTE_LENGTH = 300          # visits.host_note
FOLLOW_UPS_PER_VISIT = 100
CASES_PER_VISIT = 200

# --- imports ------------------------------------------------------------------------------------
START_ROWS = Range(1, None)     # the row an import starts at (to resume one): the file's end
#                                 is its last
IMPORT_BATCH_SIZES = Range(1, 50_000)  # rows written per transaction (`flask import
#                                        enterprises --batch-size`)

# the application register (issue 13)
APPLICANT_NAME_LENGTH = 200      # a worker's full name
APPLICATION_JOB_LENGTH = 200     # job or department
APPLICATION_REASON_LENGTH = 1000  # why an application was rejected
PHONE_TEXT_LENGTH = 30           # a phone number as typed (stored in E.164, at most 16)
BIRTH_YEARS = Range(1930, 2100)  # a date or year of birth
APPLICATION_YEARS = YEARS        # the date applied
APPLICATION_LINK_TOKEN_BYTES = 32  # the random part of an application link (256 bits)
APPLICATION_LINK_TOKEN_LENGTH = Range(20, 64)  # a token as a URL brings it (ours are 43
#                                               characters; 64, application_links.token)
APPLICATIONS_PER_IMPORT = 20_000  # rows of one register import
APPLICATION_CONTACT_LENGTH = 200  # how a worker reaches the union, on the public page

# membership reports (issue 14): a unit's members, the figures of one month, a reason typed
MEMBERS = Range(0, 10_000_000)  # a figure of a month's report (the VGCL: about 11 million)
UNIT_NAME_LENGTH = NAME_LENGTH  # a union's name (org_units.name)
REASON_LENGTH = 500             # grassroots_unions.dissolution_reason
MONTH_TEXT_LENGTH = len("YYYY-MM")  # a month as typed in the report form
MONTHS_PER_IMPORT = 20_000

# decision numbers and generated documents (issue 15)
DECISION_SUFFIX_LENGTH = 40     # the `QĐ-LĐLĐ` after a decision's number
TEMPLATE_BYTES = 2 * 1024 * 1024  # an uploaded document template (a DOCX of a few pages)
PDF_SECONDS = 60                # the longest a LibreOffice conversion of a generated document
#                                 may take

# working lists, bulk actions, escalation, duplicates (issue 16)
NO_STEP_DAYS = Range(1, 3650)   # the case list's "no step for N days" filter
LIST_NAME_LENGTH = 100          # a working list's name (saved_lists.name)
LIST_COUNT_SHOWN = 999          # the menu counts a list up to this, then says 999+ (every page
#                                 draws it: counting stops there)
SAVED_LISTS_PER_USER = 50       # the lists one user may own (a UX choice)
BULK_INLINE_CASES = 100         # a bulk action on more cases runs as a background job (the issue)
CASES_PER_BULK = Range(1, 10_000)  # the cases one bulk action takes
BULK_ACTION_LENGTH = 40         # a bulk action's name: a trigger's name, reassign or decide
ENTERPRISES_PER_CHECK = Range(1, 50)  # the enterprises one duplicate check takes (a case has few)
