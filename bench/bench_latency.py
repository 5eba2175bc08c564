"""Latency and throughput of the real service on loopback, per backend.

    python bench/bench_latency.py [--films 30] [--warm 50] [--concurrent 8] [--dtypes float32 bfloat16]

For each backend (inference dtype of the transformers engine) a fresh `pelliculum serve` is
started with an empty answer cache, then measured: time to ready; cold answers (distinct films,
sequential) p50/p95/max, end to end and model-only; warm (repeated) answers; and throughput
with N concurrent clients over distinct and repeated films (errors counted). Writes
reports/performance.{md,json} beside the seed's 8 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time

import httpx
import numpy as np

from live_server import rss_mib, serve
from pelliculum_lib.config import PROJECT_ROOT, get_settings
from pelliculum_lib.data import Catalogue

SEED_SECONDS = 8.0
TARGETS = {"cold_p50_s": 0.8, "cold_p95_s": 1.2, "warm_p50_ms": 5.0, "ready_s": 3.0}


def percentiles(values: list[float]) -> dict:
    array = np.array(values)
    return {"p50": float(np.percentile(array, 50)), "p95": float(np.percentile(array, 95)), "max": float(array.max())}


def measure(dtype: str, films: list[str], warm: int, concurrent: int) -> dict:
    with tempfile.TemporaryDirectory() as answers, serve({"PELLICULUM_INFERENCE_DTYPE": dtype,
                                                         "PELLICULUM_ANSWER_CACHE_DIR": answers,
                                                         "PELLICULUM_RATE_LIMIT_PER_MINUTE": "0"}) as (url, proc, ready):
        with httpx.Client(base_url=url, timeout=120) as http:
            cold, cold_model, titles_out = [], [], []
            for title in films[: len(films) // 2]:
                started = time.perf_counter()
                body = http.post("/recommend/", json={"title": title}).json()
                cold.append(time.perf_counter() - started)
                cold_model.append(body["model_seconds"])
                titles_out.append(len(body["recommendations"]))
            warm_times = []
            for i in range(warm):
                started = time.perf_counter()
                http.post("/recommend/", json={"title": films[i % 5]})
                warm_times.append(time.perf_counter() - started)
        # Throughput: concurrent clients over the other half of the films (cold) and repeated ones.
        rest = films[len(films) // 2:]
        results, lock = [], threading.Lock()

        def client(index: int) -> None:
            with httpx.Client(base_url=url, timeout=120) as http:
                for j in range(6):
                    title = rest[(index * 3 + j) % len(rest)] if j % 2 == 0 else films[j % 5]
                    started = time.perf_counter()
                    try:
                        ok = http.post("/recommend/", json={"title": title}).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        results.append((ok, time.perf_counter() - started))

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrent)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        wall = time.perf_counter() - started
        rss = rss_mib(proc.pid)
    cold_p, model_p, warm_p = percentiles(cold), percentiles(cold_model), percentiles(warm_times)
    return {
        "backend": f"transformers {dtype}", "ready_s": round(ready, 2), "cold_answers": len(cold),
        "cold_p50_s": round(cold_p["p50"], 3), "cold_p95_s": round(cold_p["p95"], 3), "cold_max_s": round(cold_p["max"], 3),
        "model_p50_s": round(model_p["p50"], 3), "model_p95_s": round(model_p["p95"], 3),
        "warm_p50_ms": round(warm_p["p50"] * 1000, 2), "warm_p95_ms": round(warm_p["p95"] * 1000, 2),
        "mean_titles": round(float(np.mean(titles_out)), 2),
        "concurrent_clients": concurrent, "concurrent_requests": len(results),
        "concurrent_errors": sum(not ok for ok, _ in results),
        "throughput_rps": round(len(results) / wall, 2),
        "concurrent_p95_s": round(percentiles([s for _, s in results])["p95"], 3), "rss_mib": round(rss, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--films", type=int, default=30)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"])
    args = parser.parse_args()
    catalogue = Catalogue.load(settings=get_settings())
    movies = catalogue.movies[catalogue.movies["recommendations"].notna()]
    films = movies["label"].head(400).sample(args.films, random_state=1).tolist()
    rows = [measure(dtype, films, args.warm, args.concurrent) for dtype in args.dtypes]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = {"machine": machine, "seed_seconds": SEED_SECONDS, "targets": TARGETS, "backends": rows}
    (PROJECT_ROOT / "reports" / "performance.json").write_text(json.dumps(report, indent=1))
    keys = list(rows[0])
    table = "\n".join(["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
                      + ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows])
    best = min(rows, key=lambda r: r["cold_p50_s"])
    verdict = [f"- {name}: target {target}, best measured {best[name]} ({'met' if best[name] <= target else 'missed'})"
               for name, target in TARGETS.items()]
    (PROJECT_ROOT / "reports" / "performance.md").write_text(f"""# Performance of the service

Written by `bench/bench_latency.py` against real `pelliculum serve` processes on loopback.
Machine: {machine}. The seed answered in {SEED_SECONDS:.0f} s on average.

Cold = first answer for a film (empty answer cache), sequential; warm = a repeated film (cache);
concurrent = {args.concurrent} clients sending distinct and repeated films at once. Model time is
the generation alone; the rest is resolution, the catalogue store and HTTP.

{table}

Targets (issue 6) against the best backend measured here:

{chr(10).join(verdict)}
""")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
