"""Reports written under ``reports/``: a markdown page and its ``.json`` twin (beside :mod:`pelliculum_lib.plots`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def written_by(notebook: str, own_run: bool = True) -> str:
    """The line under a report's title naming the notebook that writes it."""
    return f"Written by `notebooks/{notebook}`" + (" from its own run." if own_run else ".")


def records(frames: dict[str, pd.DataFrame], orient: str = "index") -> dict[str, object]:
    """Each table as JSON-ready values (``DataFrame.to_json`` read back), by name."""
    return {name: json.loads(frame.to_json(orient=orient)) for name, frame in frames.items()}


def write_json(path: str | Path, data: object, indent: int = 1, default: Callable | None = str) -> Path:
    """``data`` as JSON at ``path`` (its folder made); ``default`` turns what JSON cannot hold into text."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent, default=default))
    return path


def write_report(path: str | Path, sections: dict[str, str], context: dict, *, title: str, origin: str,
                 lines: Sequence[str] = (), figures: Sequence[str] = (), data: object = None, indent: int = 1,
                 default: Callable | None = str) -> str:
    """A markdown report at ``path`` and its JSON beside it (``.json``); returns the markdown.

    The page: ``# title``, ``origin`` (who writes it), ``- key: value`` per ``context`` entry, the free ``lines``,
    one ``## name`` per section (its markdown), the ``figures`` (files under ``figures/``); empty parts are left
    out. The JSON holds ``data``, or ``{"context": context}`` without it."""
    page = [f"# {title}", "", origin, ""]
    if context:
        page += [f"- {key}: {value}" for key, value in context.items()] + [""]
    if lines:
        page += [*lines, ""]
    for name, body in sections.items():
        page += [f"## {name}", "", body, ""]
    if figures:
        page += [f"![{Path(f).stem}](figures/{Path(f).name})" for f in figures] + [""]
    text = "\n".join(page)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    write_json(path.with_suffix(".json"), {"context": context} if data is None else data, indent, default)
    return text
