"""What a leader chooses on the pipeline dashboard (or in the API's query string): the rows
(by province, unit, sector or ownership), the kind or flow, the year, the sector, the ownership
and the unit; and the period of the timings. The case list's filters for the cases they count
come from here too (`PipelineFilters.case_filters`). The query string is read through
casework.schemas.pipeline (PipelineQuery, PeriodQuery)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from casework import clock
from casework.errors import Invalid
from casework.i18n import _
from casework.schemas.base import load
from casework.schemas.pipeline import PeriodQuery, PipelineQuery
from casework.services.queries import CaseFilters
from casework.workflow.definition import FLOWS, Flow, flow_for


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
        """From a query string, through casework.schemas.pipeline.PipelineQuery."""
        values = load(PipelineQuery, args)
        kind, flow_name = values.get("kind"), values.get("flow")
        if kind:
            flow_name = flow_for(kind).name
        elif flow_name is None:
            flow_name = "grassroots"
        return cls(by=values["by"], kind=kind, flow=flow_name,
                   year=values.get("year") or clock.today().year, sector=values.get("sector"),
                   ownership=values.get("ownership"), unit=values.get("unit"))

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


def parse_period(raw_from, raw_to, raw_year=None) -> tuple[date, date]:
    """The period of a query string's from/to/year (casework.schemas.pipeline.PeriodQuery)."""
    values = load(PeriodQuery, {"from": raw_from, "to": raw_to, "year": raw_year})
    return period(values.get("start"), values.get("end"), values.get("year"))


def period(start: date | None, end: date | None, year: int | None = None) -> tuple[date, date]:
    """By default the 365 days up to today. A year makes the period that year: from/to inside
    it narrow it, and from/to outside it (left in the form from another year) give the whole
    year."""
    given_start, given_end = start is not None, end is not None
    end = end or clock.today()
    start = start or end - timedelta(days=364)
    if end < start:
        raise Invalid(_("The period must end after it starts"), field="to")
    if year is None:
        return start, end
    first, last = date(year, 1, 1), date(year, 12, 31)
    start = max(start, first) if given_start else first
    end = min(end, last) if given_end else last
    return (start, end) if start <= end else (first, last)
