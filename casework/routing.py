"""URL converters shared by every blueprint."""
from werkzeug.routing import IntegerConverter

from casework.services import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:case_id>` in this app: a row id. A number past what an id column holds (MAX_ID) is
    no row: it becomes 0, which no row has, so the route answers 404 rather than the database
    driver failing on it (and rather than the 405 werkzeug gives when a converter refuses)."""

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # also spares int() a 5,000-digit string
            return 0
        number = super().to_python(value)
        return number if number <= MAX_ID else 0
