"""Every limit an input has, declared once: schemas, forms and the spreadsheet cleaner read them here."""
from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id an id column holds (INTEGER on PostgreSQL)

# --- appended by helper A (the schemas of the API); helper B may rename and regroup ----------
TRIGGER_TEXT_LENGTH = 200        # a text (or each name) a trigger takes: a decision number ...
TRIGGER_NUMBER = 10_000_000      # a number a trigger takes: the congress's attendance ...
DATE_YEARS = (1990, 2100)        # the years of a date typed into a trigger, a step or a visit
COMMENT_LENGTH = 5000            # a transition's, a decision's or a withdrawal's comment
ENTERPRISE_NAME_LENGTH = 300
SECTOR_LENGTH = 100
ADDRESS_LENGTH = 400              # an enterprise's address (imports)
WORKFORCE = 1_000_000            # the most workers an enterprise is said to employ
TARGET_MEMBERS = 1_000_000       # the most members a case may aim at
STEP_NOTE_LENGTH = 5000
APPLICATIONS = 100_000           # applications one step adds (or, negative, withdraws)
VISIT_PURPOSE_LENGTH = 5000
VISIT_OUTCOME_LENGTH = 10_000
FOLLOW_UP_ACTION_LENGTH = 1000
HOST_NOTE_LENGTH = 300
FOLLOW_UP_OWNER_LENGTH = 200
FOLLOW_UPS = 100                 # follow-ups of one visit
VISIT_CASES = 200                # cases linked to one visit
SMALL_UNIT_WORKERS = 25          # a small unit employs fewer (the kind small_units groups them)
PAGE = 1_000_000                 # a page number past any list (25 rows a page: 25 million rows)
PER_PAGE = 200                   # the most rows a page of the API holds (API_MAX_PER_PAGE)
FILTER_LENGTH = 200              # a filter of a list is cut to this many characters
YEARS = (2000, 2100)             # the years the dashboards count (the history starts after 2000)

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

# membership reports (issue 14): a unit's members, the figures of one month, a reason typed
MAX_MEMBERS = 10_000_000
UNIT_NAME_LENGTH = 200
REASON_LENGTH = 500
MONTHS_PER_IMPORT = 20_000

# decision numbers and generated documents (helper J)
DECISION_SUFFIX_LENGTH = 40     # the `QĐ-LĐLĐ` after a decision's number
TEMPLATE_BYTES = 2 * 1024 * 1024   # an uploaded document template (a DOCX of a few pages)
PDF_SECONDS = 60   # the longest a LibreOffice conversion of a generated document may take

# --- helper I: working lists, bulk actions, escalation, duplicates ---------------------------
NO_STEP_DAYS = (1, 3650)        # the case list's "no step for N days" filter
LIST_NAME_LENGTH = 100          # a working list's name (saved_lists.name)
FILTER_VALUE_LENGTH = 200       # one filter value of the case list (CaseFilters.from_args)
SAVED_LISTS_PER_USER = 50       # the lists one user may own
BULK_INLINE_CASES = 100         # a bulk action on more cases runs as a background job
BULK_MAX_CASES = 10_000         # the most cases one bulk action takes
DUPLICATE_CHECK_ENTERPRISES = 50  # the enterprises one duplicate check takes (a case has few)
