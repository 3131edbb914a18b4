"""The columns an import file may have: their keys, the template's headers, the headers people
write instead (Vietnamese or English, any case, with or without diacritics), and the words
accepted for an ownership, a sector and a province."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from casework.models.enterprise import SECTORS, Ownership
from casework.services.enterprises import tax_code_with_check_digit
from casework.text import search_key


def header_key(text) -> str:
    """'Mã số thuế', 'ma so thue', 'MA_SO_THUE ' all give 'ma so thue'."""
    return _key(str(text or ""))


@lru_cache(maxsize=4096)      # a province, an ownership, a sector: the same few on every row
def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", search_key(text)).split())


@dataclass(frozen=True)
class Column:
    key: str
    header: str              # the template's header: Vietnamese, then the key
    required: bool
    aliases: tuple[str, ...]  # accepted headers, compared by header_key
    example: str


COLUMNS: tuple[Column, ...] = (
    Column("name", "Tên doanh nghiệp (name)", True,
           ("name", "ten doanh nghiep", "ten dn", "ten", "ten cong ty", "ten don vi",
            "enterprise", "enterprise name", "company", "company name"),
           "Công ty TNHH May Hưng Thịnh"),
    Column("tax_code", "Mã số thuế (tax_code)", True,
           ("tax code", "ma so thue", "mst", "ma so doanh nghiep", "msdn", "ma so thue dn",
            "tax id"),
           tax_code_with_check_digit("031234567")),       # 0312345673: its check digit holds
    Column("province", "Tỉnh/thành phố (province)", True,
           ("province", "tinh", "tinh thanh pho", "tinh thanh", "tinh tp", "tinh thanh pho tw",
            "ma tinh", "province code", "tinh thanh pho truc thuoc trung uong"),
           "79"),
    Column("workforce", "Tổng số lao động (workforce)", True,
           ("workforce", "so lao dong", "tong so lao dong", "tong lao dong", "lao dong",
            "so ld", "tong so ld", "employees", "workers"),
           "1200"),
    Column("ownership", "Loại hình (ownership)", False,
           ("ownership", "loai hinh", "loai hinh doanh nghiep", "loai hinh dn", "so huu",
            "hinh thuc so huu", "thanh phan kinh te"),
           "fdi"),
    Column("sector", "Ngành nghề (sector)", False,
           ("sector", "nganh", "nganh nghe", "linh vuc", "nganh nghe kinh doanh",
            "nganh kinh te"),
           "textile_garment"),
    Column("address", "Địa chỉ (address)", False,
           ("address", "dia chi", "dia chi tru so", "tru so"),
           "Lô A1, KCN Tân Bình"),
    Column("women", "Lao động nữ (women)", False,
           ("women", "lao dong nu", "so lao dong nu", "nu", "so ld nu", "ld nu"),
           "850"),
    Column("foreign_workers", "Lao động nước ngoài (foreign_workers)", False,
           ("foreign workers", "lao dong nuoc ngoai", "so lao dong nuoc ngoai",
            "nguoi nuoc ngoai", "ld nuoc ngoai", "nuoc ngoai"),
           "4"),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)
_ALIASES = {header_key(alias): c.key for c in COLUMNS for alias in (c.key, *c.aliases)}


def match_header(text) -> str | None:
    """The column a header names: the whole header, or the part before or inside brackets
    ('Mã số thuế (tax_code)', 'MST (mã số thuế)')."""
    raw = str(text or "")
    candidates = [raw]
    if "(" in raw:
        before, _sep, rest = raw.partition("(")
        candidates += [before, rest.split(")")[0]]
    for candidate in candidates:
        key = _ALIASES.get(header_key(candidate))
        if key:
            return key
    return None


OWNERSHIP_ALIASES = {
    **{header_key(o.value): o.value for o in Ownership},
    "nha nuoc": "state", "doanh nghiep nha nuoc": "state", "dn nha nuoc": "state",
    "dnnn": "state", "state owned": "state", "von nha nuoc": "state",
    "tu nhan": "private", "ngoai nha nuoc": "private", "doanh nghiep tu nhan": "private",
    "dn tu nhan": "private", "dn ngoai nha nuoc": "private",
    "doanh nghiep ngoai nha nuoc": "private",
    "co von dau tu nuoc ngoai": "fdi", "von dau tu nuoc ngoai": "fdi", "dn fdi": "fdi",
    "doanh nghiep fdi": "fdi", "doanh nghiep co von dau tu nuoc ngoai": "fdi",
    "dn co von dau tu nuoc ngoai": "fdi", "foreign invested": "fdi",
    "thanh vien tap doan": "conglomerate_member", "tap doan": "conglomerate_member",
    "conglomerate": "conglomerate_member",
}
SECTOR_ALIASES = {
    **{header_key(s): s for s in SECTORS},
    "det may": "textile_garment", "may mac": "textile_garment", "textile": "textile_garment",
    "textile and garment": "textile_garment", "garment": "textile_garment",
    "da giay": "footwear", "giay da": "footwear", "dien tu": "electronics",
    "ngan hang": "banking", "xay dung": "construction", "van tai kho van": "logistics",
    "kho van": "logistics", "che bien thuc pham": "food_processing",
    "thuc pham": "food_processing", "food": "food_processing", "khac": "other",
}
PROVINCE_PREFIXES = ("thanh pho ", "tp ", "tinh ")
PROVINCE_ALIASES = {"hcm": "79", "tphcm": "79", "sai gon": "79", "ho chi minh city": "79",
                    "hn": "01", "ha noi city": "01"}
