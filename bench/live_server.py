"""A real `pelliculum serve` process on a free loopback port, for the load benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

from pelliculum_lib.config import PROJECT_ROOT


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(values: Sequence[float], keys: Sequence[str] = ("p50", "p95")) -> dict[str, float]:
    """The ``keys`` of ``values``: percentiles ``pNN`` and ``max``."""
    array = np.asarray(values, dtype=np.float64)
    return {key: float(array.max()) if key == "max" else float(np.percentile(array, float(key[1:]))) for key in keys}


def concurrent_posts(url: str, path: str, bodies: Callable[[int], list[dict]], clients: int,
                     timeout: float = 120.0) -> tuple[list[tuple[bool, float]], float]:
    """``clients`` threads, client ``i`` POSTing ``bodies(i)`` to ``path`` one after the other: every
    ``(ok, seconds)`` (ok: a 200) and the wall time of the whole."""
    results, lock = [], threading.Lock()

    def client(index: int) -> None:
        with httpx.Client(base_url=url, timeout=timeout) as http:
            for body in bodies(index):
                started = time.perf_counter()
                try:
                    ok = http.post(path, json=body).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    results.append((ok, time.perf_counter() - started))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results, time.perf_counter() - started


@contextmanager
def serve(env: dict[str, str] | None = None, ready_timeout: float = 300.0):
    """Yield ``(url, process, seconds_to_ready)`` of a fresh service; stop it afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "pelliculum"), "serve", "--port", str(port)]
    log = open(PROJECT_ROOT / "outputs" / f"server-{port}.log", "w") if (PROJECT_ROOT / "outputs").is_dir() \
        else subprocess.DEVNULL
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                               cwd=PROJECT_ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited with code {process.returncode} before it was ready")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > ready_timeout:
                raise RuntimeError("the service was not ready in time")
            time.sleep(0.05)
        yield url, process, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
