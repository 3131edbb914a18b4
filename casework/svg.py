"""Text in the SVG the server draws (charts, the province map, the workflow diagrams).

SVG text neither wraps nor shrinks to fit, and the server does not know the browser's font, so
a label is fitted to its room from an estimate of its width: advance widths, in em, close to
DejaVu Sans (the widest of the usual sans-serif faces, Debian's default), so that an estimate
errs on the long side. A label cut here keeps its full text in the element's <title>.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

ELLIPSIS = "…"
_NARROW = set("iljI.,:;'!|()[]/ ")           # about 0.3 em
_SEMI = set("frt-\"")                         # about 0.4 em
_WIDE = set("mwMW%@")                         # about 0.9 em


@lru_cache(maxsize=4096)
def _advance(char: str) -> float:
    base = unicodedata.normalize("NFD", char)[0]   # "ệ" is as wide as "e"
    if base in _NARROW:
        return 0.32
    if base in _SEMI:
        return 0.42
    if base in _WIDE:
        return 0.92
    if char.isupper():
        return 0.72
    if base.isdigit():
        return 0.64
    return 0.61


def text_width(text: str, size: float) -> float:
    """The estimated width of `text` at font size `size` (in the same unit)."""
    return sum(_advance(c) for c in text) * size


def ellipsize(text: str, width: float, size: float) -> str:
    """`text`, cut with an ellipsis if it is wider than `width`."""
    if text_width(text, size) <= width:
        return text
    room = width - text_width(ELLIPSIS, size)
    used, kept = 0.0, []
    for char in text:
        used += _advance(char) * size
        if used > room:
            break
        kept.append(char)
    return "".join(kept).rstrip(" ,") + ELLIPSIS


def wrap(text: str, width: float, size: float, max_lines: int = 2) -> list[str]:
    """`text` in lines no wider than `width`, broken between words; what does not fit in
    `max_lines` ends the last line with an ellipsis (a word longer than a line is cut too)."""
    lines: list[str] = []
    line = ""
    words = text.split()
    for i, word in enumerate(words):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= width or not line:
            line = candidate
            continue
        lines.append(line)
        line = word
        if len(lines) == max_lines - 1:
            line = " ".join(words[i:])
            break
    lines.append(line)
    return [ellipsize(one, width, size) for one in lines[:max_lines]]
