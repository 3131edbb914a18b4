"""The province map of the pipeline page: a tile grid, one square per province.

No openly licensed boundary data of the 34 provinces of 2025 could be had through the package
registries this project installs from (README, "Province map"), so the map is a tile grid: one
equal square per province, placed roughly by geography, north to south. Equal squares also
give Hà Nội and Huế the same weight as Gia Lai, which a leader comparing progress wants. The
positions are keyed by the official province code (Resolution 202/2025/QH15); a province
without a position (a later change of the map) is drawn in a row of its own below, so nothing
is ever left out.
"""
from __future__ import annotations

from dataclasses import dataclass

from casework.svg import wrap
from casework.workflow.definition import N_

# code -> (column, row), 5 columns, north at the top
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "12": (0, 0), "15": (1, 0), "08": (2, 0), "04": (3, 0),              # Lai Châu … Cao Bằng
    "11": (0, 1), "14": (1, 1), "25": (2, 1), "19": (3, 1), "20": (4, 1),
    "01": (2, 2), "24": (3, 2), "22": (4, 2),                            # Hà Nội, Bắc Ninh …
    "37": (2, 3), "33": (3, 3), "31": (4, 3),                            # Ninh Bình … Hải Phòng
    "38": (2, 4),                                                        # Thanh Hóa
    "40": (2, 5), "42": (3, 5),                                          # Nghệ An, Hà Tĩnh
    "44": (3, 6), "46": (4, 6),                                          # Quảng Trị, Huế
    "48": (4, 7),                                                        # Đà Nẵng
    "52": (3, 8), "51": (4, 8),                                          # Gia Lai, Quảng Ngãi
    "66": (4, 9),                                                        # Đắk Lắk
    "68": (3, 10), "56": (4, 10),                                        # Lâm Đồng, Khánh Hòa
    "80": (1, 11), "79": (2, 11), "75": (3, 11),                         # Tây Ninh … Đồng Nai
    "91": (0, 12), "82": (1, 12), "86": (2, 12),                         # An Giang … Vĩnh Long
    "96": (0, 13), "92": (1, 13),                                        # Cà Mau, Cần Thơ
}
COLUMNS = 5
TILE = 64          # the square's side, and the grid's step (a gap included)
GAP = 4
LABEL_SIZE = 10
SHARE_SIZE = 12

# progress bands: name, legend label, fill, text colour (each text at least 4.5:1 on its fill)
BANDS = (
    ("reached", N_("Target reached"), "#0f5132", "#ffffff"),
    ("on_track", N_("On track for the share of the year elapsed"), "#198754", "#ffffff"),
    ("behind", N_("Behind (at least half the pace)"), "#ffda6a", "#212529"),
    ("far_behind", N_("Far behind (under half the pace)"), "#f1aeb5", "#212529"),
    ("no_target", N_("No target set"), "#e9ecef", "#212529"),
)
_BAND = {name: (fill, ink) for name, _label, fill, ink in BANDS}


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    x: int
    y: int
    band: str
    share: float | None           # members founded / target of new members
    founded: int
    target: int | None
    lines: tuple[str, ...]        # the name, fitted to the square

    @property
    def fill(self) -> str:
        return _BAND[self.band][0]

    @property
    def ink(self) -> str:
        return _BAND[self.band][1]


@dataclass(frozen=True)
class ProvinceMap:
    tiles: tuple[Tile, ...]
    width: int
    height: int
    elapsed: float


def band(share: float | None, elapsed: float) -> str:
    """Where a province stands: against the target, and against the pace the share of the
    year elapsed asks for."""
    if share is None:
        return "no_target"
    if share >= 1:
        return "reached"
    if share >= elapsed:
        return "on_track"
    return "behind" if share >= elapsed / 2 else "far_behind"


def province_map(progress) -> ProvinceMap | None:
    """The tiles of the provinces in a target table (services.targets.target_progress with
    units="provinces"); None when it holds fewer than two provinces (a province's own
    leaders read their one row in the table)."""
    rows = [p for p in progress.rows if p.province_code]
    if len(rows) < 2:
        return None
    spare = iter(range(len(rows)))
    last_row = max(r for _c, r in TILE_POSITIONS.values())
    tiles = []
    for p in sorted(rows, key=lambda p: p.province_code):
        col, row = TILE_POSITIONS.get(p.province_code) or divmod(next(spare), COLUMNS)[::-1]
        if p.province_code not in TILE_POSITIONS:   # below the grid, in code order
            row += last_row + 1
        share = p.members_share
        tiles.append(Tile(
            code=p.province_code, name=p.province_name, x=col * TILE, y=row * TILE,
            band=band(share, progress.elapsed), share=share, founded=p.founded_members,
            target=p.target_members,
            lines=tuple(wrap(p.province_name, TILE - GAP - 6, LABEL_SIZE, max_lines=2))))
    width = COLUMNS * TILE
    height = (max(t.y for t in tiles) // TILE + 1) * TILE
    return ProvinceMap(tiles=tuple(tiles), width=width, height=height, elapsed=progress.elapsed)
