"""Catalogue cell values: missing ones, the ``-``-joined lists of wykonos (``"Drama-Crime"``), and film id -> row."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DASH = "-"


def missing(value: object) -> bool:
    """True for None, ``pd.NA`` and NaN (what a catalogue cell holds when the data does not know)."""
    return value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value))


def clean(value: object) -> object:
    """``value`` as a plain Python value: None when :func:`missing`, numpy scalars unwrapped."""
    if missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def dash_list(value: object) -> list[str]:
    """A ``-``-joined cell as its stripped, non-empty pieces ([] when missing or empty)."""
    value = clean(value)
    return [part.strip() for part in str(value).split(DASH) if part.strip()] if value else []


def listed(value: object, limit: int | None = None, sep: str = ", ") -> str:
    """The first ``limit`` pieces of a ``-``-joined cell joined by ``sep`` (``"Drama, Crime"``; "" when none)."""
    return sep.join(dash_list(value)[:limit])


def dash_pieces(values: pd.Series) -> pd.Series:
    """Every stripped, non-empty piece of a ``-``-joined column, one row per piece under its row's index,
    in order (missing cells have none)."""
    pieces = values.dropna().astype(str).str.split(DASH).explode().str.strip()
    return pieces[pieces.notna() & (pieces != "")]


def row_index(ids) -> dict[int, int]:
    """Film id -> its row in ``ids`` (an array, possibly memory-mapped: read in one ``tolist``, not item by item)."""
    return dict(zip(np.asarray(ids).tolist(), range(len(ids))))
