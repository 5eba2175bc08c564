"""What the service does per request, without HTTP: resolve, recommend (cached, one
generation at a time), enrich, and understand chat messages; its answers and its errors.

Loaded once (``RecommendationService.load``, what it loads: :mod:`.loading`), closed once
(``close``), and shared by the FastAPI app, the benchmarks and the tests.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.conversation import build_dialogue
from pelliculum_lib.conversation.dialogue import ReplyStatus
from pelliculum_lib.conversation.request import Constraint, Language
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.film import Film, FilmDetails
from pelliculum_lib.data.titles import Resolution, Status
from pelliculum_lib.recommending.phase3 import Phase3Recommender
from pelliculum_lib.recommending.retrieval import cached_retriever
from pelliculum_lib.recommending.two_stage import TwoStageRecommender
from pelliculum_lib.serving.answer_store import AnswerReader
from pelliculum_lib.serving.cache import ResponseCache
from pelliculum_lib.serving.keys import answer_key
from pelliculum_lib.serving.loading import film_meaning, load_recommender, reader_model
from pelliculum_lib.serving.store import CatalogueStore

log = logging.getLogger(__name__)


@dataclass
class RecommendationAnswer:
    """A recommendation answer, as the API returns it."""

    query: str
    match: Status  # exact | fuzzy: the film was found
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
    status: ReplyStatus
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


class FilmNotFound(LookupError):
    def __init__(self, film_id: int):
        super().__init__(f"No film with id {film_id} in the catalogue.")
        self.film_id = film_id


class EngineBusy(RuntimeError):
    """The model stayed busy longer than ``Settings.queue_seconds``."""


class RecommendationService:
    def __init__(self, recommender: Phase3Recommender | TwoStageRecommender, store: CatalogueStore,
                 settings: Settings, answers_dir: Path | None = None):
        self.recommender, self.store, self.settings = recommender, store, settings
        self.engine_lock = threading.Lock()  # one generation at a time: the model is not re-entrant
        key = answer_key(settings, recommender.catalogue)
        answers_dir = answers_dir or settings.answer_cache_dir or settings.cache_dir / "answers"
        self.cache = ResponseCache(answers_dir / key, settings.response_cache_size)
        self.precomputed = AnswerReader(settings.answer_store, key)  # `pelliculum precompute`, read-only
        self.tmdb = None
        if settings.tmdb_api_key:
            from pelliculum_lib.serving.tmdb import TMDbClient  # httpx: only with a TMDb key

            self.tmdb = TMDbClient(settings.tmdb_api_key, settings.tmdb_base_url, settings.tmdb_timeout,
                                   settings.cache_dir)
        retriever = getattr(recommender, "retriever", None) or \
            cached_retriever(recommender.catalogue, settings.fit_split, settings)
        self.meaning = film_meaning(recommender.catalogue, settings)
        self.dialogue = build_dialogue(recommender.catalogue, retriever, recommender.resolver,
                                       lambda film: self.recommend_ids(film)[0], settings,
                                       self.tmdb.search_ids_sync if self.tmdb is not None else None, self.meaning,
                                       reader_model(settings))

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

    def close(self) -> None:
        """Close what the service opened: the SQLite connections and the TMDb client (they reopen on next use)."""
        self.store.close()
        self.precomputed.close()
        if self.tmdb is not None:
            self.tmdb.close()

    def reader_status(self) -> str:
        """The reader model's state: off (the rules read), loading, ready or unavailable (failed to load)."""
        model = self.dialogue.reader.model if self.dialogue.reader is not None else None
        return getattr(model, "status", "ready") if model is not None else "off"

    def meaning_status(self) -> dict:
        """The film vectors' state, as ``/health`` reports it."""
        if self.meaning is None:
            return {"encoder": "off", "status": "off", "progress": 0.0, "titles": "off"}
        return {"encoder": self.settings.meaning, "status": self.meaning.status,
                "progress": round(self.meaning.progress, 3), "titles": self.meaning.titles_status}

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

    def recommend(self, title: str) -> RecommendationAnswer:
        started = time.perf_counter()
        resolution = self.resolve(title)
        ids, cached, model_seconds = self.recommend_ids(resolution.film_id)
        film, = self.store.get([resolution.film_id])
        return RecommendationAnswer(title, resolution.status, film, self.store.get(ids),
                                    self.store.get(resolution.alternatives[:5]), cached,
                                    time.perf_counter() - started, model_seconds)

    def details(self, film_id: int) -> FilmDetails:
        """Everything the catalogue store knows of one film (:class:`FilmNotFound` if it has no such film)."""
        film = self.store.details(film_id)
        if film is None:
            raise FilmNotFound(film_id)
        return film

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
