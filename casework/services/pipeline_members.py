"""The pipeline's two membership columns (issue 14): the members admitted in the year and the
net growth, by province. One computation that the page, the API and the exports all read, so
that they cannot differ; outside the view by province there are none (null in the API)."""
from __future__ import annotations

from dataclasses import dataclass

from casework.services.membership_figures import Members, members_by_province
from casework.services.pipeline import Pipeline


@dataclass
class MemberColumns:
    by_province: dict[str, Members]     # province code -> the year's figures in scope

    def of(self, key: str) -> Members:
        return self.by_province.get(key) or Members()

    @property
    def total(self) -> Members:
        """Every province in the user's scope, as the page's totals row sums them."""
        total = Members()
        for members in self.by_province.values():
            total.add(members)
        return total


def member_columns(user, result: Pipeline) -> MemberColumns | None:
    if result.filters.by != "province":
        return None
    return MemberColumns(members_by_province(user, result.filters.year))


def member_values(columns: MemberColumns | None, key: str | None) -> list[int | None]:
    """[admitted, net] of a row (key None: the totals); [None, None] without the columns."""
    if columns is None:
        return [None, None]
    members = columns.total if key is None else columns.of(key)
    return [members.admitted, members.net]


def add_member_columns(result: Pipeline, columns: MemberColumns | None) -> Pipeline:
    """Write the two columns into the rows and the totals (what the API's schema dumps)."""
    for row in result.rows + [result.totals]:
        row.admitted_members, row.net_members = member_values(
            columns, None if row is result.totals else row.key)
    return result
