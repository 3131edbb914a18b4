"""Vietnamese text normalisation: NFC for storage, a diacritic-free key for search."""
import unicodedata


def nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())


def search_key(value: str | None) -> str:
    """'Thanh Hóa', 'Thanh Hoá' and 'thanh hoa' all give 'thanh hoa'."""
    decomposed = unicodedata.normalize("NFD", value or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())
