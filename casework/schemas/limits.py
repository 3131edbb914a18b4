"""Every limit an input has, declared once: schemas, forms and the spreadsheet cleaner read them here."""
from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id an id column holds (INTEGER on PostgreSQL)
# membership reports (issue 14): a unit's members, the figures of one month, a reason typed
MAX_MEMBERS = 10_000_000
UNIT_NAME_LENGTH = 200
REASON_LENGTH = 500
MONTHS_PER_IMPORT = 20_000
