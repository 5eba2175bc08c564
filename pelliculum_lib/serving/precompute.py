"""``pelliculum precompute``: the service's answer for every catalogue film, written ahead of time.

The films are answered by the same recommender the service loads (same settings, same answer
key), in batches, most popular first, and written to the answer store (:mod:`.answer_store`).
Runs are resumable: films already in the store are skipped, each batch is committed as it
arrives, so a killed run loses at most the batches in flight and never writes a film twice.

It runs on Ray when Ray is installed (``pip install -e '.[ray]'``): locally by default, on a
cluster with ``ray_address``; each worker is an actor that loads the recommender once. Without
Ray the same :class:`Answerer` runs in this process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from pelliculum_lib.config import Settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.serving.answer_store import AnswerWriter

log = logging.getLogger(__name__)


class Answerer:
    """Loads the service's recommender once and answers batches of films."""

    def __init__(self, settings: Settings, threads: int | None = None):
        from pelliculum_lib.serving.loading import load_recommender

        if threads:
            import torch

            torch.set_num_threads(threads)
        self.settings = settings
        self.recommender = load_recommender(settings)

    def ready(self) -> bool:
        return True

    def answer(self, films: list[int]) -> list[tuple[int, list[int], float]]:
        """``(film, recommended ids, seconds)`` for each film whose answer is complete (cut answers are left out)."""
        out = []
        for film in films:
            started = time.perf_counter()
            (ids, answer), = self.recommender.answer_films([film], max_time=self.settings.generation_seconds)
            if answer.stopped or answer.new_tokens >= self.settings.max_new_tokens:
                out.append((int(film), [int(i) for i in ids], time.perf_counter() - started))
        return out


@dataclass
class Summary:
    films: int  # films asked for
    skipped: int  # already in the store
    answered: int  # written by this run
    seconds: float  # the whole run, loading included
    workers: int
    ray: bool
    store: str
    answer_seconds: float = 0.0  # from the first batch sent to the last written (loading and Ray start excluded)

    @property
    def films_per_second(self) -> float:
        """Answering rate, loading excluded (what a long run is made of)."""
        seconds = self.answer_seconds or self.seconds
        return self.answered / seconds if seconds else 0.0

    def __str__(self) -> str:
        engine = f"Ray, {self.workers} worker(s)" if self.ray else "in process"
        return (f"{self.answered} films answered in {self.seconds:.1f} s, {self.films_per_second:.1f} films/s once "
                f"loaded ({engine}); {self.skipped} already in {self.store}; {self.films} asked for.")


def films_to_answer(catalogue: Catalogue, limit: int | None) -> list[int]:
    """Catalogue films, most popular first (the most asked-for answers are written first)."""
    films = catalogue.movies["id"].astype(int).tolist()
    return films if limit is None else films[:limit]


def _batches(films: list[int], size: int) -> list[list[int]]:
    return [films[i:i + size] for i in range(0, len(films), size)]


def precompute(settings: Settings, films: int | None = None, store: Path | None = None, use_ray: bool | None = None,
               ray_address: str | None = None, workers: int = 1, batch_size: int = 64, redo: bool = False,
               progress: bool = True) -> Summary:
    """Answer ``films`` catalogue films (all by default) into the answer store; see the module docstring."""
    from pelliculum_lib.serving.keys import answer_key

    started = time.perf_counter()
    catalogue = Catalogue.load(settings=settings)
    key = answer_key(settings, catalogue)
    path = Path(store or settings.answer_store)
    writer = AnswerWriter(path)
    wanted = films_to_answer(catalogue, films)
    done = set() if redo else writer.done(key)
    todo = [f for f in wanted if f not in done]
    if redo:
        with writer.db:
            writer.db.executemany("DELETE FROM answers WHERE key = ? AND film_id = ?", [(key, f) for f in todo])
    if use_ray is None:
        use_ray = _ray_available()
    answered, clock = 0, {}
    bar = tqdm(total=len(todo), desc="precompute", unit="film", disable=not progress)
    try:
        if todo and use_ray:
            answered = _run_on_ray(settings, todo, writer, key, ray_address, workers, batch_size, bar, clock)
        elif todo:
            answerer = Answerer(settings)
            clock["start"] = time.perf_counter()
            for batch in _batches(todo, batch_size):
                answered += writer.add(key, answerer.answer(batch))
                bar.update(len(batch))
    finally:
        bar.close()
        writer.close()
    ended = time.perf_counter()
    summary = Summary(len(wanted), len(wanted) - len(todo), answered, ended - started, workers if use_ray else 1,
                      bool(use_ray), str(path), ended - clock.get("start", ended))
    log.info("%s", summary)
    return summary


def _ray_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("ray") is not None


def _run_on_ray(settings: Settings, todo: list[int], writer: AnswerWriter, key: str, address: str | None,
                workers: int, batch_size: int, bar, clock: dict) -> int:
    """Batches spread over ``workers`` actors (two in flight each); results written as they arrive."""
    try:
        import ray
    except ImportError as error:
        raise RuntimeError("Ray is not installed: pip install -e '.[ray]' (or run with --no-ray).") from error
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        actor = ray.remote(num_cpus=1)(Answerer)
        pool = [actor.remote(settings, threads=1) for _ in range(workers)]
        ray.get([worker.ready.remote() for worker in pool])  # every actor has loaded the recommender
        clock["start"] = time.perf_counter()
        pending: dict = {}
        batches = _batches(todo, batch_size)
        answered = 0

        def submit(index: int) -> None:
            if batches:
                batch = batches.pop(0)
                pending[pool[index].answer.remote(batch)] = (index, len(batch))

        for index in range(len(pool)):
            submit(index)
            submit(index)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                index, size = pending.pop(ref)
                answered += writer.add(key, ray.get(ref))
                bar.update(size)
                submit(index)
        return answered
    finally:
        if started_here:
            ray.shutdown()
