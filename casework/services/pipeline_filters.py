"""What a leader chooses on the pipeline dashboard (or in the API's query string): the rows
(by province, unit, sector or ownership), the kind or flow, the year, the sector, the ownership
and the unit; and the period of the timings. The case list's filters for the cases they count
come from here too (`PipelineFilters.case_filters`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from casework import clock
from casework.errors import Invalid
from casework.i18n import _
from casework.models.enterprise import Ownership
from casework.services.pipeline import DIMENSIONS
from casework.services.queries import CaseFilters
from casework.text import whole_number
from casework.workflow.definition import FLOWS, KINDS, Flow, flow_for


def _flow_named(name: str | None) -> Flow | None:
    return next((f for f in FLOWS if f.name == name), None)


@dataclass
class PipelineFilters:
    """What a leader chose on the dashboard (or in the API's query string)."""
    by: str = "province"
    kind: str | None = None
    flow: str = "grassroots"     # the columns; given by `kind` when a kind is chosen
    year: int = field(default_factory=lambda: clock.today().year)
    sector: str | None = None
    ownership: str | None = None
    unit: str | None = None      # unit code: that unit's subtree (rows by unit: its children)

    @classmethod
    def from_args(cls, args) -> "PipelineFilters":
        def text(name):
            value = args.get(name)
            return value.strip()[:100] if isinstance(value, str) and value.strip() else None

        by = text("by") or "province"
        if by not in DIMENSIONS:
            raise Invalid(_("by must be one of %(choices)s", choices=", ".join(DIMENSIONS)),
                          field="by")
        kind = text("kind")
        if kind is not None and kind not in KINDS:
            raise Invalid(_("kind must be one of %(choices)s", choices=", ".join(KINDS)),
                          field="kind")
        flow_name = text("flow")
        if flow_name is not None and _flow_named(flow_name) is None:  # even beside a kind
            raise Invalid(_("flow must be one of %(choices)s",
                            choices=", ".join(f.name for f in FLOWS)), field="flow")
        if kind:
            flow_name = flow_for(kind).name
        elif flow_name is None:
            flow_name = "grassroots"
        year = parse_year(text("year"))
        ownership = text("ownership")
        if ownership is not None and ownership not in [o.value for o in Ownership]:
            raise Invalid(_("ownership must be one of %(choices)s",
                            choices=", ".join(o.value for o in Ownership)), field="ownership")
        return cls(by=by, kind=kind, flow=flow_name, year=year, sector=text("sector"),
                   ownership=ownership, unit=text("unit"))

    @property
    def flow_def(self) -> Flow:
        return _flow_named(self.flow)

    def case_filters(self, **extra) -> CaseFilters:
        """The case-list filters for the cases these pipeline filters count."""
        values = {"kind": self.kind, "flow": None if self.kind else self.flow,
                  "sector": self.sector, "ownership": self.ownership, "unit": self.unit}
        values.update(extra)
        return CaseFilters(**{k: v for k, v in values.items() if v})

    def as_args(self) -> dict:
        """Query-string arguments that reproduce these filters (for links and exports)."""
        args = {"by": self.by, "kind": self.kind, "flow": None if self.kind else self.flow,
                "year": self.year, "sector": self.sector, "ownership": self.ownership,
                "unit": self.unit}
        return {k: v for k, v in args.items() if v}


def parse_year(raw) -> int:
    if raw in (None, ""):
        return clock.today().year
    year = whole_number(raw)
    if year is None or not 2000 <= year <= 2100:
        raise Invalid(_("year must be a year from %(first)d to %(last)d", first=2000, last=2100),
                      field="year")
    return year


def parse_period(raw_from, raw_to, raw_year=None) -> tuple[date, date]:
    """from/to as YYYY-MM-DD; by default the 365 days up to today. A year makes the period that
    year: from/to inside it narrow it, and from/to outside it (left in the form from another
    year) give the whole year."""
    def parse(raw, name):
        try:
            parsed = date.fromisoformat(str(raw).strip())
        except ValueError:
            raise Invalid(_("%(label)s: not a date in the form YYYY-MM-DD", label=name),
                          field=name)
        if not 2000 <= parsed.year <= 2100:  # the history starts after 2000; no overflow
            raise Invalid(_("%(label)s: date out of range", label=name), field=name)
        return parsed
    end = parse(raw_to, "to") if raw_to else clock.today()
    start = parse(raw_from, "from") if raw_from else end - timedelta(days=364)
    if end < start:
        raise Invalid(_("The period must end after it starts"), field="to")
    if raw_year in (None, ""):
        return start, end
    year = parse_year(raw_year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    start = max(start, first) if raw_from else first
    end = min(end, last) if raw_to else last
    return (start, end) if start <= end else (first, last)
