"""What the service loads once, as the settings ask: the recommender, the film vectors and the phase-5 reader."""

from __future__ import annotations

import logging
import threading

from pelliculum_lib.config import Settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.modeling.encoder import load_encoder
from pelliculum_lib.modeling.loading import active_adapter
from pelliculum_lib.recommending.meaning import MeaningBuild, film_texts, most_voted
from pelliculum_lib.recommending.phase3 import Phase3Recommender
from pelliculum_lib.recommending.two_stage import TwoStageRecommender

log = logging.getLogger(__name__)


def load_recommender(settings: Settings, catalogue: Catalogue | None = None) -> Phase3Recommender | TwoStageRecommender:
    """The recommender the settings ask for (what the service and ``pelliculum precompute`` answer with), with
    its :func:`~pelliculum_lib.modeling.loading.active_adapter` (none: the retriever alone, no model loaded)."""
    catalogue = catalogue if catalogue is not None else Catalogue.load(settings=settings)
    adapter = active_adapter(settings)
    if settings.recommender == "phase3":
        return Phase3Recommender.load(settings, adapter=adapter, catalogue=catalogue)
    return TwoStageRecommender.load(settings, catalogue=catalogue, adapter="" if adapter is None else adapter)


def film_meaning(catalogue: Catalogue, settings: Settings) -> MeaningBuild | None:
    """The catalogue's film vectors for ``settings.meaning`` (read back from the cache, or built, in the
    background unless ``meaning_background`` is false); ``None`` when meaning is off."""
    if settings.meaning == "off":
        return None
    movies = catalogue.movies
    return MeaningBuild(movies["id"].to_numpy(), film_texts(movies), lambda: load_encoder(settings.meaning),
                        settings.cache_dir, background=settings.meaning_background, titles=most_voted(movies))


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


class BackgroundReader:
    """The reader model loaded by ``load`` in a background thread (or at once): until it is ready — or if it
    cannot load — :meth:`read` answers ``None``, so the rules' reading is kept, as for a busy model."""

    def __init__(self, load, background: bool = True):
        self.model, self.status = None, "loading"
        self._thread = threading.Thread(target=self._load, args=(load,), name="reader-load", daemon=True)
        self._thread.start()
        if not background:
            self._thread.join()

    def _load(self, load) -> None:
        self.model = load()
        self.status = "ready" if self.model is not None else "unavailable"

    def wait(self, seconds: float | None = None) -> str:
        """Wait for the load (at most ``seconds``) and say how it stands."""
        self._thread.join(seconds)
        return self.status

    def read(self, messages: list[dict], max_tokens: int = 80) -> str | None:
        if self.model is None:
            log.info("Reader %s: the rules' reading is kept", self.status)
            return None
        return self.model.read(messages, max_tokens)


def reader_model(settings: Settings) -> BackgroundReader | None:
    """What the service reads with beside the rules: ``None`` for ``reader=rules`` or a missing adapter (logged),
    else the model, loaded in the background unless ``reader_background`` is false."""
    if settings.reader == "rules":
        return None
    if not (settings.reader_adapter_dir / "adapter_config.json").is_file():
        log.warning("PELLICULUM_READER=%s but there is no reader adapter at %s: the rules read every message",
                    settings.reader, settings.reader_adapter_dir)
        return None
    return BackgroundReader(lambda: load_reader_model(settings), background=settings.reader_background)
