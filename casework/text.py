"""Vietnamese text normalisation: NFC for storage, a diacritic-free key for search."""
import re
import unicodedata


def nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())


def search_key(value: str | None) -> str:
    """'Thanh Hóa', 'Thanh Hoá' and 'thanh hoa' all give 'thanh hoa'."""
    decomposed = unicodedata.normalize("NFD", value or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,15}")


def whole_number(value) -> int | None:
    """An int, or a string of ASCII digits (optionally signed), as an int; None otherwise.

    `str.isdigit()` is not enough: it accepts '²' and '①', which int() then rejects."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    return None
