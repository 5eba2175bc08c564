"""`pelliculum precompute`: answers written ahead of time (in process and on Ray), resumable after a
kill, and served by several service processes from one store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import SAMPLE_DATA
from pelliculum_lib.config import PROJECT_ROOT, Settings
from pelliculum_lib.serving.precompute import Answerer, precompute

pytestmark = pytest.mark.slow
PELLICULUM = str(Path(sys.executable).parent / "pelliculum")


def rows(store: Path) -> list[tuple[int, list[int]]]:
    with sqlite3.connect(store) as db:
        return [(film, json.loads(films)) for film, films in db.execute("SELECT film_id, films FROM answers")]


@pytest.fixture(scope="module")
def sample_settings() -> Settings:
    return Settings(dataset=str(SAMPLE_DATA))


def test_precompute_in_process_writes_the_service_answers_once(sample_settings, tmp_path):
    store = tmp_path / "answers.sqlite"
    first = precompute(sample_settings, films=30, store=store, use_ray=False, batch_size=7, progress=False)
    assert (first.answered, first.skipped, first.ray) == (30, 0, False)
    again = precompute(sample_settings, films=30, store=store, use_ray=False, progress=False)
    assert (again.answered, again.skipped) == (0, 30)
    written = dict(rows(store))
    assert len(written) == 30
    live = Answerer(sample_settings)
    for film, films in list(written.items())[:10]:
        assert live.answer([film])[0][1] == films  # the same answer the service computes
        assert len(films) == sample_settings.max_titles and film not in films


def test_precompute_on_ray_local_mode_gives_the_same_answers(sample_settings, tmp_path):
    plain, on_ray = tmp_path / "plain.sqlite", tmp_path / "ray.sqlite"
    precompute(sample_settings, films=12, store=plain, use_ray=False, progress=False)
    summary = precompute(sample_settings, films=12, store=on_ray, use_ray=True, workers=2, batch_size=3,
                         progress=False)
    assert summary.ray and summary.workers == 2 and summary.answered == 12
    assert sorted(rows(on_ray)) == sorted(rows(plain))


def test_a_killed_precompute_resumes_without_answering_a_film_twice(tmp_path):
    store = tmp_path / "answers.sqlite"
    command = [PELLICULUM, "precompute", "--no-ray", "--dataset", str(SAMPLE_DATA), "--store", str(store),
               "--batch-size", "5", "--json"]
    killed = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # kill it once some answers are committed
        if store.is_file():
            try:
                if len(rows(store)) >= 20:
                    break
            except sqlite3.Error:
                pass
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    kept = len(rows(store))
    total = len(__import__("pandas").read_parquet(SAMPLE_DATA))
    assert 20 <= kept < total, "the first run must have been cut halfway"
    finished = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    assert summary["skipped"] == kept and summary["answered"] == total - kept
    films = [film for film, _ in rows(store)]
    assert len(films) == len(set(films)) == total  # every film exactly once


def _serve(env: dict[str, str]):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([PELLICULUM, "serve", "--port", str(port)], cwd=PROJECT_ROOT,
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def test_two_service_processes_answer_from_one_store(sample_settings, tmp_path):
    store = tmp_path / "answers.sqlite"
    precompute(sample_settings, films=40, store=store, use_ray=False, progress=False)
    precomputed = dict(rows(store))
    env = {"PELLICULUM_DATASET": str(SAMPLE_DATA), "PELLICULUM_ANSWER_STORE": str(store),
           "PELLICULUM_ANSWER_CACHE_DIR": str(tmp_path / "json-cache"), "HF_HUB_OFFLINE": "1"}
    servers = [_serve(env), _serve(env)]
    try:
        for process, url in servers:
            for _ in range(1200):
                assert process.poll() is None, "a service process exited"
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            assert httpx.get(f"{url}/health").json()["precomputed_answers"] == 40
        films = list(precomputed)[:10]  # measured: the sample's most popular films have titles of their own
        labels = __import__("pandas").read_parquet(SAMPLE_DATA).set_index("id")["title"]
        for film in films:
            answers = []
            for _, url in servers:
                body = httpx.post(f"{url}/recommend/", json={"title": str(labels[film])}, timeout=30).json()
                assert body["film"]["id"] == film, body
                assert body["cached"] is True and body["model_seconds"] == 0
                answers.append([f["id"] for f in body["recommendations"]])
            assert answers[0] == answers[1] == precomputed[film]
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=20)
