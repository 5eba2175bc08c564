"""Finding the film a user means: exact, case- and accent-insensitive, then fuzzy.

Titles shared by several films (remakes) resolve to the most popular one, unless the query
names a year ("Dune (1984)", "dune 1984"); the others come back as alternatives. A title's part before
its colon is a title too when no film has it as its own ("kill bill" -> Kill Bill: Vol. 1, the most popular of
the series). A title that matches nothing well enough is *unknown*, with close suggestions — never guessed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pelliculum_lib.data.catalogue import Catalogue

log = logging.getLogger(__name__)
TITLES_VERSION = 5  # bump when the resolver's tables change (2: arrays, 3: series prefixes, 4: possessives,
#                     5: French release titles); cached
# ones are rebuilt
#: How many of the most popular films :meth:`TitleResolver.popular` knows.
POPULAR = 3000
Status = Literal["exact", "fuzzy", "unknown"]
_YEAR = re.compile(r"^(?P<title>.*?)[\s(,]+(?P<year>(?:18|19|20)\d\d)\)?\s*$")
_NON_WORD = re.compile(r"[^\w]+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")  # "Ocean's Eleven" and "oceans eleven" share the key "oceans eleven"
_ARTICLE = re.compile(r"^(?:the|a|an|le|la|les|l|el|los|las|il|der|die|das) ")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed, a possessive's apostrophe dropped: "Amélie!" ->
    "amelie", "Ocean's Eleven" -> "oceans eleven"."""
    text = _POSSESSIVE.sub("s", text)
    if text.isascii():  # most titles: nothing to decompose (a third of the service's start-up otherwise)
        stripped = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.casefold().replace("&", " and ")).strip()


class KeyIndex:
    """Key -> film ids (catalogue, i.e. popularity, order) as three arrays that can be memory-mapped: the keys'
    sorted 64-bit hashes, where each key's films start, and the films (a hash is taken for its key)."""

    def __init__(self, hashes: np.ndarray, starts: np.ndarray, films: np.ndarray):
        self.hashes, self.starts, self.films = hashes, starts, films

    @staticmethod
    def hash(keys: list[str]) -> np.ndarray:
        return pd.util.hash_array(np.asarray(keys, dtype=object), categorize=False)

    @classmethod
    def build(cls, keys: list[str], ids: list[int]) -> "KeyIndex":
        hashes = cls.hash(keys)
        order = np.argsort(hashes, kind="stable")  # stable: a shared key keeps its films in catalogue order
        unique, starts = np.unique(hashes[order], return_index=True)
        return cls(unique, np.append(starts, len(order)).astype(np.int64), np.asarray(ids, dtype=np.int64)[order])

    def get(self, key: str) -> list[int]:
        """The films of ``key``, most popular first ([] when none)."""
        code = self.hash([key])[0]
        i = int(np.searchsorted(self.hashes, code))
        if i == len(self.hashes) or self.hashes[i] != code:
            return []
        return self.films[self.starts[i]:self.starts[i + 1]].tolist()

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.hashes": self.hashes, f"{prefix}.starts": self.starts, f"{prefix}.films": self.films}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> "KeyIndex":
        return cls(arrays[f"{prefix}.hashes"], arrays[f"{prefix}.starts"], arrays[f"{prefix}.films"])


def normalise_all(titles: pd.Series) -> list[str]:
    """:func:`normalise` of many titles at once (vectorised for ASCII titles: a 757k-row catalogue in a second)."""
    titles = titles.astype("str").str.replace(_POSSESSIVE.pattern, "s", regex=True)
    ascii_titles = titles.str.isascii()
    keys = (titles.str.lower().str.replace("&", " and ", regex=False)
            .str.replace(r"[^A-Za-z0-9_]+", " ", regex=True).str.strip())
    keys = keys.astype(object)
    keys[~ascii_titles] = [normalise(t) for t in titles[~ascii_titles]]
    return keys.tolist()


FRENCH_TITLES = Path(__file__).with_name("french_titles.tsv")


def french_titles(movies: pd.DataFrame) -> list[tuple[int, str]]:
    """(catalogue position, French title) of the films :data:`FRENCH_TITLES` names (title and year, or the label
    of a film without a year), in catalogue order: people say "les évadés", "le parrain", "là-haut"; the catalogue's titles are English."""
    rows = [line.split("\t") for line in FRENCH_TITLES.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    wanted = {(title, int(year)): french for title, year, french in rows if year}
    by_label = {title: french for title, year, french in rows if not year}  # films without a year: their label
    titles, labels = movies["title"].astype("str"), movies["label"].astype("str")
    out, seen = [], set()
    for position in np.flatnonzero(titles.isin({title for title, _ in wanted}).to_numpy()):
        key = (titles.iloc[position], movies["year"].iloc[position])
        if key in wanted and key not in seen:  # the most popular film of that title and year
            seen.add(key)
            out.append((int(position), wanted[key]))
    out += [(int(position), by_label[labels.iloc[position]])
            for position in np.flatnonzero(labels.isin(by_label).to_numpy())]
    return sorted(out)


def bare(key: str) -> str:
    """A normalised title without its leading article: "the matrix" -> "matrix"."""
    return _ARTICLE.sub("", key)


@dataclass
class Resolution:
    """What a query resolved to: ``film_id`` is None when the film is unknown."""

    query: str
    status: Status
    film_id: int | None = None
    score: float = 100.0
    alternatives: list[int] = field(default_factory=list)  # same title, other films (remakes)
    suggestions: list[int] = field(default_factory=list)  # close titles, for "did you mean"

    @property
    def found(self) -> bool:
        return self.film_id is not None


class TitleResolver:
    """Query -> film id over a catalogue (most popular first)."""

    def __init__(self, catalogue: Catalogue, min_score: float = 86.0, suggestions: int = 5):
        self.min_score = min_score
        self.suggestions = suggestions
        movies = catalogue.movies
        self.years = movies["year"]  # looked up per candidate only (no 750k-entry dict to build)
        ids = movies["id"].tolist()
        self.by_label = KeyIndex.build(movies["label"].astype("str").str.casefold().tolist(), ids)
        titles, title_ids = movies["title"].astype("str"), ids
        if french := french_titles(movies):  # each right after its film: a French title is as popular as it
            at = [position + 1 for position, _ in french]
            titles = pd.Series(np.insert(titles.to_numpy(object), at, [t for _, t in french]), dtype="str")
            title_ids = np.insert(np.asarray(ids, dtype=np.int64), at, [ids[p] for p, _ in french]).tolist()
        keys = normalise_all(titles)
        bares = pd.Series(keys, dtype="str").str.replace(_ARTICLE.pattern, "", n=1, regex=True).tolist()
        self.by_key = KeyIndex.build(keys, title_ids)  # key -> film ids, most popular first
        self.by_bare = KeyIndex.build(bares, title_ids)
        # a series' or a possessive's head: "Kill Bill: Vol. 1" -> "kill bill", "Ferris Bueller's Day Off" -> "ferris bueller"
        heads = titles.str.extract(r"^([^:]+):", expand=False).fillna(
            titles.str.extract(r"^([^:']+?)['’]s\s", expand=False))
        with_head = heads.notna().to_numpy()
        head_keys = normalise_all(heads[with_head])
        head_ids = np.asarray(title_ids)[with_head].tolist()
        two_words = [i for i, key in enumerate(head_keys) if len(bare(key).split()) >= 2]  # not "Mission", "Alien"
        self.by_head = KeyIndex.build([head_keys[i] for i in two_words], [head_ids[i] for i in two_words])
        self.popular_ids = frozenset(ids[:POPULAR])
        self._distinct: list[str] | None = pd.unique(pd.Series(keys, dtype=object)).tolist()
        self._keys_file: Path | None = None

    @property
    def keys(self) -> list[str]:
        """Every distinct key in popularity order of first use (fuzzy search); read back at the first use."""
        if self._distinct is None:
            self._distinct = self._keys_file.read_text(encoding="utf-8").split("\n")
        return self._distinct

    @classmethod
    def cached(cls, catalogue: Catalogue, cache_dir: Path) -> "TitleResolver":
        """The resolver of ``catalogue``, built once and kept under ``cache_dir/titles`` as memory-mapped arrays
        (read back in milliseconds; the fuzzy-search keys are read at the first fuzzy query)."""
        table = hashlib.sha1(FRENCH_TITLES.read_bytes()).hexdigest()[:8]  # an edited table is a new resolver
        folder = Path(cache_dir) / "titles" / f"resolver-{catalogue.digest('films').hex()[:16]}-v{TITLES_VERSION}-{table}"
        if (folder / "keys.txt").is_file():
            try:
                return cls._read(folder, catalogue)
            except (OSError, ValueError, KeyError) as error:
                log.warning("Rebuilding the title resolver: %s is unreadable (%s)", folder.name, type(error).__name__)
        resolver = cls(catalogue)
        try:
            resolver._write(folder)
        except OSError as error:
            log.warning("Could not keep the title resolver at %s: %s", folder, error)
        return resolver

    def _write(self, folder: Path) -> None:
        partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for table in ("by_label", "by_key", "by_bare", "by_head"):
            for name, values in getattr(self, table).arrays(table).items():
                np.save(partial / f"{name}.npy", values, allow_pickle=False)
        (partial / "keys.txt").write_text("\n".join(self.keys), encoding="utf-8")  # written last: complete
        if folder.exists():
            shutil.rmtree(folder)
        partial.replace(folder)

    @classmethod
    def _read(cls, folder: Path, catalogue: Catalogue, min_score: float = 86.0,
              suggestions: int = 5) -> "TitleResolver":
        arrays = {path.stem: np.load(path, mmap_mode="r", allow_pickle=False) for path in folder.glob("*.npy")}
        resolver = cls.__new__(cls)
        resolver.min_score, resolver.suggestions = min_score, suggestions
        resolver.years = catalogue.movies["year"]
        resolver.popular_ids = frozenset(catalogue.movies["id"].iloc[:POPULAR].tolist())
        for table in ("by_label", "by_key", "by_bare", "by_head"):
            setattr(resolver, table, KeyIndex.from_arrays(arrays, table))
        resolver._distinct, resolver._keys_file = None, folder / "keys.txt"
        return resolver

    def films(self, key: str, table: KeyIndex | None = None) -> list[int]:
        """The films of a normalised title key (most popular first; [] when none)."""
        return (self.by_key if table is None else table).get(key)

    def _with_year(self, films: list[int], year: int | None) -> list[int]:
        if year is None:
            return films
        dated = [f for f in films if (y := self.years.get(f)) is not None and y is not pd.NA and y == year]
        return dated + [f for f in films if f not in dated]

    def popular(self, film_id: int) -> bool:
        """True for the :data:`POPULAR` most popular films of the catalogue."""
        return film_id in self.popular_ids

    def _exact(self, query: str, key: str, year: int | None) -> Resolution | None:
        films = self.films(key) or self.films(bare(key), self.by_bare) or self.films(key, self.by_head)
        if not films:
            return None
        films = self._with_year(films, year)
        return Resolution(query, "exact", films[0], alternatives=films[1:])

    def resolve_exact(self, query: str) -> Resolution | None:
        """The film whose label or (normalised, article-free) title is ``query``, if any."""
        query = query.strip()
        if not query:
            return None
        if labelled := self.by_label.get(query.casefold()):
            film, key = labelled[0], normalise(query)
            same = self.films(key)
            if same and "(" not in query:  # a plain title: the most popular film written so ("seven": Se7en)
                film = same[0]
            return Resolution(query, "exact", film, alternatives=[f for f in same if f != film])
        for key, year_hint in self._keys(query):
            if key and (found := self._exact(query, key, year_hint)):
                return found
        return None

    @staticmethod
    def _keys(query: str) -> list[tuple[str, int | None]]:
        """Normalised lookup keys: with a trailing year split off first ("Dune 1984"), then as is."""
        match = _YEAR.match(query)
        keys = [(normalise(match["title"]), int(match["year"]))] if match else []
        return keys + [(normalise(query), None)]

    def resolve(self, query: str) -> Resolution:
        """Exact, then fuzzy; unknown (with suggestions) below ``min_score``."""
        query = query.strip()
        if not query:
            return Resolution(query, "unknown", score=0.0)
        if (found := self.resolve_exact(query)) is not None:
            return found
        candidates = self._keys(query)
        key, year = candidates[0]
        if not key:
            return Resolution(query, "unknown", score=0.0)
        scored = process.extract(key, self.keys, scorer=fuzz.ratio, limit=self.suggestions * 3,
                                 score_cutoff=50)
        # Equal scores: the more popular film first (keys are in popularity order).
        scored.sort(key=lambda item: (-item[1], item[2]))
        suggestions = [self.films(k)[0] for k, _, _ in scored[:self.suggestions]]
        if scored and scored[0][1] >= self.min_score:
            best_key, score, _ = scored[0]
            films = self._with_year(self.films(best_key), year)
            return Resolution(query, "fuzzy", films[0], score=score, alternatives=films[1:],
                              suggestions=[s for s in suggestions if s != films[0]])
        if not suggestions:  # nothing close by edit distance: try word overlap ("matrix" -> "The Matrix")
            scored = process.extract(key, self.keys, scorer=fuzz.token_set_ratio, limit=self.suggestions,
                                     score_cutoff=70)
            scored.sort(key=lambda item: (-item[1], item[2]))
            suggestions = [self.films(k)[0] for k, _, _ in scored]
        return Resolution(query, "unknown", score=scored[0][1] if scored else 0.0, suggestions=suggestions)
