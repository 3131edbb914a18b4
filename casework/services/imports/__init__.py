"""Importing target enterprises in bulk from CSV or XLSX (the lists provinces get from tax and
social insurance data): each valid row becomes an `identified` grassroots case of one unit.

Streaming and batched. The file is read a row at a time (`readers`), each row is validated in
Python (`rows`, against the columns of `columns`) and the valid ones are written a batch at a
time with set-based INSERTs (`writer`); **each batch is committed** (`importer`). Memory depends
on the batch size, not on the file; a failure mid-file leaves the earlier batches committed and
the report (`report`) says the row to resume from.

Imported cases equal cases made one at a time by `services.cases.create_case`: both take their
values from `services.new_case.new_case` (version 1, state `identified`, the reference
`<province>-<year>-<id>`, the search text, an enterprise row of their own, one `created` audit
entry, whose data for an import also says which import and row made the case).

Rows are refused, never half-imported, for: a missing or bad name, tax code, province,
workforce (or women / foreign workers, ownership, sector, address); and skipped as duplicates
when the tax code repeats an earlier row of the same file or the enterprise already has an active
case. Every refused or skipped row goes to a sink (a CSV of the rejected rows) with its row
number and reason.

The names the views, the command line, the jobs, the register and membership imports (which
read their files with these readers) and the tests use are importable from here.
"""
from casework.services.imports.columns import COLUMN_KEYS, COLUMNS, header_key, match_header
from casework.services.imports.importer import (BATCH_SIZE, SYSTEM_NAME, check_importer,
                                                import_enterprises, imports_directory)
from casework.services.imports.readers import (HEADER_SEARCH_ROWS, SNIFF_BYTES, CsvSource,
                                               Source, XlsxSource, open_source, source_name)
from casework.services.imports.report import (ImportReport, Rejection, RejectedRowsCsv,
                                              read_rejected)
from casework.services.imports.rows import RowCleaner, RowRefused, parse_count
from casework.services.imports.writer import ImportContext, allocate_ids, write_batch

__all__ = ["BATCH_SIZE", "COLUMNS", "COLUMN_KEYS", "CsvSource", "HEADER_SEARCH_ROWS",
           "ImportContext", "ImportReport", "Rejection", "RejectedRowsCsv", "RowCleaner",
           "RowRefused", "SNIFF_BYTES", "SYSTEM_NAME", "Source", "XlsxSource", "allocate_ids",
           "check_importer", "header_key", "import_enterprises", "imports_directory",
           "match_header", "open_source", "parse_count", "read_rejected", "source_name",
           "write_batch"]
