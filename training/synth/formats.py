"""How Decree 30 / HD 36 write numbers and dates (zero-padding rules live here and nowhere else)."""

from __future__ import annotations

from datetime import date


def pad_number(n: int) -> str:
    """The running number: below 10 it gets a leading 0 ("05"), otherwise as is."""
    return f"{n:02d}"


def day_text(d: date) -> str:
    return f"{d.day:02d}"


def month_text(d: date) -> str:
    """Only January and February are zero-padded ("tháng 01", "tháng 3")."""
    return f"{d.month:02d}" if d.month < 3 else str(d.month)


def date_parts(place: str, d: date) -> tuple[str, str]:
    """The date line split at the day, so a blank can be left for a handwritten day."""
    return f"{place}, ngày", f"tháng {month_text(d)} năm {d.year}"


def date_line(place: str, d: date) -> str:
    head, tail = date_parts(place, d)
    return f"{head} {day_text(d)} {tail}"


def state_number(n: int, notation: str) -> str:
    """Government and most mass organisations: "15/QĐ-UBND"."""
    return f"{pad_number(n)}/{notation}"


def party_number(n: int, notation: str) -> str:
    """Party and Youth Union: "127-KL/TU", the type code joined by a hyphen."""
    return f"{pad_number(n)}-{notation}"
