"""What the service does per request, without HTTP: resolve, recommend (cached, one
generation at a time), enrich, and understand chat messages.

Loaded once (``RecommendationService.load``) and shared by the FastAPI app, the benchmarks
and the tests.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.conversation import build_dialogue
from pelliculum_lib.conversation.request import Constraint, Language
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.film import Film
from pelliculum_lib.data.titles import Resolution
from pelliculum_lib.modeling.encoder import load_encoder
from pelliculum_lib.modeling.loading import adapter_fingerprint
from pelliculum_lib.recommending.meaning import MeaningBuild, film_texts
from pelliculum_lib.recommending.phase3 import Recommender
from pelliculum_lib.recommending.retrieval import RETRIEVER_VERSION, cached_retriever
from pelliculum_lib.recommending.two_stage import TwoStageRecommender
from pelliculum_lib.serving.answer_store import AnswerReader
from pelliculum_lib.serving.store import CatalogueStore
from pelliculum_lib.serving.store import fingerprint as catalogue_fingerprint

log = logging.getLogger(__name__)


@dataclass
class Answer:
    """A recommendation answer, as the API returns it."""

    query: str
    match: str  # exact | fuzzy
    film: Film
    recommendations: list[Film]
    alternatives: list[Film] = field(default_factory=list)
    cached: bool = False
    seconds: float = 0.0
    model_seconds: float = 0.0


@dataclass
class ChatAnswer:
    message: str
    language: Language
    reply: str
    status: str  # ok | fewer | more_none | explain | unknown | no_film
    conversation_id: str = ""
    film: Film | None = None
    recommendations: list[Film] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # one per recommendation
    constraints: list[Constraint] = field(default_factory=list)
    suggestions: list[Film] = field(default_factory=list)
    seconds: float = 0.0


class UnknownFilm(LookupError):
    def __init__(self, query: str, suggestions: list[Film]):
        super().__init__(f"No film titled {query!r} in the catalogue.")
        self.query, self.suggestions = query, suggestions


class EngineBusy(RuntimeError):
    """The model stayed busy longer than ``Settings.queue_seconds``."""


class ResponseCache:
    """Recommended film ids per key: in memory (LRU) and on disk (survives restarts)."""

    def __init__(self, directory: Path | None, size: int):
        self.memory: OrderedDict[str, list[int]] = OrderedDict()
        self.size, self.directory = size, directory
        self.lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> list[int] | None:
        with self.lock:
            if key in self.memory:
                self.memory.move_to_end(key)
                return self.memory[key]
        if self.directory is not None and (path := self.directory / f"{key}.json").is_file():
            try:
                value = [int(i) for i in json.loads(path.read_text())]
            except (OSError, ValueError, TypeError):
                return None
            self._remember(key, value)
            return value
        return None

    def _remember(self, key: str, value: list[int]) -> None:
        with self.lock:
            self.memory[key] = value
            while len(self.memory) > self.size:
                self.memory.popitem(last=False)

    def put(self, key: str, value: list[int], disk: bool = True) -> None:
        if self.size:
            self._remember(key, value)
        if self.directory is not None and disk:
            tmp = self.directory / f"{key}.{threading.get_ident()}.tmp"
            tmp.write_text(json.dumps(value))
            tmp.replace(self.directory / f"{key}.json")


def model_fingerprint(settings: Settings) -> str:
    """Changes when the adapter, base model, recommender or generation settings change (the cache key's root)."""
    if settings.recommender == "phase3":
        digest = hashlib.sha256(adapter_fingerprint(settings).encode())
        digest.update(f"{settings.candidates}|{settings.max_new_tokens}".encode())
    else:
        ranker = "none" if settings.recommender_mode == "retriever" else \
            adapter_fingerprint(settings, settings.ranker_adapter_dir)
        digest = hashlib.sha256(ranker.encode())
        digest.update(f"{settings.recommender_mode}|{settings.fit_split}|{settings.ranker_candidates}|"
                      f"{settings.ranker_weight}|{RETRIEVER_VERSION}".encode())
    digest.update(f"{settings.recommender}|{settings.base_model}|{settings.max_titles}|{settings.system_prompt}|"
                  f"{settings.backend}|{settings.inference_dtype}|{settings.gguf_type}".encode())
    return digest.hexdigest()[:12]


def answer_key(settings: Settings, catalogue: Catalogue) -> str:
    """What an answer depends on: the model and its settings, and the catalogue (the answer caches' key)."""
    return f"{model_fingerprint(settings)}-{catalogue_fingerprint(catalogue)}"


def load_recommender(settings: Settings, catalogue: Catalogue | None = None) -> Recommender | TwoStageRecommender:
    """The recommender the settings ask for (what the service and ``pelliculum precompute`` answer with)."""
    catalogue = catalogue if catalogue is not None else Catalogue.load(settings=settings)
    if settings.recommender == "phase3":
        return Recommender.load(settings, catalogue=catalogue)
    adapter = "" if settings.recommender_mode == "retriever" else None
    return TwoStageRecommender.load(settings, catalogue=catalogue, adapter=adapter)


def film_meaning(catalogue: Catalogue, settings: Settings) -> MeaningBuild | None:
    """The catalogue's film vectors for ``settings.meaning`` (read back from the cache, or built, in the
    background unless ``meaning_background`` is false); ``None`` when meaning is off."""
    if settings.meaning == "off":
        return None
    movies = catalogue.movies
    return MeaningBuild(movies["id"].to_numpy(), film_texts(movies), lambda: load_encoder(settings.meaning),
                        settings.cache_dir, background=settings.meaning_background)


def load_reader_model(settings: Settings):
    """The phase-5 reader (the merged adapter in llama.cpp under the reading grammar) when ``settings.reader`` asks
    for it; ``None`` — the rules read every message, logged — when it is ``rules`` or the adapter is missing."""
    if settings.reader == "rules":
        return None
    folder = settings.reader_adapter_dir
    if not (folder / "adapter_config.json").is_file():
        log.warning("PELLICULUM_READER=%s but there is no reader adapter at %s: the rules read every message",
                    settings.reader, folder)
        return None
    try:
        from pelliculum_lib.conversation.reading import grammar
        from pelliculum_lib.modeling.llamacpp import cached_gguf
        from pelliculum_lib.modeling.reader import ModelReader

        return ModelReader(cached_gguf(settings, adapter=folder, qtype=settings.gguf_type), grammar(),
                           seconds=min(settings.generation_seconds, 2.0), threads=settings.threads)
    except Exception as error:  # noqa: BLE001 - the rules still read: the service starts
        log.warning("The reader model could not be loaded (%s: %s): the rules read every message",
                    type(error).__name__, error)
        return None


class RecommendationService:
    def __init__(self, recommender: Recommender | TwoStageRecommender, store: CatalogueStore, settings: Settings,
                 answers_dir: Path | None = None):
        self.recommender, self.store, self.settings = recommender, store, settings
        self.engine_lock = threading.Lock()  # one generation at a time: the model is not re-entrant
        key = f"{model_fingerprint(settings)}-{store.path.stem.removeprefix('catalogue-')}"
        answers_dir = answers_dir or settings.answer_cache_dir or settings.cache_dir / "answers"
        self.cache = ResponseCache(answers_dir / key, settings.response_cache_size)
        self.precomputed = AnswerReader(settings.answer_store, key)  # `pelliculum precompute`, read-only
        self.tmdb = None
        if settings.tmdb_api_key:
            from pelliculum_lib.serving.tmdb import TMDbClient

            self.tmdb = TMDbClient(settings.tmdb_api_key, settings.tmdb_base_url, settings.tmdb_timeout,
                                   settings.cache_dir)
        retriever = getattr(recommender, "retriever", None) or \
            cached_retriever(recommender.catalogue, settings.fit_split, settings)
        self.meaning = film_meaning(recommender.catalogue, settings)
        self.dialogue = build_dialogue(recommender.catalogue, retriever, recommender.resolver,
                                       lambda film: self.recommend_ids(film)[0], settings,
                                       self.tmdb.search_ids_sync if self.tmdb is not None else None, self.meaning,
                                       load_reader_model(settings))

    @classmethod
    def load(cls, settings: Settings | None = None, answers_dir: Path | None = None) -> "RecommendationService":
        """Load everything once; a missing or corrupt adapter or dataset fails here, not at a request."""
        settings = settings or get_settings()
        started = time.perf_counter()
        catalogue = Catalogue.load(settings=settings)
        store = CatalogueStore.build(catalogue, settings.cache_dir)
        recommender = load_recommender(settings, catalogue)
        log.info("Service ready in %.1f s: %d films, %d candidates, recommender %s", time.perf_counter() - started,
                 len(catalogue), len(recommender.candidates), settings.recommender)
        return cls(recommender, store, settings, answers_dir)

    def meaning_status(self) -> dict:
        """The film vectors' state, as ``/health`` reports it."""
        if self.meaning is None:
            return {"encoder": "off", "status": "off", "progress": 0.0}
        return {"encoder": self.settings.meaning, "status": self.meaning.status,
                "progress": round(self.meaning.progress, 3)}

    # -- recommendations --------------------------------------------------------------------
    def resolve(self, title: str) -> Resolution:
        resolution = self.recommender.resolve(title)
        if not resolution.found:
            raise UnknownFilm(title, self.store.get(resolution.suggestions))
        return resolution

    def recommend_ids(self, film_id: int) -> tuple[list[int], bool, float]:
        """Recommended film ids for a resolved film, the cached flag, and model seconds."""
        key = f"{film_id}"
        if (hit := self.cache.get(key)) is not None:
            return hit, True, 0.0
        if (hit := self.precomputed.get(film_id)) is not None:
            self.cache.put(key, hit, disk=False)
            return hit, True, 0.0
        if not self.engine_lock.acquire(timeout=self.settings.queue_seconds):
            raise EngineBusy(f"The model is busy (waited {self.settings.queue_seconds:.0f} s); retry later.")
        try:
            if (hit := self.cache.get(key)) is not None:  # computed while we waited
                return hit, True, 0.0
            started = time.perf_counter()
            (films, answer), = self.recommender.answer_films([film_id], max_time=self.settings.generation_seconds)
            seconds = time.perf_counter() - started
        finally:
            self.engine_lock.release()
        if not answer.stopped and answer.new_tokens < self.settings.max_new_tokens:
            return films, False, seconds  # cut by the time budget: answer, but do not cache a partial list
        self.cache.put(key, films)
        return films, False, seconds

    def recommend(self, title: str) -> Answer:
        started = time.perf_counter()
        resolution = self.resolve(title)
        ids, cached, model_seconds = self.recommend_ids(resolution.film_id)
        film, = self.store.get([resolution.film_id])
        return Answer(title, resolution.status, film, self.store.get(ids), self.store.get(resolution.alternatives[:5]),
                      cached, time.perf_counter() - started, model_seconds)

    async def enrich(self, films: list[Film]) -> list[Film]:
        if self.tmdb is None or not films:
            return films
        try:
            return await self.tmdb.enrich(films)
        except Exception as error:  # noqa: BLE001 - enrichment is best effort, never fatal
            log.warning("TMDb enrichment failed: %s", type(error).__name__)
            return films

    # -- chat ---------------------------------------------------------------------------------
    def chat(self, message: str | None, conversation_id: str | None = None, remove: str | None = None,
             more_like: int | None = None, not_for_me: int | None = None) -> ChatAnswer:
        """One conversation turn (see :mod:`pelliculum_lib.conversation`); raises its 404/409/422 errors."""
        started = time.perf_counter()
        answer = self.dialogue.reply(message, conversation_id, remove, more_like, not_for_me)
        films = self.store.get([f for f, _ in answer.films])
        reasons = dict(answer.films)
        film = self.store.get([answer.film])[0] if answer.film is not None else None
        suggestions = self.store.get(answer.suggestions or answer.alternatives)
        return ChatAnswer(message or "", answer.language, answer.text, answer.status, answer.conversation_id, film,
                          films, [reasons[f.id] for f in films], answer.constraints, suggestions,
                          time.perf_counter() - started)
