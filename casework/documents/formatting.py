"""Dates and numbers as a Vietnamese administrative document writes them (Nghị định 30/2020):
`ngày 05 tháng 12 năm 2026` (a day below 10 and the months 1 and 2 with a leading zero, so
nothing can be written in front of them), thousands separated by `.`."""
from __future__ import annotations

from datetime import date


def date_text(day: date) -> str:
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def number_text(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def upper(text: str) -> str:
    return (text or "").upper()
