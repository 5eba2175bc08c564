"""Films by meaning: one sentence-encoder vector per film, built once per catalogue, memory-mapped.

A film's text is what it is about: title, genres, tagline, overview and keywords (the 52k
films the data knows only by title and genres get just those). Vectors are written in
batches into ``<cache>/meaning/<key>.npy`` (float32, L2-normalised), where ``key`` is a
digest of the encoder's version, :data:`TEXT_VERSION` and every film text: a changed
catalogue or model gets new vectors, an unchanged one reads them back memory-mapped in
milliseconds. A build interrupted half-way resumes from its last written batch.

Search is exact: a matrix product over every film (a few milliseconds at 63k films), so
hard-constraint masks apply to the full score vector before anything is cut.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from pelliculum_lib.data.values import listed, row_index
from pelliculum_lib.modeling.encoder import TextEncoder

log = logging.getLogger(__name__)

TEXT_VERSION = 1
BATCH = 128


PRIOR_VOTES = 200  # votes needed before a film's own rating outweighs the catalogue mean
#: Titles encoded alone, for a film named in another language ("le silence des agneaux"): the most voted films.
TITLE_FILMS = 6000
#: A title's cosine to what the user named, from which it is offered as "did you mean" (multilingual-e5-small;
#: right translations score 0.86-0.94 among the 6,000 most voted titles, and so do some unrelated phrases:
#: reports/title_translations.md; these are offered, never taken for the film).
TITLE_MATCH = 0.86


def quality_prior(votes: np.ndarray, rating: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """How good and how well known each film is, 0 to 1: half a vote-weighted rating (shrunk towards the catalogue
    mean below :data:`PRIOR_VOTES` votes), half how known it is (votes, and how often the lists recommend it)."""
    votes = np.nan_to_num(np.asarray(votes, dtype=np.float64))
    rating = np.asarray(rating, dtype=np.float64)
    rated = votes > 0
    mean = float(np.nanmean(rating[rated])) if rated.any() else 6.0
    rating = np.where(rated, np.nan_to_num(rating), mean)
    weighted = (votes * rating + PRIOR_VOTES * mean) / (votes + PRIOR_VOTES)
    known = np.log1p(votes) + np.log1p(np.asarray(frequency, dtype=np.float64) * 20.0)
    return 0.5 * (weighted / 10.0) + 0.5 * (known / (known.max() or 1.0))


def standard(values: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
    """``values`` minus their mean, over their standard deviation, both measured on the rows ``among``."""
    values = np.asarray(values, dtype=np.float64)
    pool = values[among] if among is not None else values
    pool = pool[np.isfinite(pool)]
    if len(pool) < 2:
        return np.zeros(len(values))
    spread = float(pool.std())
    return (values - float(pool.mean())) / spread if spread > 0 else np.zeros(len(values))


def film_texts(movies: pd.DataFrame, keywords: bool = True) -> list[str]:
    """One passage per film: "Title. Genres: … Tagline Overview Keywords: …" (missing parts left out).

    ``keywords=False`` leaves the TMDb keywords out (the theme evaluation judges by them)."""
    texts = []
    columns = [movies[c].tolist() if c in movies else [None] * len(movies)
               for c in ("title", "genres", "tagline", "overview", "keywords")]
    for title, genres, tagline, overview, words in zip(*columns):
        parts = [str(title).strip() + "."]
        if names := listed(genres):
            parts.append(f"Genres: {names}.")
        for free in (tagline, overview):
            if isinstance(free, str) and free.strip():
                parts.append(free.strip())
        if keywords and (names := listed(words)):
            parts.append(f"Keywords: {names}.")
        texts.append(" ".join(parts))
    return texts


def vectors_key(texts: list[str], encoder_version: str) -> str:
    digest = hashlib.sha256(f"{encoder_version}|{TEXT_VERSION}|{len(texts)}".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "replace"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def text_hashes(texts: list[str]) -> np.ndarray:
    """A 64-bit hash per text (which vectors another build can lend: same encoder, same text)."""
    return np.array([int.from_bytes(hashlib.blake2b(t.encode("utf-8", "replace"), digest_size=8).digest(), "little")
                     for t in texts], dtype=np.uint64)


def _lendable(folder: Path, encoder: TextEncoder, exclude: Path) -> dict[int, tuple[np.ndarray, int]]:
    """Vectors already built by ``encoder`` under ``folder`` (other catalogues or text variants), by text hash."""
    lent: dict[int, tuple[np.ndarray, int]] = {}
    for hashes_path in sorted(folder.glob(f"films-{encoder.name}-*.hashes.npy")):
        vectors_path = hashes_path.with_name(hashes_path.name.replace(".hashes.npy", ".npy"))
        if vectors_path == exclude or not vectors_path.is_file():
            continue
        try:
            hashes, vectors = np.load(hashes_path), np.load(vectors_path, mmap_mode="r")
            if json.loads(vectors_path.with_suffix(".json").read_text())["encoder"] != encoder.version:
                continue
        except (OSError, ValueError, KeyError):
            continue
        for row, value in enumerate(hashes.tolist()):
            lent.setdefault(value, (vectors, row))
    return lent


def build_vectors(texts: list[str], encoder: TextEncoder, path: Path, progress: bool = True,
                  on_progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> np.ndarray:
    """Encode ``texts`` as passages into the ``.npy`` file ``path`` (resumable), then map it read-only.

    Texts that an earlier build of the same encoder under the same folder already encoded are copied, not
    encoded again (the evaluation's keyword-free variant shares 85 % of its texts with the catalogue's)."""
    path = Path(path)
    hashes = text_hashes(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial, done_file = path.with_suffix(".partial.npy"), path.with_suffix(".done.json")
    n = len(texts)
    done = 0
    if partial.is_file() and done_file.is_file():
        try:
            done = int(json.loads(done_file.read_text())["done"])
            out = np.lib.format.open_memmap(partial, mode="r+")
            if out.shape != (n, encoder.dim):
                raise ValueError("shape changed")
        except (OSError, ValueError, KeyError, TypeError):
            done = 0
    if done == 0:
        out = np.lib.format.open_memmap(partial, mode="w+", dtype=np.float32, shape=(n, encoder.dim))
    elif done:
        log.info("Resuming film vectors at %d of %d", done, n)
    lent = _lendable(path.parent, encoder, path)
    first = {}  # text hash -> its first row in this build (repeated texts are encoded once)
    for row, value in enumerate(hashes[:done].tolist()):
        first.setdefault(value, row)
    with tqdm(total=n, initial=done, desc="film vectors", unit="film", disable=not progress) as bar:
        for start in range(done, n, batch):
            chunk = texts[start:start + batch]
            new, repeated = [], []
            for offset, value in enumerate(hashes[start:start + len(chunk)].tolist()):
                if value in lent:
                    source, row = lent[value]
                    out[start + offset] = source[row]
                elif value in first:
                    repeated.append((start + offset, first[value]))
                else:
                    first[value] = start + offset
                    new.append(offset)
            if new:
                out[[start + i for i in new]] = encoder.passage([chunk[i] for i in new])
            for row, earlier in repeated:
                out[row] = out[earlier]
            out.flush()  # every batch: a killed build loses at most the batch it was encoding
            done_file.write_text(json.dumps({"done": start + len(chunk)}))
            bar.update(len(chunk))
            if on_progress is not None:
                on_progress(start + len(chunk), n)
    out.flush()
    del out
    np.save(path.with_suffix(".hashes.npy"), hashes)
    path.with_suffix(".json").write_text(json.dumps({"encoder": encoder.version, "films": n, "dim": encoder.dim,
                                                     "text_version": TEXT_VERSION}))
    partial.replace(path)
    done_file.unlink(missing_ok=True)
    return np.load(path, mmap_mode="r")


#: Requests that say nothing of a film, per language: a film close to all of them is close to any request in that
#: language (a hub: a French title pulls every French description, whatever it says), so its mean similarity to
#: them can be taken off a description's (:meth:`FilmVectors.hub`, as CSLS corrects hubs in cross-lingual search).
NEUTRAL_QUERIES = {
    "en": ["a film", "a movie to watch tonight", "something good to watch", "a story", "any recommendations?",
           "a good film for the evening", "a movie about people and their lives", "I want to see a film",
           "something I would enjoy", "a film with a good story", "what should I watch?", "a movie from any year"],
    "fr": ["un film", "un film à regarder ce soir", "quelque chose de bien à regarder", "une histoire",
           "des idées de films ?", "un bon film pour la soirée", "un film sur des gens et leur vie",
           "je veux voir un film", "quelque chose qui me plairait", "un film avec une bonne histoire",
           "qu'est-ce que je regarde ?", "un film de n'importe quelle année"],
}


@dataclass
class FilmVectors:
    """Film vectors in catalogue row order, and the encoder that reads queries into the same space."""

    ids: np.ndarray
    vectors: np.ndarray  # (films, dim) float32, L2-normalised, memory-mapped
    encoder: TextEncoder
    key: str = ""

    def __post_init__(self):
        self.row = row_index(self.ids)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()  # recent descriptions, already encoded
        self._hubs: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def encode(self, text: str) -> np.ndarray:
        """``text`` read as a query (the last 256 descriptions are kept: "more" does not encode again)."""
        with self._lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        vector = self.encoder.query([text])[0]
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > 256:
                self._queries.popitem(last=False)
        return vector

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every film to a query vector."""
        return np.asarray(self.vectors @ np.asarray(query, dtype=np.float32), dtype=np.float64)

    def text_scores(self, text: str) -> np.ndarray:
        """Cosine similarity of every film to a free-text description (read as a query)."""
        return self.scores(self.encode(text))

    def hub(self, language: str) -> np.ndarray:
        """Each film's mean similarity to :data:`NEUTRAL_QUERIES` of ``language`` (computed once per language)."""
        if language not in self._hubs:
            queries = self.encoder.query(NEUTRAL_QUERIES.get(language, NEUTRAL_QUERIES["en"]))
            self._hubs[language] = np.asarray(self.vectors @ queries.T, dtype=np.float64).mean(axis=1)
        return self._hubs[language]

    def similar(self, film_id: int) -> np.ndarray:
        """Cosine similarity of every film to ``film_id`` (zeros for an unknown film; the film itself -inf)."""
        row = self.row.get(int(film_id))
        if row is None:
            return np.zeros(len(self.ids))
        scores = self.scores(self.vectors[row])
        scores[row] = -np.inf
        return scores

    def neighbours(self, film_id: int, k: int = 8, allowed: np.ndarray | None = None) -> list[int]:
        """The ``k`` films closest in meaning to ``film_id`` (among ``allowed`` rows)."""
        scores = self.similar(film_id)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [int(self.ids[i]) for i in top if np.isfinite(scores[i])]


def cached_vectors(ids: np.ndarray, texts: list[str], encoder: TextEncoder, cache_dir: Path,
                   progress: bool = False, on_progress: Callable[[int, int], None] | None = None) -> FilmVectors:
    """The vectors of ``texts`` under ``cache_dir/meaning``, built once (resumable) and memory-mapped after."""
    key = vectors_key(texts, encoder.version)
    path = Path(cache_dir) / "meaning" / f"films-{encoder.name}-{key}.npy"
    vectors = _read(path, (len(texts), encoder.dim))
    if vectors is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per file: other processes wait, then read its vectors
            vectors = _read(path, (len(texts), encoder.dim))
            if vectors is None:
                started = time.perf_counter()
                log.info("Encoding %d film texts with %s (once): %s", len(texts), encoder.name, path.name)
                vectors = build_vectors(texts, encoder, path, progress=progress, on_progress=on_progress)
                log.info("Film vectors built in %.0f s", time.perf_counter() - started)
    return FilmVectors(np.asarray(ids), vectors, encoder, key)


def _read(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    """The finished vectors at ``path``, memory-mapped, or ``None`` (absent, unreadable, another shape)."""
    if not path.is_file():
        return None
    try:
        vectors = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return None
    return vectors if vectors.shape == shape else None


def meaning_neighbours(vectors: FilmVectors, film_id: int, quality: np.ndarray, k: int, quality_weight: float,
                       content: np.ndarray | None = None, has_text: np.ndarray | None = None) -> list[int]:
    """The ``k`` films nearest ``film_id`` by meaning, with a standardised quality prior (and TF-IDF ``content``
    similarity, when given); films known by title and genres only (``~has_text``) come after the others."""
    score = standard(vectors.similar(film_id)) + quality_weight * standard(quality)
    if content is not None:
        score = score + standard(content)
    if has_text is not None:
        score = np.where(has_text, score, score - 4.0)
    row = vectors.row.get(int(film_id))
    if row is not None:
        score[row] = -np.inf
    k = min(k, len(score) - 1)
    top = np.argpartition(-score, k)[:k]
    return [int(vectors.ids[i]) for i in top[np.lexsort((top, -score[top]))]]


def most_voted(movies: pd.DataFrame, n: int = TITLE_FILMS) -> tuple[np.ndarray, list[str]]:
    """The ids and titles of the ``n`` most voted films (catalogue order among equals)."""
    votes = np.nan_to_num(pd.to_numeric(movies["vote_count"], errors="coerce").to_numpy(np.float64)) \
        if "vote_count" in movies else np.zeros(len(movies))
    order = np.argsort(-votes, kind="stable")[:n]
    return movies["id"].to_numpy()[order], movies["title"].astype("str").iloc[order].tolist()


def title_matches(titles: FilmVectors, text: str, k: int = 3, threshold: float = TITLE_MATCH) -> list[int]:
    """The ``k`` films whose title alone is closest in meaning to ``text`` (any language), above ``threshold``."""
    scores = titles.text_scores(text)
    top = np.argsort(-scores, kind="stable")[:k]
    return [int(titles.ids[i]) for i in top if scores[i] >= threshold]


class MeaningBuild:
    """Film vectors built in a background thread, so a service starts before its first build ends.

    ``vectors`` is ``None`` until they are ready (the chat then ranks descriptions by words); ``titles``, the
    vectors of the most voted films' titles alone (``titles=(ids, titles)``), follow them;
    ``status`` is ``off`` | ``building`` | ``ready`` | ``failed`` and ``progress`` a share; ``titles_status`` says
    the same of the title vectors (``off`` when none were asked for)."""

    def __init__(self, ids: np.ndarray, texts: list[str], load: Callable[[], TextEncoder], cache_dir: Path,
                 background: bool = True, titles: tuple[np.ndarray, list[str]] | None = None):
        self.vectors: FilmVectors | None = None
        self.titles: FilmVectors | None = None
        self.status, self.progress, self.error = "building", 0.0, ""
        self._args = (ids, texts, load, cache_dir)
        self._titles = titles
        self.titles_status = "off" if titles is None else "building"
        self._thread = threading.Thread(target=self._run, name="film-vectors", daemon=True)
        if background:
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        ids, texts, load, cache_dir = self._args
        try:
            def step(done: int, total: int) -> None:
                self.progress = done / max(total, 1)

            encoder = load()
            self.vectors = cached_vectors(ids, texts, encoder, cache_dir, on_progress=step)
            self.progress, self.status = 1.0, "ready"
        except Exception as error:  # noqa: BLE001 - the chat keeps working on words; health says why
            log.exception("Film vectors could not be built")
            self.status, self.error = "failed", f"{type(error).__name__}: {error}"
            self.titles_status = "failed" if self._titles is not None else "off"
            return
        if self._titles is not None:
            try:
                self.titles = cached_vectors(*self._titles, encoder, cache_dir)
                self.titles_status = "ready"
            except Exception:  # noqa: BLE001 - titles in other languages only lose their suggestions
                log.exception("Title vectors could not be built")
                self.titles_status = "failed"

    def wait(self, timeout: float | None = None) -> FilmVectors | None:
        if self._thread.is_alive():
            self._thread.join(timeout)
        return self.vectors
