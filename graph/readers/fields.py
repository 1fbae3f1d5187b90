"""Checked access to fields of decoded JSON, with the field's path in every error.

Readers of JSON-shaped sources use :class:`Fields` so that a wrong type, an impossible date or a
malformed code is reported as ``field.path: what was found — what was expected``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from graph.errors import InputError
from graph.records import Age, DatePoint
from graph.terms import clean_text

#: Longest text accepted in one field (the registry's own limits are far lower).
MAX_TEXT = 1_000_000

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
_AGE_UNITS = {
    # unit: (ISO 8601 designator, factor to the designator's unit, factor to years)
    "year": ("Y", 1, 1.0),
    "month": ("M", 1, 1 / 12),
    "week": ("D", 7, 7 / 365.25),
    "day": ("D", 1, 1 / 365.25),
    "hour": ("H", 1, 1 / 8766),
    "minute": ("M", 1, 1 / 525960),
}


def kind_of(value: Any) -> str:
    """What a decoded JSON value is, for messages: ``a string``, ``a list`` ..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return type(value).__name__


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_date(text: str, field: str) -> str:
    """An ISO date of year, month or day precision, checked for existence.

    >>> parse_date("2023-07", "startDate")
    '2023-07'
    >>> parse_date("2023-02-30", "startDate")
    Traceback (most recent call last):
    ...
    graph.errors.InputError: startDate: '2023-02-30' is not a date — expected YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date)
    """
    match = _DATE.match(text.strip())
    ok = bool(match)
    if match:
        year, month, day = match.groups()
        try:
            _dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            ok = False
    if not ok:
        raise InputError(
            f"{_show(text)} is not a date",
            field=field,
            expected="YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date)",
        )
    return text.strip()


def parse_age(text: str, field: str) -> Age | None:
    """An age limit such as ``18 Years``; ``N/A`` means no limit.

    >>> parse_age("28 Days", "minimumAge").duration
    'P28D'
    >>> parse_age("6 Months", "minimumAge").years
    0.5
    """
    if text.strip().upper() in {"N/A", "NA", "NONE", ""}:
        return None
    match = _AGE.match(text)
    if not match:
        raise InputError(
            f"{_show(text)} is not an age",
            field=field,
            expected="a number and a unit, such as '18 Years' or '28 Days'",
        )
    number, unit = match.groups()
    designator, factor, to_years = _AGE_UNITS[unit.lower()]
    value = float(number)
    amount = value * factor
    amount_text = str(int(amount)) if amount == int(amount) else f"{amount:g}"
    prefix = "PT" if unit.lower() in {"hour", "minute"} else "P"
    return Age(text=text.strip(), duration=f"{prefix}{amount_text}{designator}", years=round(value * to_years, 6))


class Fields:
    """Typed getters over one decoded object; ``path`` prefixes every field name in errors."""

    __slots__ = ("data", "path")

    def __init__(self, data: Any, path: str = "") -> None:
        if data is not None and not isinstance(data, dict):
            raise InputError(f"found {kind_of(data)}", field=path or None, expected="an object")
        self.data: dict[str, Any] = data or {}
        self.path = path

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def __contains__(self, key: str) -> bool:
        return self.data.get(key) is not None

    def obj(self, key: str) -> "Fields":
        """A nested object (empty when absent)."""
        return Fields(self.data.get(key), self._name(key))

    def objs(self, key: str) -> list["Fields"]:
        """A list of objects (empty when absent)."""
        return [Fields(item, f"{self._name(key)}[{i}]") for i, item in enumerate(self._list(key))]

    def _list(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InputError(f"found {kind_of(value)} {_show(value)}", field=self._name(key), expected="a list")
        return value

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InputError(f"found {kind_of(value)} {_show(value)}", field=self._name(key), expected="a string")
        if len(value) > MAX_TEXT:
            raise _too_long(value, self._name(key))
        return clean_text(value).strip() or None

    def texts(self, key: str) -> list[str]:
        out = []
        for i, value in enumerate(self._list(key)):
            if not isinstance(value, str):
                raise InputError(f"found {kind_of(value)} {_show(value)}", field=f"{self._name(key)}[{i}]",
                                 expected="a string")
            if len(value) > MAX_TEXT:
                raise _too_long(value, f"{self._name(key)}[{i}]")
            value = clean_text(value).strip()
            if value:
                out.append(value)
        return out

    def integer(self, key: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise InputError(f"found {kind_of(value)} {_show(value)}", field=self._name(key), expected="an integer")
        if minimum is not None and value < minimum:
            raise InputError(f"{value} is too small", field=self._name(key), expected=f"at least {minimum:,}")
        if maximum is not None and value > maximum:
            raise InputError(f"{value:,} is implausibly large", field=self._name(key), expected=f"at most {maximum:,}")
        return value

    def number(self, key: str, *, minimum: float, maximum: float) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"found {kind_of(value)} {_show(value)}", field=self._name(key), expected="a number")
        if not (minimum <= value <= maximum):
            raise InputError(f"{value} is out of range", field=self._name(key), expected=f"a number from {minimum} to {maximum}")
        return float(value)

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise InputError(f"found {kind_of(value)} {_show(value)}", field=self._name(key), expected="true or false")
        return value

    def date(self, key: str) -> str | None:
        value = self.text(key)
        return parse_date(value, self._name(key)) if value else None

    def date_struct(self, key: str) -> DatePoint | None:
        struct = self.obj(key)
        value = struct.date("date")
        if value is None:
            return None
        return DatePoint(value=value, kind=struct.text("type"))

    def age(self, key: str) -> Age | None:
        value = self.text(key)
        return parse_age(value, self._name(key)) if value else None


def _too_long(value: str, field: str) -> InputError:
    """The error for a text over the length limit. Texts are checked inline (cleaned and stripped,
    None when empty): there are hundreds per record, and a helper call per text showed up."""
    return InputError(f"text of {len(value):,} characters", field=field, expected=f"at most {MAX_TEXT:,} characters")
