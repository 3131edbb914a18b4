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


# NUL (no PostgreSQL text holds it) or a lone surrogate (no UTF-8 encodes it)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# ... and the other C0 and C1 control characters (tab, newline, ESC, NEL ...)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """Text that no column can store: a JSON body holding it is refused whole."""
    return _UNSTORABLE.search(text) is not None


def has_control_character(text: str) -> bool:
    """Unstorable, or a control character: never part of a query parameter (a search, a code,
    an email, a number), so every query string holding one is refused (casework.routing)."""
    return _CONTROL.search(text) is not None


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


def number_in(value, low: int, high: int) -> int | None:
    """`whole_number(value)` when it lies from `low` to `high`, else None."""
    number = whole_number(value)
    return number if number is not None and low <= number <= high else None
