"""Every limit an input has, declared once: schemas, forms and the spreadsheet cleaner read them here."""
from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id an id column holds (INTEGER on PostgreSQL)

# --- helper I: working lists, bulk actions, escalation, duplicates ---------------------------
NO_STEP_DAYS = (1, 3650)        # the case list's "no step for N days" filter
LIST_NAME_LENGTH = 100          # a working list's name (saved_lists.name)
FILTER_VALUE_LENGTH = 200       # one filter value of the case list (CaseFilters.from_args)
SAVED_LISTS_PER_USER = 50       # the lists one user may own
BULK_INLINE_CASES = 100         # a bulk action on more cases runs as a background job
BULK_MAX_CASES = 10_000         # the most cases one bulk action takes
DUPLICATE_CHECK_ENTERPRISES = 50  # the enterprises one duplicate check takes (a case has few)
