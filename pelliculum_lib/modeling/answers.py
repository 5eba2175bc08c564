"""Reading a model's answer back: its titles, and the catalogue films they name (None where invented)."""

from __future__ import annotations

from dataclasses import dataclass

from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.prompts import split_titles


@dataclass
class TitleIndex:
    """Exact and case-insensitive lookup of catalogue labels and titles."""

    by_label: dict[str, int]
    by_folded: dict[str, int]

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> "TitleIndex":
        labels = catalogue.labels
        by_label = dict(zip(labels.tolist(), labels.index.tolist()))
        by_folded: dict[str, int] = {}
        # Most popular first, so a bare title shared by several films maps to the popular one.
        for title, label, film_id in zip(catalogue.movies["title"], labels, labels.index):
            by_folded.setdefault(label.casefold(), film_id)
            by_folded.setdefault(title.casefold(), film_id)
        return cls(by_label, by_folded)

    @property
    def labels(self) -> set[str]:
        return set(self.by_label)

    def lookup(self, text: str) -> int | None:
        return self.by_label.get(text, self.by_folded.get(text.strip().casefold()))


def answer_titles(text: str, known: set[str] | None = None) -> list[str]:
    """The titles of an answer: comma-separated titles (phases 2b, 3), or one
    ``Title | year | ...`` line per film (phase 1), whose first field is the title."""
    if "|" in text:
        return [line.split("|")[0].strip() for line in text.splitlines() if line.strip()]
    return split_titles(text, known)


def parse_answer(text: str, index: TitleIndex) -> list[int | None]:
    """Film ids for each title of an answer (None where it is not a real film)."""
    return [index.lookup(title) for title in answer_titles(text, index.labels)]
